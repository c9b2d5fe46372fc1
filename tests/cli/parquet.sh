#!/usr/bin/env bash
# --format parquet end to end, without external readers (those are in
# tests/interop/parquet.sh): byte-identical files for any --workers, the
# layouts agree byte for byte, merge builds the bundle of shards and rejects
# damaged parts with one line, a day without rows is a valid empty file, a
# re-run in another format replaces the other format's files, SIGKILL
# leaves nothing complete-looking, and the stats record every part's bytes.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
cd "$T_TMP" || exit 1
A=(--subs 2500 --days 2 --seed 11 --quiet --format parquet --rotate-bytes 300000)

# Every file of OUT (relative names, sizes and digests), locks aside.
digest() { (cd "$1" && find . -type f ! -name '.cdrgen*' | sort | xargs md5sum); }
# A Parquet file starts and ends with PAR1 and its footer length fits.
pq_whole() {
    local f=$1 n
    n=$(stat -c %s "$f")
    [ "$n" -ge 12 ] && [ "$(head -c 4 "$f")" = PAR1 ] && [ "$(tail -c 4 "$f")" = PAR1 ] || return 1
    local len
    len=$(tail -c 8 "$f" | head -c 4 | od -An -tu4 | tr -d ' ')
    [ $((len + 12)) -le "$n" ]
}

for w in 1 2 3; do
    "$CDRGEN" generate "${A[@]}" --workers $w --out "w$w" || t_fail "run --workers $w"
done
d1=$(digest w1)
np=$(find w1/2025-01-01 -name '*.parquet' | wc -l)
t_check "several parts a day ($np)" test "$np" -ge 3
[ "$(digest w2)" = "$d1" ] && t_ok "--workers 2: every file byte-identical to --workers 1" || t_fail "--workers 2 differs"
[ "$(digest w3)" = "$d1" ] && t_ok "--workers 3: every file byte-identical to --workers 1" || t_fail "--workers 3 differs"
bad=0
for f in $(find w1 -name '*.parquet'); do pq_whole "$f" || bad=$((bad + 1)); done
t_check "every file is a whole Parquet file" test "$bad" -eq 0
st=w1/2025-01-01/stats_shard000.json
bytes=$(sed 's/.*"part_bytes":\[\([0-9,]*\)\].*/\1/' $st | tr , ' ')
i=0 ok=1
for b in $bytes; do
    f=$(printf 'w1/2025-01-01/cdr_2025-01-01_shard000_part%03d.parquet' $i)
    [ "$(stat -c %s "$f")" = "$b" ] || ok=0
    i=$((i + 1))
done
t_check "stats record each part's size ($i parts)" test "$ok" = 1 -a "$i" = "$np"

"$CDRGEN" generate "${A[@]}" --out lb --layout bundle || t_fail "--layout bundle"
cmp -s lb/cdr_2025-01-02.parquet w1/cdr_2025-01-02.parquet && t_ok "--layout bundle: the bundle's bytes equal --layout both's" || t_fail "--layout bundle bundle differs"
cmp -s lb/2025-01-02/stats_shard000.json w1/2025-01-02/stats_shard000.json && t_ok "--layout bundle: the stats record the would-be parts" || t_fail "--layout bundle stats differ"
t_check "--layout bundle: no part file" test -z "$(find lb -name 'cdr_*_part*')"
"$CDRGEN" generate "${A[@]}" --out lp --layout parts || t_fail "--layout parts"
cmp -s lp/2025-01-01/cdr_2025-01-01_shard000_part001.parquet w1/2025-01-01/cdr_2025-01-01_shard000_part001.parquet \
    && t_ok "--layout parts: the parts' bytes equal --layout both's" || t_fail "--layout parts differ"
"$CDRGEN" merge lp >/dev/null && cmp -s lp/cdr_2025-01-01.parquet w1/cdr_2025-01-01.parquet \
    && t_ok "merge of an unsharded --layout parts day = the generated bundle, byte for byte" || t_fail "merge of parts differs"
"$CDRGEN" generate "${A[@]}" --out cl --cleanup-after-archive || t_fail "--cleanup-after-archive"
t_check "--cleanup-after-archive: parts gone" test -z "$(find cl -name 'cdr_*_part*')"
cmp -s cl/cdr_2025-01-01.parquet w1/cdr_2025-01-01.parquet && t_ok "--cleanup-after-archive: the same bundle" || t_fail "cleanup bundle differs"

# report reads Parquet as it reads CSV: the same numbers
"$CDRGEN" generate --subs 2500 --days 2 --seed 11 --quiet --rotate-bytes 300000 --out rcsv || t_fail "csv run"
"$CDRGEN" report rcsv --json >r_csv.json 2>&1 && "$CDRGEN" report w1 --json >r_pq.json 2>&1 &&
    cmp -s r_csv.json r_pq.json && t_ok "report --json: Parquet output = CSV output" || t_fail "report of parquet differs"
rm -rf rcsv/cdr_*.csv.gz w2/cdr_*.parquet
"$CDRGEN" report rcsv --json >r_csv.json 2>&1 && "$CDRGEN" report w2 --json >r_pq.json 2>&1 &&
    cmp -s r_csv.json r_pq.json && t_ok "report --json from the parts: Parquet = CSV" || t_fail "report of parquet parts differs"

# shards and merge
for k in 0 1 2; do "$CDRGEN" generate "${A[@]}" --out sh --shard $k/3 || t_fail "shard $k/3"; done
cp -r sh sh_bad
t_expect "merge of 3 parquet shards" 0 "" -- "$CDRGEN" merge sh
t_check "merged bundle is a whole Parquet file" pq_whole sh/cdr_2025-01-01.parquet
t_check "merged bundle size: the parts' row groups + one footer" test "$(stat -c %s sh/cdr_2025-01-01.parquet)" -gt 1000
t_expect "merge again (idempotent)" 0 "" -- "$CDRGEN" merge sh
p=sh_bad/2025-01-01/cdr_2025-01-01_shard001_part000.parquet
cp "$p" keep.parquet
head -c -20 keep.parquet >"$p"
t_expect "merge: truncated part" 1 "bytes, but its shard wrote" -- "$CDRGEN" merge sh_bad
# same size, a byte of a page body changed (past the magic and the first page header)
cp keep.parquet "$p"
printf '\xff\xff\xff\xff' | dd of="$p" bs=1 seek=300 conv=notrunc 2>/dev/null
t_expect "merge: damaged page" 1 "cdr_2025-01-01_shard001_part000.parquet" -- "$CDRGEN" merge sh_bad
cp keep.parquet "$p"
sz=$(stat -c %s "$p")
printf 'PAR0' | dd of="$p" bs=1 seek=$((sz - 4)) conv=notrunc 2>/dev/null
t_expect "merge: no magic at the end" 1 "not a Parquet part written by cdrgen (no PAR1 at the end)" -- "$CDRGEN" merge sh_bad
t_check "merge: a failed merge leaves no bundle" test ! -e sh_bad/cdr_2025-01-01.parquet
cp keep.parquet "$p"
t_expect "merge: the repaired day merges" 0 "" -- "$CDRGEN" merge sh_bad
cmp -s sh_bad/cdr_2025-01-01.parquet sh/cdr_2025-01-01.parquet && t_ok "merge: same bytes as the first merge" || t_fail "merge bytes differ"
# a shard in CSV among Parquet shards
"$CDRGEN" generate --subs 2500 --days 2 --seed 11 --quiet --rotate-bytes 300000 --out mix --shard 0/2 || t_fail "csv shard"
"$CDRGEN" generate "${A[@]}" --out mix_pq --shard 1/2 || t_fail "parquet shard"
cp mix_pq/2025-01-01/* mix/2025-01-01/
t_expect "merge: CSV and Parquet shards mixed" 1 "are of different runs" -- "$CDRGEN" merge mix

# A day without rows (the clocks skipped 2011-12-30 in Pacific/Apia).
t_expect "a skipped day" 0 "" -- "$CDRGEN" generate --subs 50 --days 1 --start 2011-12-30 --tz Pacific/Apia --format parquet --out empty --quiet
f=empty/2011-12-30/cdr_2011-12-30_shard000_part000.parquet
t_check "a day without rows: part000 is a whole Parquet file" pq_whole "$f"
t_check "a day without rows: the bundle is a whole Parquet file" pq_whole empty/cdr_2011-12-30.parquet
for k in 0 1; do "$CDRGEN" generate --subs 50 --days 1 --start 2011-12-30 --tz Pacific/Apia --format parquet --out empty_sh --shard $k/2 --quiet 2>/dev/null; done
t_expect "merge of shards without rows" 0 "" -- "$CDRGEN" merge empty_sh

# Another format over the same OUT replaces the other's files.
"$CDRGEN" generate --subs 2500 --days 2 --seed 11 --quiet --out w1 || t_fail "csv over parquet"
t_check "csv over parquet: no parquet file left" test -z "$(find w1 -name '*.parquet')"
"$CDRGEN" generate "${A[@]}" --workers 1 --out w1 || t_fail "parquet over csv"
t_check "parquet over csv: no csv part or bundle left" test -z "$(find w1 -name 'cdr_*.csv*')"
[ "$(digest w1)" = "$d1" ] && t_ok "parquet over csv: the same files as the first run" || t_fail "re-run differs"

# SIGKILL mid-day: nothing complete-looking; the re-run equals a clean run.
"$CDRGEN" generate --subs 60000 --days 1 --seed 3 --quiet --format parquet --rotate-bytes 2000000 --out kill &
pid=$!
for i in $(seq 1 3000); do
    [ -e kill/2025-01-01/cdr_2025-01-01_shard000_part001.parquet ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.01
done
if kill -KILL $pid 2>/dev/null; then
    wait $pid 2>/dev/null
    t_check "SIGKILL: no summary.json" test -z "$(find kill -name summary.json)"
    t_check "SIGKILL: no bundle" test -z "$(find kill -maxdepth 1 -name 'cdr_*')"
    bad=0
    for f in $(find kill -name 'cdr_*.parquet'); do pq_whole "$f" || bad=$((bad + 1)); done
    t_check "SIGKILL: every final-named part is a whole Parquet file" test "$bad" -eq 0
    "$CDRGEN" generate --subs 60000 --days 1 --seed 3 --quiet --format parquet --rotate-bytes 2000000 --out kill || t_fail "re-run after SIGKILL"
    "$CDRGEN" generate --subs 60000 --days 1 --seed 3 --quiet --format parquet --rotate-bytes 2000000 --out kill_ref || t_fail "clean run"
    [ "$(digest kill)" = "$(digest kill_ref)" ] && t_ok "SIGKILL: the re-run equals a clean run" || t_fail "SIGKILL re-run differs"
else
    wait $pid
    t_fail "SIGKILL: the run ended before the signal"
fi
t_done
