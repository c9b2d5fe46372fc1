#!/usr/bin/env bash
# Anomalies (MODEL.md "Anomalies"): the same days clean and dirty; the
# labels are exact (tests/cli/anomalies/check.py rebuilds the dirty rows
# from the clean ones and the label file, record by record) and the rates
# within derived bounds; --workers and --shard give the same bytes and
# labels; without anomalies nothing changes and no label file is written.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
HERE="$(cd "$(dirname "$0")" && pwd)"
EX="$HERE/../../examples"
cd "$T_TMP" || exit 1
gen() { "$CDRGEN" generate --quiet --subs 6000 --start 2027-01-01 --days 3 --compression none \
    --rotate-bytes 1000000000000 "$@"; }
gen --out clean --workers 2 || t_fail "clean run"
gen --config "$HERE/anomalies/test.yaml" --out dirty --workers 2 || t_fail "dirty run"
CONF='{"duplicate":0.01,"shifted_duplicate":0.01,"missing":0.01,"orphan":0.02,"future_timestamp":0.005,"end_before_start":0.005,"wrong_day":0.3,"corrupt_imsi":0.005,"unknown_cell":0.005,"extreme_duration":0.005,"late":0.003}'
for d in 2027-01-02 2027-01-03; do
    p=$(date -u -d "$d - 1 day" +%F)
    python3 "$HERE/anomalies/check.py" clean/cdr_$d.csv clean/cdr_$p.csv dirty/cdr_$d.csv \
        dirty/$d/anomalies.csv "$CONF" "$d" >check.txt 2>&1
    while IFS= read -r l; do
        case "$l" in
            "ok   "*) t_ok "$d: ${l#ok   }" ;;
            "FAIL "*) t_fail "$d: ${l#FAIL }" ;;
        esac
    done <check.txt
    grep -q "^[0-9]* passed, 0 failed" check.txt || t_fail "check.py $d" "$(tail -n 3 check.txt)"
done
python3 - dirty 2027-01-02 <<'PY' && t_ok "summary and stats count the labels by kind" || t_fail "counts by kind"
import csv, json, sys
out, d = sys.argv[1:3]
kinds = ["late", "wrong_day", "duplicate", "shifted_duplicate", "missing", "orphan",
         "future_timestamp", "end_before_start", "corrupt_imsi", "unknown_cell", "extreme_duration"]
n = {k: 0 for k in kinds}
for l in csv.DictReader(open("%s/%s/anomalies.csv" % (out, d))):
    if l["record_date"] == d:
        n[l["kind"]] += 1
want = [n[k] for k in kinds]
s = json.load(open("%s/%s/summary.json" % (out, d)))["anomalies"]
t = json.load(open("%s/%s/stats_shard000.json" % (out, d)))["anomalies"]
assert s == want == t, (s, t, want)
PY
"$CDRGEN" report dirty --json >rep.json 2>/dev/null || t_fail "report of the dirty run"
python3 - <<'PY' && t_ok "report --json: the anomaly counts of every day" || t_fail "report counts"
import json
r = json.load(open("rep.json"))["series"]["days"]
for d in r:
    assert d["anomalies"] == json.load(open("dirty/%s/summary.json" % d["date"]))["anomalies"], d
PY
t_check "no anomalies.csv without anomalies" sh -c '! ls clean/*/anomalies*.csv 2>/dev/null | grep -q .'
t_check "the first day gets the late records of the day before --start" \
    test "$(grep -c ',2026-12-31,' dirty/2027-01-01/anomalies.csv)" -gt 0

# determinism: --workers 1, and two shards (their label files in shard
# order are the unsharded one; merge writes it)
gen --config "$HERE/anomalies/test.yaml" --out w1 --workers 1 || t_fail "workers 1"
t_check "--workers 1 and 2: identical bundles" cmp -s w1/cdr_2027-01-02.csv dirty/cdr_2027-01-02.csv
t_check "--workers 1 and 2: identical labels" \
    cmp -s w1/2027-01-02/anomalies.csv dirty/2027-01-02/anomalies.csv
for k in 0 1; do
    gen --config "$HERE/anomalies/test.yaml" --out sh --workers 2 --shard "$k/2" || t_fail "shard $k"
done
t_check "each shard writes its label file" test -s sh/2027-01-02/anomalies_shard001.csv
"$CDRGEN" merge sh >/dev/null 2>&1 || t_fail "merge"
t_check "two shards merged: identical bundle" cmp -s sh/cdr_2027-01-02.csv dirty/cdr_2027-01-02.csv
t_check "two shards merged: identical labels" \
    cmp -s sh/2027-01-02/anomalies.csv dirty/2027-01-02/anomalies.csv
t_check "two shards merged: the summary's counts by kind" python3 -c "
import json; a, b = (json.load(open(p + '/2027-01-02/summary.json')) for p in ('sh', 'dirty'))
assert a['anomalies'] == b['anomalies'] and a['total_sms'] == b['total_sms'], (a, b)"

# a rerun without anomalies removes the stale label file
"$CDRGEN" generate --quiet --subs 200 --start 2027-01-02 --days 1 --out dirty || t_fail "rerun"
t_check "a rerun without anomalies removes anomalies.csv" test ! -e dirty/2027-01-02/anomalies.csv

t_expect "examples/anomalies.yaml generates" 0 "" -- "$CDRGEN" generate \
    --config "$EX/anomalies.yaml" --subs 2000 --start 2027-01-01 --days 2 --out ex --quiet
t_check "examples/anomalies.yaml: every kind in the labels" sh -c \
    "test \$(cut -d, -f7 ex/2027-01-02/anomalies.csv | sort -u | grep -vc kind) -eq 11"
t_expect "parquet refuses anomalies" 2 "anomalies: CSV output only" -- "$CDRGEN" generate \
    --config "$EX/anomalies.yaml" --format parquet --subs 20 --out pq --quiet
t_done
