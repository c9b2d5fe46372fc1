#!/usr/bin/env bash
# Fraud and churn (docs/SCENARIOS.md): each scenario's signature in the
# CDRs of tests/cli/fraud/test.yaml, labelled vs unlabelled
# (tests/cli/fraud/check.py, churn.py); the labels; determinism over
# --workers and --shard + merge; counts of 0 change nothing and write no
# labels, and a rerun without cases removes them.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$T_TMP" || exit 1
gen() { "$CDRGEN" generate --quiet --start 2025-03-03 --compression none \
    --rotate-bytes 1000000000000 "$@"; }
gen --config "$HERE/fraud/test.yaml" --subs 4000 --days 30 --out fr --workers 2 || t_fail "fraud run"

relay() { # the checker's counted lines as this suite's
    while IFS= read -r l; do
        case "$l" in
            "ok   "*) t_ok "${l#ok   }" ;;
            "FAIL "*) t_fail "${l#FAIL }" ;;
        esac
    done <"$1"
    grep -q "^[0-9]* passed, 0 failed" "$1" || t_fail "$2" "$(tail -n 3 "$1")"
}
python3 "$HERE/fraud/check.py" fr --json sig.json >check.txt 2>&1
relay check.txt check.py
python3 "$HERE/fraud/churn.py" fr --json churn.json >churn.txt 2>&1
relay churn.txt churn.py

# cdrgen report: the label counts, and per scenario the rule's hits as the
# checkers count them (the report samples; 4,000 subscribers are all in)
"$CDRGEN" report fr --json >rep.json || t_fail "report"
python3 - rep.json sig.json churn.json fr <<'PY' && t_ok "report: label counts and rule hits as the checkers count them" || t_fail "report's fraud figures"
import csv, json, sys, collections
rep = json.load(open(sys.argv[1]))["fraud"]
sig = {r["scenario"]: r for r in json.load(open(sys.argv[2])) + json.load(open(sys.argv[3]))}
c = collections.Counter(r["scenario"] for r in csv.DictReader(open(sys.argv[4] + "/labels/fraud.csv"))
                        if r["role"] not in ("number", "takeover_sim"))
c["churn"] = sum(1 for _ in csv.DictReader(open(sys.argv[4] + "/labels/churn.csv")))
for x in rep["scenarios"]:
    assert x["cases"] == c[x["scenario"]], (x, c)
    s = sig.get(x["scenario"])
    if x["scenario"] == "wangiri":
        assert x["n_labelled"] == 2 and x["hit_labelled"] == 2 and x["hit_unlabelled"] == 0, x
        continue
    assert s, x
    assert x["hit_labelled"] == s["rule_labelled"], (x, s)
    if x["scenario"] != "churn":   # churn.py samples its unlabelled reference
        assert x["n_labelled"] == s["n_labelled"], (x, s)
        assert x["hit_unlabelled"] == s["rule_unlabelled"], (x, s)
    else:
        assert x["n_labelled"] == s["n_labelled"], (x, s)
PY

# with a database, churn follows its RELEASE_NUMBER events, and SIM swaps
# are some of its CHANGE_SIM events
"$CDRGEN" db generate -o db.csv --size 2500 --history-days 120 --number-release-rate 0.5 \
    --sim-change-rate 0.5 --seed 3 >/dev/null || t_fail "db generate"
printf 'churn:\n  monthly_share: 0.01\n  fade_days: 14\nfraud:\n  sim_swap: {subscribers: 6, takeover_hours: 12}\n' >dbchurn.yaml
gen --config dbchurn.yaml --subscriber-db db.csv --start 2024-03-01 --days 30 --out dbo --workers 2 ||
    t_fail "db churn run"
python3 - db.csv dbo/labels/churn.csv <<'PY' && t_ok "db: one churner per RELEASE_NUMBER in the run, at its instant" || t_fail "db churn labels"
import csv, sys
t0, t1 = 1709247600000, 1711839600000   # 2024-03-01 .. 2024-03-31 00:00 Europe/Amsterdam
rel = sorted((r["msisdn"], int(r["timestamp_ms"])) for r in csv.DictReader(open(sys.argv[1]))
             if r["event_type"] == "RELEASE_NUMBER" and t0 <= int(r["timestamp_ms"]) < t1)
lab = sorted((r["msisdn"], int(r["end_ts_ms"])) for r in csv.DictReader(open(sys.argv[2])))
assert rel == lab and len(rel) > 50, (len(rel), len(lab), rel[:3], lab[:3])
PY
python3 "$HERE/fraud/churn.py" dbo >dbchurn.txt 2>&1
relay dbchurn.txt "churn.py (db)"
python3 - db.csv dbo <<'PY' && t_ok "db: SIM swaps are 6 of its CHANGE_SIMs; in the takeover one place, a new handset, the OTP burst" || t_fail "db swaps"
import csv, glob, sys
t0, t1 = 1709247600000, 1711839600000
ch = {(r["msisdn"], int(r["timestamp_ms"])): r["imsi"] for r in csv.DictReader(open(sys.argv[1]))
      if r["event_type"] == "CHANGE_SIM" and t0 <= int(r["timestamp_ms"]) < t1}
lab = [r for r in csv.DictReader(open(sys.argv[2] + "/labels/fraud.csv")) if r["scenario"] == "sim_swap"]
vic = {r["msisdn"]: r for r in lab if r["role"] == "victim"}
new = {r["msisdn"]: r["imsi"] for r in lab if r["role"] == "takeover_sim"}
assert len(vic) == 6 and len(ch) > 6, (len(vic), len(ch))
for m, r in vic.items():
    assert ch.get((m, int(r["start_ts_ms"]))) == new[m], (m, r)
recs = {m: [] for m in vic}
for p in sorted(glob.glob(sys.argv[2] + "/cdr_*.csv")):
    for l in open(p):
        f = l.split(";")
        o = f[1] if f[3] == "MO" or f[0] == "DATA" else f[2]
        if o in recs:
            recs[o].append((int(f[4]), f[10], f[11], f[12], f[0], f[3]))
for m, r in vic.items():
    a, b = int(r["start_ts_ms"]), int(r["end_ts_ms"])
    w = [x for x in recs[m] if a <= x[0] < b]
    before = {x[2] for x in recs[m] if x[0] < a}
    assert w and all(x[1] == new[m] for x in w), m           # the database's new SIM
    assert len({x[3] for x in w}) == 1, (m, {x[3] for x in w})  # one place, one cell
    assert len({x[2] for x in w}) == 1 and not ({x[2] for x in w} & before), m  # a new handset
    otp = [x for x in w if x[4] == "SMS" and x[5] == "MT" and x[0] < a + 3600000]
    assert len(otp) >= 3, (m, len(otp))
PY

# with a database too: two shards merged are the unsharded run, labels included
gen --config dbchurn.yaml --subscriber-db db.csv --start 2024-03-01 --days 4 --out dbu --workers 2 ||
    t_fail "db unsharded"
for k in 0 1; do
    gen --config dbchurn.yaml --subscriber-db db.csv --start 2024-03-01 --days 4 --out dbs \
        --workers 1 --shard $k/2 || t_fail "db shard $k"
done
"$CDRGEN" merge dbs >/dev/null || t_fail "db merge"
same=1
for f in cdr_2024-03-01.csv cdr_2024-03-04.csv labels/fraud.csv labels/churn.csv; do
    cmp -s "dbu/$f" "dbs/$f" || same=0
done
[ "$same" = 1 ] && t_ok "db: two shards merged are the unsharded bundles and labels" ||
    t_fail "db: shards differ from the unsharded run"

# the labels: counts and form
python3 - fr <<'PY' && t_ok "labels: the configured cases, one row each (two for a SIM swap)" || t_fail "labels"
import csv, sys, collections
out = sys.argv[1]
f = list(csv.DictReader(open(out + "/labels/fraud.csv")))
c = collections.Counter((r["scenario"], r["role"]) for r in f)
assert c[("sim_box", "sim")] == 6, c
assert c[("wangiri", "number")] == 2, c
assert c[("wangiri", "victim")] + c[("wangiri", "callback")] == 200, c
assert 15 <= c[("wangiri", "callback")] <= 65, c    # 200 x 0.2 = 40 +- 4.5 sd (5.7)
for k in ("irsf", "bust_out", "cloned_sim"):
    assert sum(v for (s, _), v in c.items() if s == k) == 5, (k, c)
assert c[("sim_swap", "victim")] == 5 and c[("sim_swap", "takeover_sim")] == 5, c
ch = list(csv.DictReader(open(out + "/labels/churn.csv")))
assert len(ch) == round(0.05 * 4000 * 30 / 30), len(ch)
subs = set(r["msisdn"] for r in csv.DictReader(open(out + "/subscribers.csv")))
ids = [r["msisdn"] for r in f if r["role"] not in ("number", "takeover_sim")] + [r["msisdn"] for r in ch]
assert len(ids) == len(set(ids)) and set(ids) <= subs, "a subscriber in two cases, or unknown"
for r in f + ch:
    assert int(r["start_ts_ms"]) <= int(r["end_ts_ms"]), r
PY

# determinism: --workers and --shard + merge give the same bytes and labels
gen --config "$HERE/fraud/test.yaml" --subs 4000 --days 3 --out w1 --workers 1 || t_fail "workers 1"
gen --config "$HERE/fraud/test.yaml" --subs 4000 --days 3 --out w2 --workers 2 || t_fail "workers 2"
for k in 0 1; do
    gen --config "$HERE/fraud/test.yaml" --subs 4000 --days 3 --out sh --workers 1 --shard $k/2 ||
        t_fail "shard $k"
done
"$CDRGEN" merge sh >/dev/null || t_fail "merge"
same=1
for f in cdr_2025-03-03.csv cdr_2025-03-05.csv labels/fraud.csv labels/churn.csv; do
    cmp -s "w1/$f" "w2/$f" || same=0
    cmp -s "w1/$f" "sh/$f" || same=0
done
[ "$same" = 1 ] && t_ok "--workers 1, 2 and two shards merged: identical bundles and labels" ||
    t_fail "bundles or labels differ across --workers or --shard"

# counts of 0: the output of a run without the feature, no labels
printf 'fraud:\n  sim_box: {boxes: 0}\nchurn:\n  monthly_share: 0\n' >zero.yaml
gen --config zero.yaml --subs 4000 --days 1 --out z --workers 2 || t_fail "zero run"
gen --subs 4000 --days 1 --out plain --workers 2 || t_fail "plain run"
cmp -s z/cdr_2025-03-03.csv plain/cdr_2025-03-03.csv && [ ! -e z/labels ] &&
    t_ok "counts of 0: the bytes of a run without fraud, no labels" ||
    t_fail "counts of 0 changed the output or wrote labels"
# a rerun without cases removes the labels an earlier run left
gen --config "$HERE/fraud/test.yaml" --subs 4000 --days 1 --out re --workers 2 || t_fail "rerun 1"
gen --subs 4000 --days 1 --out re --workers 2 || t_fail "rerun 2"
[ ! -e re/labels/fraud.csv ] && [ ! -e re/labels/churn.csv ] &&
    cmp -s re/cdr_2025-03-03.csv plain/cdr_2025-03-03.csv &&
    t_ok "a rerun without cases removes the labels" || t_fail "stale labels after a rerun"
t_done
