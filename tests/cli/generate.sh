#!/usr/bin/env bash
# `cdrgen generate` through the binary: outputs readable by gzip -dc and
# zstd -dc, bundle = one header + the parts' rows, counts in summary.json,
# re-runs into the same directory replace a day's files, cells.csv
# mismatch, multi-day layout, no temporary files, exit codes.
. "$(dirname "$0")/lib.sh"
cd "$T_TMP" || exit 1

D=2025-01-15
HDR='event_type;msisdn_src;msisdn_dst;direction;start_ts_ms;end_ts_ms;tz_name;tz_offset_min;duration_sec;mccmnc;imsi;imei;cell_id;record_type;cause_for_record_closing;sms_segments;sms_status;data_bytes_in;data_bytes_out;data_duration_sec;apn;rat'
gen() { "$CDRGEN" generate --subs 1500 --days 1 --start $D --quiet "$@"; }
# dot files other than OUT/.cdrgen.lock (temporary files are .NAME.tmp.PID)
no_stray() { ! find "$1" -name '.*' ! -path "$1/.cdrgen.lock" | grep -q .; }
differ() { ! cmp -s "$1" "$2"; }
json_num() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1"; }

t_expect "gzip run" 0 "" -- gen --out g --rotate-bytes 400000
t_check "bundle readable by gzip -dc" gzip -t g/cdr_$D.csv.gz
gzip -dc g/cdr_$D.csv.gz >g.csv
t_check "bundle header line" test "$(head -n 1 g.csv)" = "$HDR"
t_check "header exactly once in the bundle" test "$(grep -c '^event_type;' g.csv)" -eq 1
t_check "several parts" test "$(ls g/$D/cdr_${D}_shard000_part*.csv.gz | wc -l)" -gt 2
t_check "first part is part000" test -f g/$D/cdr_${D}_shard000_part000.csv.gz
ok=1
for p in g/$D/cdr_${D}_shard000_part*.csv.gz; do
    gzip -t "$p" || ok=0
    [ "$(gzip -dc "$p" | head -n 1)" = "$HDR" ] || ok=0
    [ "$(gzip -dc "$p" | grep -c '^event_type;')" -eq 1 ] || ok=0
done
t_check "every part: gzip -dc, one header" test $ok -eq 1
for p in g/$D/cdr_${D}_shard000_part*.csv.gz; do gzip -dc "$p" | tail -n +2; done >rows.txt
t_check "bundle = header + parts' rows in order" cmp -s <(tail -n +2 g.csv) rows.txt
calls=$(json_num g/$D/summary.json total_calls)
sms=$(json_num g/$D/summary.json total_sms)
data=$(json_num g/$D/summary.json total_data)
t_check "summary shape" grep -qxE '\{"total_calls":[0-9]+,"total_sms":[0-9]+,"total_data":[0-9]+,"shards":1\}' g/$D/summary.json
t_check "stats shape" grep -qxE '\{"shard":0,"calls":[0-9]+,"sms":[0-9]+,"data":[0-9]+,"shards":1,"run":"[0-9a-f]{16}","parts":[1-9][0-9]*,"part_rows":\[[0-9,]+\],"part_bytes":\[[0-9,]+\]\}' g/$D/stats_shard000.json
t_check "summary calls = CALL rows" test "$calls" -eq "$(grep -c '^CALL;' g.csv)"
t_check "summary sms = SMS rows" test "$sms" -eq "$(grep -c '^SMS;' g.csv)"
t_check "summary data = DATA rows" test "$data" -eq "$(grep -c '^DATA;' g.csv)"
t_check "rows = calls + sms + data" test "$(($(wc -l <g.csv) - 1))" -eq $((calls + sms + data))
t_check "cells.csv header" test "$(head -n 1 g/cells.csv)" = "cell_id,lat,lon,rat,site_id,azimuth,area,lac"
t_check "cells.csv ids 1..2000" test "$(tail -n +2 g/cells.csv | cut -d, -f1 | tr '\n' ' ')" = "$(seq 1 2000 | tr '\n' ' ')"
t_check "no temporary files" no_stray g

# Re-run with a large rotate size: only the new single part remains.
t_expect "re-run, one part" 0 "" -- gen --out g
t_check "old parts removed" test "$(ls g/$D | tr '\n' ' ')" = "cdr_${D}_shard000_part000.csv.gz stats_shard000.json summary.json "
t_check "same rows after the re-run" cmp -s <(gzip -dc g/cdr_$D.csv.gz) g.csv

# Re-run with zstd: no .gz bundle or part left, zstd -dc reads the rest.
t_expect "re-run with zstd" 0 "" -- gen --out g --compression zstd --rotate-bytes 400000
t_check "no .gz bundle left" test ! -e g/cdr_$D.csv.gz
t_check "no .gz part left" test -z "$(ls g/$D | grep '\.gz$')"
t_check "zstd bundle readable by zstd -dc" cmp -s <(zstd -dc g/cdr_$D.csv.zst 2>/dev/null) g.csv
ok=1
for p in g/$D/cdr_${D}_shard000_part*.csv.zst; do
    [ "$(zstd -dc "$p" 2>/dev/null | head -n 1)" = "$HDR" ] || ok=0
done
t_check "every zstd part starts with the header" test $ok -eq 1

# --compression none: plain .csv files with the same rows.
t_expect "none" 0 "" -- gen --out n --compression none
t_check "plain bundle" cmp -s n/cdr_$D.csv g.csv
t_check "plain part" cmp -s n/$D/cdr_${D}_shard000_part000.csv g.csv

# --cleanup-after-archive: parts gone, bundle, stats and summary kept.
t_expect "cleanup-after-archive" 0 "" -- gen --out c --rotate-bytes 400000 --cleanup-after-archive
t_check "no parts" test "$(ls c/$D | tr '\n' ' ')" = "stats_shard000.json summary.json "
t_check "bundle kept" cmp -s <(gzip -dc c/cdr_$D.csv.gz) g.csv

# The flat form of the earlier tool means generate; same seed, same rows.
t_expect "flat form" 0 "" -- "$CDRGEN" --subs 1500 --days 1 --start $D --quiet --out f
t_check "flat form = generate" cmp -s <(gzip -dc f/cdr_$D.csv.gz) g.csv
t_expect "other seed" 0 "" -- gen --out s --seed 7
t_check "other seed, other rows" differ <(gzip -dc s/cdr_$D.csv.gz) g.csv

# cells.csv of another catalog in the same OUT: refused, naming it.
t_expect "other --cells into the same OUT" 2 "cells.csv" -- gen --out g --cells 500
t_check "catalog untouched" test "$(wc -l <g/cells.csv)" -eq 2001

# Three days: three day directories, bundles and summaries.
t_expect "three days" 0 "" -- "$CDRGEN" generate --subs 300 --days 3 --start 2025-03-29 --quiet --out m
for d in 2025-03-29 2025-03-30 2025-03-31; do
    t_check "$d summary" test -f m/$d/summary.json
    t_check "$d bundle" gzip -t m/cdr_$d.csv.gz
done
t_check "no fourth day" test "$(ls -d m/20* | wc -l)" -eq 3
imsi_of() { gzip -dc m/cdr_$1.csv.gz | awk -F';' '$1=="DATA" && $2=="316120000000" {print $11; exit}'; }
t_check "subscriber 0 keeps its IMSI" test "$(imsi_of 2025-03-29)" = "$(imsi_of 2025-03-31)"
t_check "no temporary files (multi-day)" no_stray m

# Exit codes and messages naming the flag.
t_expect "--subs 0" 2 "--subs" -- gen --out e --subs 0
t_expect "bad --tz" 2 "--tz" -- gen --out e --tz Mars/Olympus
t_expect "bad --compression" 2 "--compression" -- gen --out e --compression lz4
t_expect "bad --start" 2 "--start" -- gen --out e --start 2025-02-30
t_expect "OUT is a file" 1 "" -- gen --out g.csv

# Issue 9.8: a YAML level is checked against the codec in effect after flags;
# stdout write failures are failures.
printf 'compression_level: 19\n' >l19.yaml
t_expect "compression_level 19 with --compression zstd" 0 "" -- \
    "$CDRGEN" generate --config l19.yaml --compression zstd --subs 5 --out l19 --quiet
t_expect "db generate > /dev/full" 1 "standard output: write failed" -- \
    sh -c "'$CDRGEN' db generate -o full.arrow --size 5 >/dev/full"
t_expect "generate > /dev/full" 1 "standard output: write failed" -- \
    sh -c "'$CDRGEN' generate --subs 5 --out full --progress >/dev/full 2>/dev/null; r=\$?; '$CDRGEN' generate --subs 5 --out full2 >/dev/full"

# Issue 9.5: identifiers are digit strings, leading zeros kept everywhere.
printf 'mccmnc_pool: ["00101"]\nprefixes: ["001234"]\n' >z.yaml
"$CDRGEN" generate --config z.yaml --subs 20 --out z --quiet || t_fail "leading zeros run"
gzip -dc z/cdr_2025-01-01.csv.gz | tail -n +2 >z.csv
t_check "mccmnc 00101 as written" test -z "$(cut -d';' -f10 z.csv | grep -vx 00101)"
t_check "IMSIs of 15 digits starting 00101" test -z "$(cut -d';' -f11 z.csv | grep -vxE '00101[0-9]{10}')"
t_check "subscriber MSISDNs 001234 + 7 digits" \
    test -z "$(awk -F';' '$4 == "MO" { print $2 } $4 == "MT" { print $3 }' z.csv | grep -vxE '001234[0-9]{7}')"
t_check "IMEIs of 15 digits" test -z "$(cut -d';' -f12 z.csv | grep -vxE '[0-9]{15}')"
"$CDRGEN" generate --prefixes 031612,31612 --subs 2000 --out zz --quiet || t_fail "031612,31612 run"
gzip -dc zz/cdr_2025-01-01.csv.gz | tail -n +2 |
    awk -F';' '$4 == "MO" { print $2 ";" $11 } $4 == "MT" && $1 != "DATA" { print $3 ";" $11 }' | sort -u >own.txt
t_check "031612 and 31612: MSISDNs unique (one IMSI each)" \
    test "$(cut -d';' -f1 own.txt | sort -u | wc -l)" -eq "$(wc -l <own.txt)"
t_check "both numbering plans present" test "$(grep -c '^0316' own.txt)" -gt 100 -a "$(grep -c '^316' own.txt)" -gt 100

# Issue 9.8: traffic never lands in a zero-weight hour. Weight only at 02 and
# 03 on Sundays: 2025-03-30 (Amsterdam) has no 02:00, so its records are all
# at 03:xx local and it gets about half of the records of the Sunday after;
# weight only at 02 gives that day no records at all, said up front.
w23='[0,0,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'
w2='[0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'
printf 'diurnal_weekend: %s\nspecial_days: {}\n' "$w23" >dst23.yaml
printf 'diurnal_weekend: %s\nspecial_days: {}\n' "$w2" >dst2.yaml
"$CDRGEN" generate --config dst23.yaml --subs 2000 --start 2025-03-30 --days 8 --tz Europe/Amsterdam \
    --out dst23 --quiet 2>dst23.err || t_fail "dst23 run"
hours() { gzip -dc "dst23/cdr_$1.csv.gz" | tail -n +2 |
    awk -F';' '{ s = int($5 / 1000) + $8 * 60; print int((s % 86400) / 3600) }' | sort -u | tr '\n' ' '; }
t_check "2025-03-30: only local hour 03" test "$(hours 2025-03-30)" = "3 "
t_check "2025-04-06: local hours 02 and 03" test "$(hours 2025-04-06)" = "2 3 "
n30=$(gzip -dc dst23/cdr_2025-03-30.csv.gz | tail -n +2 | wc -l)
n06=$(gzip -dc dst23/cdr_2025-04-06.csv.gz | tail -n +2 | wc -l)
# ~ 2000 x 22 records a day: half of n06 within 6 standard deviations of the
# difference of two counts (the count is a sum over subscribers of Poisson
# mixtures, overdispersed by the graph's shared events: sd ~ 2 sqrt(n)).
t_check "2025-03-30 has about half the records of 2025-04-06 ($n30 vs $n06)" \
    awk -v a="$n30" -v b="$n06" 'BEGIN { d = a - b / 2; exit !(d * d < 36 * 4 * (a + b / 4) && a > 0) }'
t_expect "weight only in a skipped hour: a note up front" 0 \
    "2025-03-30 has weight only in hours the clocks skip in Europe/Amsterdam" -- \
    "$CDRGEN" generate --config dst2.yaml --subs 500 --start 2025-03-29 --days 2 --tz Europe/Amsterdam \
    --out dst2 --quiet
t_check "that day has no records" test "$(gzip -dc dst2/cdr_2025-03-30.csv.gz | wc -l)" -eq 1
t_check "the day before has records" test "$(gzip -dc dst2/cdr_2025-03-29.csv.gz | wc -l)" -gt 1000
# A date the clocks skipped: decided before anything is written.
t_expect "Pacific/Apia 2011-12-30: a note up front, exit 0" 0 \
    "local date 2011-12-30 does not exist in time zone Pacific/Apia" -- \
    "$CDRGEN" generate --tz Pacific/Apia --start 2011-12-29 --days 3 --subs 300 --out apia --quiet
t_check "note before the first day's output" \
    sh -c "'$CDRGEN' generate --tz Pacific/Apia --start 2011-12-29 --days 3 --subs 300 --out apia2 --progress 2>&1 >/dev/null | head -n 1 | grep -q 'does not exist'"
t_check "Apia: three day files" test "$(ls apia/cdr_2011-12-*.csv.gz | wc -l)" -eq 3
t_check "Apia: 2011-12-30 has the header only" test "$(gzip -dc apia/cdr_2011-12-30.csv.gz | wc -l)" -eq 1
t_check "Apia: 2011-12-30 summary zero" grep -q '"total_calls":0,"total_sms":0,"total_data":0' apia/2011-12-30/summary.json
t_check "Apia: 2011-12-31 has records" test "$(gzip -dc apia/cdr_2011-12-31.csv.gz | wc -l)" -gt 100

t_done
