"""Churn's signature in the CDRs of a run (docs/SCENARIOS.md "Churn"): the
churners' own traffic, and their contacts' traffic with them, falls over
the fade before their date and stops on it.

  churn.py OUT [--json FILE]"""
import csv
import datetime
import glob
import gzip
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from cdrcheck import check, done  # noqa: E402


def main():
    out = sys.argv[1]
    jpath = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    lab = {r["msisdn"]: r for r in csv.DictReader(open(os.path.join(out, "labels", "churn.csv")))}
    subs = [r["msisdn"] for r in csv.DictReader(open(os.path.join(out, "subscribers.csv")))]
    day0 = None
    own, peer = {}, {}  # msisdn -> {day index: records}
    last = {}  # churner -> its last record's start (with the IMSI it left with)
    files = sorted(glob.glob(os.path.join(out, "cdr_*.csv*")))
    for p in files:
        d = datetime.date.fromisoformat(os.path.basename(p)[4:14])
        day0 = day0 or d
        di = (d - day0).days
        with (gzip.open(p, "rt") if p.endswith(".gz") else open(p)) as f:
            rd = csv.reader(f, delimiter=";")
            h = {k: i for i, k in enumerate(next(rd))}
            for r in rd:
                mo = r[h["direction"]] == "MO" or r[h["event_type"]] == "DATA"
                o = r[h["msisdn_src"]] if mo else r[h["msisdn_dst"]]
                q = r[h["msisdn_dst"]] if mo else r[h["msisdn_src"]]
                x = own.setdefault(o, {})
                x[di] = x.get(di, 0) + 1
                if o in lab and r[h["imsi"]] == lab[o]["imsi"]:
                    last[o] = max(last.get(o, 0), int(r[h["start_ts_ms"]]))
                if q in lab:
                    y = peer.setdefault(q, {})
                    y[di] = y.get(di, 0) + 1
    ndays = len(files)

    def week(c, a):  # records of days [a, a + 7)
        return sum(c.get(k, 0) for k in range(a, a + 7))

    def churn_day(r):  # index of the churn date in the run
        t = datetime.datetime.fromtimestamp(int(r["end_ts_ms"]) / 1000, datetime.timezone.utc)
        return (t.date() - day0).days + (1 if t.hour >= 12 else 0)

    fade = {}
    after = 0
    ratios, pratios = [], []
    for m, r in lab.items():
        D = churn_day(r)
        after += last.get(m, 0) >= int(r["end_ts_ms"])
        if D - 28 >= 0:
            e, l = week(own.get(m, {}), D - 28), week(own.get(m, {}), D - 7)
            if e > 0:
                ratios.append(l / e)
            pe, pl = week(peer.get(m, {}), D - 28), week(peer.get(m, {}), D - 7)
            if pe > 0:
                pratios.append(pl / pe)
    check("churn: no record of a churner (its IMSI) from its date on", after == 0,
          "%d churners with records after" % after)
    unl = [m for m in subs if m not in lab]
    uratios = []
    for m in unl[:5000]:
        c = own.get(m, {})
        e, l = week(c, ndays - 28), week(c, ndays - 7)
        if e > 0:
            uratios.append(l / e)
    ml = statistics.median(ratios) if ratios else None
    mp = statistics.median(pratios) if pratios else None
    mu = statistics.median(uratios) if uratios else None
    check("churn: the churners' last week before the date is well below their week 4 weeks "
          "before (median ratio %.3f, unlabelled %.3f)" % (ml or -1, mu or -1),
          ml is not None and mu is not None and ml < 0.5 * mu, "%d churners" % len(ratios))
    check("churn: their contacts' records with them fade alike (median ratio %.3f)" % (mp or -1),
          mp is not None and mp < 0.5 * mu)
    rule = lambda v: v <= 0.5
    row = {"scenario": "churn", "metric": "last week / week 4 weeks before",
           "labelled": ml, "unlabelled": mu, "rule": "weekly records fell by half or more",
           "rule_labelled": sum(map(rule, ratios)), "n_labelled": len(ratios),
           "rule_unlabelled": sum(map(rule, uratios)), "n_unlabelled": len(uratios)}
    print("churn       %-48s labelled %-8.4g unlabelled %-8.4g rule: %d/%d labelled, %d/%d "
          "unlabelled (%.2f%%)" % (row["metric"], ml or 0, mu or 0, row["rule_labelled"],
                                   row["n_labelled"], row["rule_unlabelled"], row["n_unlabelled"],
                                   100.0 * row["rule_unlabelled"] / max(row["n_unlabelled"], 1)))
    if jpath:
        json.dump([row], open(jpath, "w"), indent=1)
    done()


main()
