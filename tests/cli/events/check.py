#!/usr/bin/env python3
"""Checks one day generated with tests/cli/events/test.yaml against the same
day generated without events (tests/cli/events.sh): each event's effect is
measured in its window; tolerances are 4.5 standard deviations of the count
each effect draws (derived in the comments), so a correct model fails about
once in 150,000 runs per check."""
import csv, json, math, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cdrcheck import check, done, rows  # noqa: E402

clean_csv, ev_csv, events_json, subs_csv = sys.argv[1:5]

hdr, clean = rows(clean_csv, as_tuple=True)
_, ev = rows(ev_csv, as_tuple=True)
C = {n: i for i, n in enumerate(hdr)}
TYPE, SRC, DST, DIR, START, CELL, CAUSE = (C[k] for k in (
    "event_type", "msisdn_src", "msisdn_dst", "direction", "start_ts_ms", "cell_id",
    "cause_for_record_closing"))
ours = set()
with open(subs_csv) as f:
    r = csv.DictReader(f)
    for x in r:
        ours.add(x["msisdn"])
E = {e["name"]: e for e in json.load(open(events_json))["events"]}
check("events.json lists the five events", sorted(E) ==
      sorted(["rates", "thin", "busy_switch", "dark", "concert"]), str(sorted(E)))

def win(name):
    return E[name]["from_ms"], E[name]["to_ms"]

def inw(x, w):
    return w[0] <= int(x[START]) < w[1]

def offnet(x):
    """An off-net record: its peer is not a subscriber (no follow-ups:
    each is one draw of the subscriber's own stream)."""
    if x[TYPE] == "DATA":
        return False
    peer = x[DST] if x[DIR] == "MO" else x[SRC]
    return peer not in ours

first = min(e["from_ms"] for e in E.values())
# 1. Before the first window nothing differs: busy-ness looks only at
# earlier calls, and the events change nothing before they begin.
cb = [x for x in clean if int(x[START]) < first]
eb = [x for x in ev if int(x[START]) < first]
check("records before the first window are byte-identical", cb == eb,
      "%d vs %d records" % (len(cb), len(eb)))

# 2. Multipliers above 1: the events add Poisson((m - 1) lambda) records to
# the base ones (kept as they are), lambda estimated by the clean count n:
# Var(extra - (m-1) n) = (m-1) lambda + (m-1)^2 lambda.
w = win("rates")
for typ, m in (("CALL", 5), ("SMS", 20), ("DATA", 2)):
    sel = (lambda x: x[TYPE] == typ and inw(x, w) and (typ == "DATA" or offnet(x)))
    n0 = sum(1 for x in clean if sel(x))
    n1 = sum(1 for x in ev if sel(x))
    extra, want = n1 - n0, (m - 1) * n0
    sd = math.sqrt((m - 1) * n0 + (m - 1) ** 2 * n0)
    check("rates: %s x%g (off-net/own records in the window)" % (typ, m),
          n0 > 50 and abs(extra - want) <= 4.5 * sd,
          "clean %d, with the event %d: x%.3f" % (n0, n1, n1 / max(n0, 1)))
# every SMS and data record of the clean window is still there (a call may
# have become busy: its caller or callee is in an added call)
cs = set(x for x in clean if inw(x, w) and x[TYPE] != "CALL")
es = set(x for x in ev if inw(x, w))
check("rates: the base SMS and data records are all kept", cs <= es, "%d missing" % len(cs - es))

# 3. Multipliers below 1 thin: each off-net or own record is kept with
# probability m, by a hash of its key: Binomial(n, m); the kept ones are
# exactly clean records.
w = win("thin")
for typ, m in (("CALL", 0.5), ("SMS", 0.25), ("DATA", 0.5)):
    sel = (lambda x: x[TYPE] == typ and inw(x, w) and (typ == "DATA" or offnet(x)))
    c0 = [x for x in clean if sel(x)]
    c1 = [x for x in ev if sel(x)]
    sd = math.sqrt(len(c0) * m * (1 - m))
    check("thin: %s x%g" % (typ, m), len(c0) > 50 and abs(len(c1) - m * len(c0)) <= 4.5 * sd,
          "clean %d, kept %d: x%.3f" % (len(c0), len(c1), len(c1) / max(len(c0), 1)))
    if typ != "CALL": # a call's fate may change with the calls dropped
        check("thin: %s kept records are clean ones" % typ, set(c1) <= set(c0))

# 4. A failure override: a call whose start is in the window is BUSY with
# probability 0.3 on top of the calls busy anyway, p = 0.3 + 0.7 p0.
# Both records of an on-net call agree, so the draws are per call: n counts
# off-net calls and on-net calls once (the MO side).
w = win("busy_switch")
def calls(rs):
    return [x for x in rs if x[TYPE] == "CALL" and inw(x, w) and (x[DIR] == "MO" or offnet(x))]
c0, c1 = calls(clean), calls(ev)
p0 = sum(1 for x in c0 if x[CAUSE] == "busy") / max(len(c0), 1)
p = 0.3 + 0.7 * p0
b1 = sum(1 for x in c1 if x[CAUSE] == "busy")
sd = math.sqrt(len(c1) * p * (1 - p))
check("busy_switch: share of calls busy = 0.3 + 0.7 p0",
      len(c1) > 200 and abs(b1 - p * len(c1)) <= 4.5 * sd,
      "p0 %.4f, want %.4f, got %.4f of %d" % (p0, p, b1 / max(len(c1), 1), len(c1)))
def pairs_agree(rs):
    mo = {}
    for x in rs:
        if x[TYPE] == "CALL" and inw(x, w) and not offnet(x):
            mo.setdefault((x[SRC], x[DST], x[START]), []).append(x[CAUSE])
    return all(len(set(v)) == 1 for v in mo.values())
check("busy_switch: both records of an on-net call agree", pairs_agree(ev))

# 5. An outage: no record on its cells in the window; every record that
# was on them is the same record on the overflow cell events.json names.
w = win("dark")
down = set(str(c) for c in E["dark"]["cells"])
over = E["dark"]["overflow"]
check("dark: the outage has cells", len(down) > 3, "%d cells" % len(down))
on_down = sum(1 for x in ev if inw(x, w) and x[CELL] in down)
check("dark: no record on a dark cell in the window", on_down == 0, "%d records" % on_down)
c0 = [x for x in clean if inw(x, w)]
c1 = [x for x in ev if inw(x, w)]
moved = [x[:CELL] + (str(over[x[CELL]]),) + x[CELL + 1:] if x[CELL] in down else x for x in c0]
check("dark: the window's records are the clean ones, moved to the overflow cells",
      sorted(moved) == sorted(c1), "%d clean, %d moved of them, %d with the event" %
      (len(c0), sum(1 for x in c0 if x[CELL] in down), len(c1)))
lost = sum(1 for x in c0 if x[CELL] in down)
repl = set(str(v) for v in over.values())
gain = sum(1 for x in c1 if x[CELL] in repl) - sum(1 for x in c0 if x[CELL] in repl)
check("dark: the neighbours carry what the dark cells lost", lost > 100 and gain == lost,
      "lost %d, neighbours gained %d" % (lost, gain))

# 6. A gathering: a share g of everybody is at the venue in the window. The
# venue cells' records: E = (1 - g) clean_venue + g all (attendees' records
# move there); Var = g (1 - g) sum over people of n_p^2 (people go or not).
w = win("concert")
venue = set(str(c) for c in E["concert"]["cells"])
def owner(x):
    return x[SRC] if x[DIR] == "MO" else x[DST]
voice0 = [x for x in clean if inw(x, w) and x[TYPE] != "DATA"]
voice1 = [x for x in ev if inw(x, w) and x[TYPE] != "DATA"]
g = 0.05
per = {}
for x in voice0:
    per[owner(x)] = per.get(owner(x), 0) + 1
at0 = sum(1 for x in voice0 if x[CELL] in venue)
at1 = sum(1 for x in voice1 if x[CELL] in venue)
want = (1 - g) * at0 + g * len(voice0)
sd = math.sqrt(g * (1 - g) * sum(v * v for v in per.values()))
check("concert: the venue cells carry the attendees' calls and SMS",
      len(venue) > 0 and abs(at1 - want) <= 4.5 * sd,
      "venue records %d without, %d with the gathering; want %.0f +- %.0f" %
      (at0, at1, want, 4.5 * sd))
# congestion at the venue: a call there fails with probability 0.2 on top
# of the failures anyway (p = 0.2 + 0.8 p0); on-net calls of two attendees
# are one draw for two records: Var <= 2 n p (1 - p).
vc = [x for x in ev if inw(x, w) and x[TYPE] == "CALL" and x[CELL] in venue]
p0 = sum(1 for x in clean if inw(x, w) and x[TYPE] == "CALL" and x[CAUSE] == "failure") / \
    max(1, sum(1 for x in clean if inw(x, w) and x[TYPE] == "CALL"))
p = 0.2 + 0.8 * p0
f1 = sum(1 for x in vc if x[CAUSE] == "failure")
sd = math.sqrt(2 * len(vc) * p * (1 - p))
check("concert: congestion fails 0.2 of the venue's calls",
      len(vc) > 30 and abs(f1 - p * len(vc)) <= 4.5 * sd,
      "want %.3f, got %.3f of %d" % (p, f1 / max(len(vc), 1), len(vc)))
done()
