#!/usr/bin/env bash
# generate --subscriber-db end to end on a hand-made database whose
# identities change during the generated day (2024-06-10, Europe/Amsterdam,
# UTC+2): every record must carry the identity that held its MSISDN at the
# record's own start time, numbers in cool-down get no records at all, and
# the .csv and .arrow forms of one database give byte-identical CDRs.
. "$(dirname "$0")/lib.sh"
cd "$T_TMP" || exit 1

T0=1704067200000
T_DEV=1718020800000   # 2024-06-10 14:00 local: A changes handset
T_REL=1718006400000   # 10:00 local: B releases its number
T_SIM=1718013600000   # 12:00 local: C changes SIM
T_ASG=1718028000000   # 16:00 local: B's number goes to a new IMSI
{
    echo "timestamp_ms,event_type,imsi,msisdn,imei,mccmnc"
    n=1
    for imei in 353281150000015 353281150000023 353281150000031 353281150000049 \
                353281150000056 353281150000064 353281150000072 353281150000080 \
                353281150000098 353281150000106; do
        printf '%s,NEW_SUBSCRIBER,2040800000000%02d,3161200000%02d,%s,20408\n' "$T0" "$n" "$((n - 1))" "$imei"
        n=$((n + 1))
    done
    echo "$T_REL,RELEASE_NUMBER,204080000000002,316120000001,,20408"
    echo "$T_SIM,CHANGE_SIM,204200000000077,316120000002,,20420"
    echo "$T_DEV,CHANGE_DEVICE,204080000000001,316120000000,352906110000116,20408"
    echo "$T_ASG,ASSIGN_NUMBER,204160000000099,316120000001,352906110000991,20416"
} >db.csv
cat >busy.yaml <<'EOF'
avg_calls_per_user: 60
avg_sms_per_user: 60
avg_data_sessions_per_user: 120
diurnal_weekday: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]
EOF

t_expect "hand-made db validates" 0 "" -- "$CDRGEN" db validate db.csv
t_expect "generate from csv db" 0 "" -- "$CDRGEN" generate --subscriber-db db.csv --config busy.yaml \
    --start 2024-06-10 --out csv_out --quiet --workers 1
gzip -dc csv_out/cdr_2024-06-10.csv.gz | tail -n +2 >rows.txt

# owner = msisdn_dst for MT rows, msisdn_src otherwise (SPEC 2)
own() { awk -F';' -v m="$1" '($4 == "MT" ? $3 : $2) == m' rows.txt; }

own 316120000000 >a.txt
t_check "A: records before the 14:00 handset change" \
    test "$(awk -F';' -v t=$T_DEV '$5 < t' a.txt | wc -l)" -gt 0
t_check "A: records after it" test "$(awk -F';' -v t=$T_DEV '$5 >= t' a.txt | wc -l)" -gt 0
t_check "A: old IMEI exactly before 14:00" \
    test "$(awk -F';' -v t=$T_DEV '$5 < t && $12 != "353281150000015"' a.txt | wc -l)" -eq 0
t_check "A: new IMEI exactly from 14:00" \
    test "$(awk -F';' -v t=$T_DEV '$5 >= t && $12 != "352906110000116"' a.txt | wc -l)" -eq 0

own 316120000001 >b.txt
t_check "B: old owner's records before the release" \
    test "$(awk -F';' -v t=$T_REL '$5 < t && $11 == "204080000000002" && $12 == "353281150000023"' b.txt | wc -l)" -gt 0
t_check "B: no record during the cool-down" \
    test "$(awk -F';' -v a=$T_REL -v b=$T_ASG '$5 >= a && $5 < b' b.txt | wc -l)" -eq 0
t_check "B: not even as the peer of someone else's record in the cool-down" \
    test "$(awk -F';' -v a=$T_REL -v b=$T_ASG '$5 >= a && $5 < b && ($2 == "316120000001" || $3 == "316120000001")' rows.txt | wc -l)" -eq 0
t_check "B: new owner's records after the re-assignment" \
    test "$(awk -F';' -v t=$T_ASG '$5 >= t && $11 == "204160000000099" && $12 == "352906110000991" && $10 == "20416"' b.txt | wc -l)" -gt 0
t_check "B: every record has the identity in force at its start" \
    test "$(awk -F';' -v a=$T_REL -v b=$T_ASG '($5 < a && $11 != "204080000000002") || ($5 >= b && $11 != "204160000000099")' b.txt | wc -l)" -eq 0

own 316120000002 >c.txt
t_check "C: old IMSI before the SIM change, new after, IMEI kept" \
    test "$(awk -F';' -v t=$T_SIM '($5 < t && $11 != "204080000000003") || ($5 >= t && ($11 != "204200000000077" || $10 != "20420")) || $12 != "353281150000031"' c.txt | wc -l)" -eq 0
t_check "C: records on both sides of the SIM change" \
    test "$(awk -F';' -v t=$T_SIM '$5 < t' c.txt | wc -l)" -gt 0 -a "$(awk -F';' -v t=$T_SIM '$5 >= t' c.txt | wc -l)" -gt 0

# MT records of on-net peers carry the peer's identity at that instant: the
# owner checks above cover MT rows; check that there are such rows.
t_check "on-net MT rows exist for A" test "$(awk -F';' '$4 == "MT" && $3 == "316120000000" && $2 ~ /^3161200000/' rows.txt | wc -l)" -gt 0
t_check "all three event types" test "$(cut -d';' -f1 rows.txt | sort -u | tr '\n' ' ')" = "CALL DATA SMS "

t_expect "convert to arrow" 0 "" -- "$CDRGEN" db convert db.csv db.arrow
t_expect "generate from arrow db" 0 "" -- "$CDRGEN" generate --subscriber-db db.arrow --config busy.yaml \
    --start 2024-06-10 --out arrow_out --quiet --workers 3
t_check "csv and arrow databases give the same bundles (workers 1 vs 3)" \
    gz_same csv_out/cdr_2024-06-10.csv.gz arrow_out/cdr_2024-06-10.csv.gz
t_check "index cached beside the database" test -s db.arrow.cgidx

# --subs N takes the first N MSISDNs in ascending order.
t_expect "generate --subs 3 from the db" 0 "" -- "$CDRGEN" generate --subscriber-db db.arrow --subs 3 \
    --config busy.yaml --start 2024-06-10 --out three --quiet
gzip -dc three/cdr_2024-06-10.csv.gz | tail -n +2 |
    awk -F';' '{print ($4 == "MT" ? $3 : $2)}' | sort -u >owners3.txt
t_check "--subs 3: owners are the 3 smallest MSISDNs" \
    test "$(tr '\n' ' ' <owners3.txt)" = "316120000000 316120000001 316120000002 "

# A generated database, sharded vs not, as a smoke test of the whole path.
"$CDRGEN" db generate -o g.arrow --size 3000 --history-days 60 --seed 3 >/dev/null
t_expect "generate from a generated db" 0 "" -- "$CDRGEN" generate --subscriber-db g.arrow \
    --start 2024-02-20 --days 2 --out g_out --quiet
t_check "summary written" test -s g_out/2024-02-21/summary.json
t_expect "missing database" 1 "nope.arrow" -- "$CDRGEN" generate --subscriber-db nope.arrow --out x --quiet
# Issue 9.8: the index cache never answers for a changed database, even one
# whose size and mtime were kept (two IMEIs swapped mid-file, touch -r).
"$CDRGEN" db generate -o swap.csv --size 100000 --history-days 10 >/dev/null || t_fail "swap.csv"
cp -p swap.csv swap.orig
"$CDRGEN" generate --subscriber-db swap.csv --subs 1 --out sw1 --quiet || t_fail "index build"
i1=$(md5sum <swap.csv.cgidx)
mid=$(($(wc -l <swap.csv) / 2))
awk -F, -v OFS=, -v a=$mid -v b=$((mid + 1)) 'NR == a { ia = $5 } NR == b { ib = $5 } { l[NR] = $0; f[NR] = $5 }
    END { for (i = 1; i <= NR; i++) { if (i == a) { $0 = l[i]; $5 = ib; print } else if (i == b) { $0 = l[i]; $5 = ia; print } else print l[i] } }' \
    swap.orig >swap.csv
touch -r swap.orig swap.csv
t_check "the swap kept size and mtime" test "$(stat -c %s.%Y swap.csv)" = "$(stat -c %s.%Y swap.orig)"
t_check "and changed the bytes" test "$(md5sum <swap.csv)" != "$(md5sum <swap.orig)"
"$CDRGEN" generate --subscriber-db swap.csv --subs 1 --out sw2 --quiet || t_fail "second run"
t_check "the index was rebuilt for the changed database" test "$(md5sum <swap.csv.cgidx)" != "$i1"
t_done
