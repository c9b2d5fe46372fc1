#!/usr/bin/env bash
# Events (MODEL.md "Events"): each effect of tests/cli/events/test.yaml
# measured against the same days generated without events
# (tests/cli/events/check.py); the label file; determinism over --workers
# and --shard; a run without events writes no label and leaves none behind.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
HERE="$(cd "$(dirname "$0")" && pwd)"
EX="$HERE/../../examples"
cd "$T_TMP" || exit 1
gen() { "$CDRGEN" generate --quiet --subs 30000 --start 2026-12-31 --days 2 --compression none \
    --rotate-bytes 1000000000000 "$@"; }
gen --out clean --workers 2 || t_fail "clean run"
gen --config "$HERE/events/test.yaml" --out ev --workers 2 || t_fail "events run"

# the day before: nothing differs before its first window (11:00, a weekday)
python3 - clean/cdr_2026-12-31.csv ev/cdr_2026-12-31.csv ev/2026-12-31/events.json <<'PY' \
    && t_ok "2026-12-31: records before its first window are byte-identical" \
    || t_fail "2026-12-31: records before its first window differ"
import json, sys
a = json.load(open(sys.argv[3]))["events"]
names = [e["name"] for e in a]
assert names == ["busy_switch"], names
t0 = a[0]["from_ms"]
def early(p):
    with open(p) as f:
        next(f)
        return [l for l in f if int(l.split(";")[4]) < t0]
x, y = early(sys.argv[1]), early(sys.argv[2])
assert len(x) > 10000 and x == y, (len(x), len(y))
PY
python3 "$HERE/events/check.py" clean/cdr_2027-01-01.csv ev/cdr_2027-01-01.csv \
    ev/2027-01-01/events.json ev/subscribers.csv >check.txt 2>&1
while IFS= read -r l; do
    case "$l" in
        "ok   "*) t_ok "${l#ok   }" ;;
        "FAIL "*) t_fail "${l#FAIL }" ;;
    esac
done <check.txt
grep -q "^[0-9]* passed, 0 failed" check.txt || t_fail "check.py" "$(tail -n 3 check.txt)"

t_check "no events.json without events" sh -c '! ls clean/*/events.json 2>/dev/null | grep -q .'
t_check "stats differ from the run without events (fingerprint)" \
    sh -c '! cmp -s clean/2027-01-01/stats_shard000.json ev/2027-01-01/stats_shard000.json'

# determinism: --workers 1 and a two-shard split give the same bytes
gen --config "$HERE/events/test.yaml" --out w1 --workers 1 || t_fail "workers 1 run"
t_check "--workers 1 and 2: identical bundles" cmp -s w1/cdr_2027-01-01.csv ev/cdr_2027-01-01.csv
t_check "--workers 1 and 2: identical events.json" \
    cmp -s w1/2027-01-01/events.json ev/2027-01-01/events.json
for k in 0 1; do
    gen --config "$HERE/events/test.yaml" --out sh --workers 2 --shard "$k/2" || t_fail "shard $k"
done
"$CDRGEN" merge sh >/dev/null 2>&1 || t_fail "merge"
t_check "two shards merged: identical bundle" cmp -s sh/cdr_2027-01-01.csv ev/cdr_2027-01-01.csv
t_check "two shards: the same events.json" cmp -s sh/2027-01-01/events.json ev/2027-01-01/events.json

# a rerun without events into the same directory leaves no stale label
"$CDRGEN" generate --quiet --subs 300 --start 2027-01-01 --days 1 --out ev || t_fail "rerun"
t_check "a rerun without events removes events.json" test ! -e ev/2027-01-01/events.json

# the example runs as it is, and labels what it says
t_expect "examples/events.yaml generates" 0 "" -- "$CDRGEN" generate --config "$EX/events.yaml" \
    --subs 3000 --start 2026-12-31 --days 3 --out ex --quiet
python3 - ex <<'PY' && t_ok "examples/events.yaml: events.json per day" || t_fail "examples/events.yaml labels"
import json, sys
got = {d: [e["name"] for e in json.load(open("%s/%s/events.json" % (sys.argv[1], d)))["events"]]
       for d in ("2026-12-31", "2027-01-01", "2027-01-02")}
want = {"2026-12-31": ["lunch_dip"], "2027-01-01": ["new_year", "lunch_dip", "concert"],
        "2027-01-02": ["centre_outage"]}
assert got == want, got
out = json.load(open("%s/2027-01-02/events.json" % sys.argv[1]))["events"][0]
assert len(out["cells"]) > 5 and len(out["overflow"]) == len(out["cells"]), out
PY
t_done
