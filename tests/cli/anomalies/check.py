#!/usr/bin/env python3
"""The exactness test of anomalies (tests/cli/anomalies.sh): day D generated
clean and with anomalies; applying the label file of D (anomalies.csv) to
the clean rows of D (and of D - 1, for records filed late into D) must
give the dirty rows of D exactly, record by record; every label's old value
must be the clean record's. Then the rates: each kind's count against the
configured share, within 4.5 standard deviations of the count it draws
(derived below per kind).
Args: clean_D.csv clean_Dprev.csv dirty_D.csv anomalies.csv config.json date"""
import csv, json, math, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cdrcheck import check, done, rows  # noqa: E402
from collections import defaultdict

clean_d, clean_p, dirty_d, labels, conf, date = sys.argv[1:7]
A = json.loads(conf)

hdr, C = rows(clean_d)
_, P = rows(clean_p)
_, D = rows(dirty_d)
col = {n: i for i, n in enumerate(hdr)}
T, SRC, DST, DIR, ST, EN, DUR, DDUR = (col[k] for k in (
    "event_type", "msisdn_src", "msisdn_dst", "direction", "start_ts_ms", "end_ts_ms",
    "duration_sec", "data_duration_sec"))

def owner(x):
    return x[SRC] if x[T] == "DATA" or x[DIR] == "MO" else x[DST]

def by_owner(rs):
    out = defaultdict(list)
    for x in rs:
        out[owner(x)].append(x)
    return out

c_own, p_own, d_own = by_owner(C), by_owner(P), by_owner(D)
with open(labels) as f:
    L = list(csv.DictReader(f))
check("the label file has rows", len(L) > 100, "%d labels" % len(L))
out_lab = {}   # (owner, rank) -> label of a clean record of D
in_lab = defaultdict(list)  # owner -> labels of records of D-1 filed into D
bad_old = 0
for l in L:
    if l["record_date"] == date:
        out_lab[(l["owner_msisdn"], int(l["rank"]))] = l
    else:
        assert l["file_date"] == date, l
        in_lab[l["owner_msisdn"]].append(l)

def clean_of(own, l, src):
    x = src[own][int(l["rank"])]
    assert x[ST] == l["start_ts_ms"] and x[T] == l["event_type"], (x, l)
    return x

expect = {}
for own, rs in c_own.items():
    e = []
    for k, x in enumerate(rs):
        l = out_lab.get((own, k))
        if l is None:
            e.append(x)
            continue
        kind, fld = l["kind"], l["field"]
        if x[ST] != l["start_ts_ms"] or x[T] != l["event_type"]:
            bad_old += 1
        if fld and x[col[fld]] != l["old_value"]:
            bad_old += 1
        y = list(x)
        if kind in ("late", "wrong_day", "orphan"):
            continue
        if kind == "duplicate":
            e += [x, list(x)]
            continue
        if kind == "shifted_duplicate":
            d = int(l["new_value"]) - int(l["old_value"])
            y[ST] = str(int(x[ST]) + d)
            y[EN] = str(int(x[EN]) + d)
            e += [x, y]
            continue
        if kind == "missing":
            y[col[fld]] = ""
        elif kind == "future_timestamp":
            d = int(l["new_value"]) - int(l["old_value"])
            y[ST] = str(int(x[ST]) + d)
            y[EN] = str(int(x[EN]) + d)
        elif kind == "end_before_start":
            y[EN] = l["new_value"]
        elif kind in ("corrupt_imsi", "unknown_cell"):
            y[col[fld]] = l["new_value"]
        elif kind == "extreme_duration":
            y[DUR] = l["new_value"]
            if x[T] == "DATA":
                y[DDUR] = l["new_value"]
            y[EN] = str(int(x[ST]) + 1000 * int(l["new_value"]))
        else:
            raise SystemExit("unknown kind " + kind)
        e.append(y)
    expect[own] = e
for own, ls in in_lab.items():
    for l in ls:
        expect.setdefault(own, []).append(clean_of(own, l, p_own))
expect = {k: v for k, v in expect.items() if v}
check("every label's clean record and old value are the clean output's", bad_old == 0,
      "%d mismatches" % bad_old)
same = expect == dict(d_own)
diff = [o for o in set(expect) | set(d_own) if expect.get(o) != d_own.get(o)]
check("clean rows + the labels = the dirty rows, record by record", same,
      "%d owners differ, e.g. %s" % (len(diff), diff[:2]))

# rates: every kind but late, wrong_day and orphan is drawn per clean record
# with its share: Binomial(n, p), sd sqrt(n p (1 - p))
n = len(C)
cnt = defaultdict(int)
for l in out_lab.values():
    cnt[l["kind"]] += 1
for kind in ("duplicate", "shifted_duplicate", "missing", "future_timestamp",
             "end_before_start", "corrupt_imsi", "unknown_cell", "extreme_duration"):
    p = A[kind]
    sd = math.sqrt(n * p * (1 - p))
    check("rate of %s" % kind, abs(cnt[kind] - n * p) <= 4.5 * sd,
          "configured %g, measured %.5f (%d of %d)" % (p, cnt[kind] / n, cnt[kind], n))
# orphan: of the on-net MT records (MT voice whose caller is a subscriber)
ours = set(c_own) | set(p_own)
mt = sum(1 for x in C if x[T] != "DATA" and x[DIR] == "MT" and x[SRC] in ours)
p = A["orphan"]
sd = math.sqrt(mt * p * (1 - p))
check("rate of orphan (of on-net MT records)", abs(cnt["orphan"] - mt * p) <= 4.5 * sd,
      "configured %g, measured %.5f (%d of %d)" % (p, cnt["orphan"] / max(mt, 1), cnt["orphan"], mt))
# late and wrong_day: a share q = min(1, max(20 late, 2 wrong_day)) of the
# subscribers can file late; each of their records is late with p / q:
# count = sum_s B_s Bin(n_s, p/q), Var = sum_s q n_s (p/q)(1 - p/q) + n_s^2 (p/q)^2 q (1 - q)
q = min(1.0, max(20 * A["late"], 2 * A["wrong_day"]))
for kind, sel in (("late", lambda x: True),
                  ("wrong_day", lambda x: int(x[ST]) + 1000 * int(x[DUR]) > day_end)):
    day_end = max(int(x[ST]) for x in C) if kind == "late" else None
    if kind == "wrong_day":
        # the day's end: midnight after the last start (local), from the first late row
        import datetime
        offs = int(C[0][col["tz_offset_min"]])
        last = max(int(x[ST]) for x in C)
        loc = datetime.datetime.utcfromtimestamp((last + offs * 60000) / 1000).date()
        day_end = int((datetime.datetime(loc.year, loc.month, loc.day) +
                       datetime.timedelta(days=1) - datetime.timedelta(minutes=offs) -
                       datetime.datetime(1970, 1, 1)).total_seconds() * 1000)
    r = A[kind] / q
    var = mean = 0.0
    for own, rs in c_own.items():
        ns = sum(1 for x in rs if sel(x))
        mean += q * ns * r
        var += q * ns * r * (1 - r) + ns * ns * r * r * q * (1 - q)
    sd = math.sqrt(var)
    check("rate of %s" % kind, abs(cnt[kind] - mean) <= 4.5 * sd + 1,
          "configured %g, expected %.1f +- %.1f, got %d" % (A[kind], mean, sd, cnt[kind]))
done()
