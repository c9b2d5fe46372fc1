"""The fraud scenarios' signatures in the CDRs of a run (docs/SCENARIOS.md):
for each scenario, its signature metric for the labelled subscribers and
the unlabelled ones, and the base rate of the simple rule that finds it.

  check.py OUT [--json FILE]

OUT: a run of examples/fraud.yaml (or tests/cli/fraud/test.yaml), CSV
bundles uncompressed or gzip. Prints the counted checks and a table."""
import csv
import glob
import gzip
import json
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from cdrcheck import check, done  # noqa: E402

PREMIUM = ("88213", "23934", "67570", "37422", "88166", "53512")


def opener(p):
    return gzip.open(p, "rt") if p.endswith(".gz") else open(p)


def main():
    out = sys.argv[1]
    jpath = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    site, xy = {}, {}
    for r in csv.DictReader(open(os.path.join(out, "cells.csv"))):
        site[r["cell_id"]] = r["site_id"]
        lat, lon = float(r["lat"]), float(r["lon"])
        xy[r["cell_id"]] = (lat, lon)
    subs = set(r["msisdn"] for r in csv.DictReader(open(os.path.join(out, "subscribers.csv"))))
    labels = list(csv.DictReader(open(os.path.join(out, "labels", "fraud.csv"))))
    lab = {}
    for r in labels:
        lab.setdefault(r["msisdn"], set()).add(r["scenario"] + "/" + r["role"])
    wnumbers = set(r["msisdn"] for r in labels if r["role"] == "number")
    swaps = {r["msisdn"]: r for r in labels if r["scenario"] == "sim_swap" and r["role"] == "victim"}
    swap_recs = {m: [] for m in swaps}

    # per owner: MO call callees, MT calls, sites, SMS, data, IMSIs, ...
    acc = {}

    def a(ms):
        x = acc.get(ms)
        if x is None:
            x = acc[ms] = {"callees": set(), "mo": 0, "mt": 0, "sms": 0, "data": 0,
                           "sites": set(), "imsi": {}, "night_prem": {}, "prem_s": {},
                           "days": set(), "last": None, "jumps": 0, "rings": 0, "cb": 0}
        return x

    ring_victims = {}
    files = sorted(glob.glob(os.path.join(out, "cdr_*.csv*")))
    for p in files:
        day = os.path.basename(p)[4:14]
        with opener(p) as f:
            rd = csv.reader(f, delimiter=";")
            h = {k: i for i, k in enumerate(next(rd))}
            for r in rd:
                t, mo = r[h["event_type"]], r[h["direction"]] == "MO"
                own = r[h["msisdn_src"]] if mo or t == "DATA" else r[h["msisdn_dst"]]
                peer = r[h["msisdn_dst"]] if mo else r[h["msisdn_src"]]
                x = a(own)
                x["days"].add(day)
                if own in swap_recs:
                    swap_recs[own].append((int(r[h["start_ts_ms"]]), r[h["imei"]],
                                           r[h["cell_id"]], t, r[h["direction"]]))
                cell = r[h["cell_id"]]
                if cell in site:
                    x["sites"].add(site[cell])
                ts = int(r[h["start_ts_ms"]])
                x["imsi"].setdefault(r[h["imsi"]], ts)
                local_h = ((ts // 1000 + int(r[h["tz_offset_min"]]) * 60) % 86400) / 3600.0
                if t == "DATA":
                    x["data"] += 1
                elif t == "SMS":
                    x["sms"] += 1
                else:
                    dur = int(r[h["duration_sec"]])
                    if mo:
                        x["mo"] += 1
                        x["callees"].add(peer)
                        if peer.startswith(PREMIUM) and dur > 0:
                            x["prem_s"][day] = x["prem_s"].get(day, 0) + dur
                            if local_h < 6 and dur >= 600:
                                x["night_prem"][day] = x["night_prem"].get(day, 0) + 1
                        if peer in wnumbers:
                            x["cb"] += 1
                    else:
                        x["mt"] += 1
                        if dur <= 3 and peer not in subs and r[h["cause_for_record_closing"]] != "normalRelease":
                            ring_victims.setdefault(peer, set()).add(own)
                            if peer in wnumbers:
                                x["rings"] += 1
                # moves: consecutive records (file order is by owner blocks,
                # then start): far apart within minutes
                if cell in xy:
                    if x["last"] is not None and x["last"][0] <= ts:
                        lt, lc = x["last"]
                        (la, lo), (lb, lob) = xy[lc], xy[cell]
                        km = 6371 * math.hypot(math.radians(lb - la),
                                               math.radians(lob - lo) * math.cos(math.radians(la)))
                        hours = max((ts - lt) / 3.6e6, 1 / 60)
                        if km > 30 and km / hours > 300:
                            x["jumps"] += 1
                    x["last"] = (ts, cell)

    def who(sc, role=None):
        return [m for m, s in lab.items()
                if any(v.split("/")[0] == sc and (role is None or v.endswith("/" + role)) for v in s)]

    unl = [m for m in subs if m not in lab]
    table = []

    def row(name, metric, lv, uv, rule, lab_hit, unl_hit, n_lab):
        table.append({"scenario": name, "metric": metric, "labelled": lv, "unlabelled": uv,
                      "rule": rule, "rule_labelled": lab_hit, "rule_unlabelled": unl_hit,
                      "n_labelled": n_lab, "n_unlabelled": len(unl)})

    def med(v):
        return statistics.median(v) if v else 0

    def deg(m):
        return len(acc[m]["callees"]) if m in acc else 0

    # SIM box
    box = who("sim_box")
    md = med([deg(m) for m in unl])
    rule = lambda m: m in acc and deg(m) >= 10 * max(md, 1) and acc[m]["mt"] <= 0.05 * max(acc[m]["mo"], 1) and len(acc[m]["sites"]) == 1
    if box:
        check("sim_box: every SIM has >= 10x the median out-degree (%g)" % md,
              all(deg(m) >= 10 * md for m in box), "min %d" % min(deg(m) for m in box))
        check("sim_box: no MT calls, no SMS or data, one site",
              all(acc[m]["mt"] == 0 and acc[m]["sms"] == 0 and acc[m]["data"] == 0 and
                  len(acc[m]["sites"]) == 1 for m in box if m in acc))
        row("sim_box", "distinct callees (median)", med([deg(m) for m in box]), md,
            "callees >= 10x median, MT <= 5% of MO, one site", sum(map(rule, box)),
            sum(map(rule, unl)), len(box))
    # Wangiri
    vic = [m for m in who("wangiri") if m not in wnumbers]
    if vic:
        big = {n for n, v in ring_victims.items() if len(v) >= 20}
        check("wangiri: the numbers ringing >= 20 subscribers for <= 3 s are the campaigns'",
              big == wnumbers, "%d found, %d labelled" % (len(big), len(wnumbers)))
        cbl = who("wangiri", "callback")
        check("wangiri: the victims calling back are the labelled ones",
              all(acc[m]["cb"] >= 1 for m in cbl if m in acc) and
              all(acc[m]["cb"] == 0 for m in unl if m in acc),
              "%d of %d" % (sum(1 for m in cbl if m in acc and acc[m]["cb"]), len(cbl)))
        rv = lambda m: m in acc and acc[m]["rings"] >= 1
        row("wangiri", "1-3 s MT calls from numbers with >= 20 victims",
            med([acc[m]["rings"] for m in vic if m in acc]), med([acc[m]["rings"] for m in unl if m in acc]),
            "rung <= 3 s by a number with >= 20 victims", sum(map(rv, vic)), sum(map(rv, unl)), len(vic))
    # IRSF
    irsf = who("irsf")
    if irsf:
        ri = lambda m: m in acc and any(v >= 3 for v in acc[m]["night_prem"].values())
        check("irsf: every compromised subscriber places >= 3 long premium calls in a night",
              all(map(ri, irsf)), "%d of %d" % (sum(map(ri, irsf)), len(irsf)))
        row("irsf", "long premium calls at night (max per night)",
            med([max(acc[m]["night_prem"].values(), default=0) for m in irsf if m in acc]), 0,
            ">= 3 premium calls of >= 10 min between 00 and 06", sum(map(ri, irsf)),
            sum(map(ri, unl)), len(irsf))
    # SIM swap
    sw = who("sim_swap")
    if sw:
        rs = lambda m: m in acc and len(acc[m]["imsi"]) > 1
        check("sim_swap: the victims' numbers change IMSI, nobody else's",
              all(map(rs, sw)) and not any(map(rs, unl)),
              "%d of %d; %d unlabelled" % (sum(map(rs, sw)), len(sw), sum(map(rs, unl))))
        good = 0
        for m, lr in swaps.items():
            a0, b0 = int(lr["start_ts_ms"]), int(lr["end_ts_ms"])
            w = [y for y in swap_recs[m] if a0 <= y[0] < b0]
            before = {y[1] for y in swap_recs[m] if y[0] < a0}
            otp = [y for y in w if y[3] == "SMS" and y[4] == "MT" and y[0] < a0 + 3600000]
            good += bool(w) and len({y[2] for y in w}) == 1 and len({y[1] for y in w}) == 1 \
                and not ({y[1] for y in w} & before) and len(otp) >= 3
        check("sim_swap: in every takeover one cell, a handset never seen before, >= 3 MT SMS "
              "within the hour", good == len(swaps), "%d of %d" % (good, len(swaps)))
        row("sim_swap", "IMSIs per MSISDN", med([len(acc[m]["imsi"]) for m in sw if m in acc]),
            med([len(acc[m]["imsi"]) for m in unl if m in acc]), "more than one IMSI",
            sum(map(rs, sw)), sum(map(rs, unl)), len(sw))
    # bust-out
    bo = who("bust_out")
    if bo:
        rb = lambda m: m in acc and max(acc[m]["prem_s"].values(), default=0) >= 3 * 3600
        check("bust_out: every case spends >= 3 h a day on premium calls",
              all(map(rb, bo)), "%d of %d" % (sum(map(rb, bo)), len(bo)))
        row("bust_out", "premium call hours, busiest day",
            med([max(acc[m]["prem_s"].values(), default=0) / 3600 for m in bo if m in acc]), 0,
            ">= 3 h of premium calls in a day", sum(map(rb, bo)), sum(map(rb, unl)), len(bo))
    # cloned SIM
    cl = who("cloned_sim")
    if cl:
        rc = lambda m: m in acc and acc[m]["jumps"] >= 1
        check("cloned_sim: every clone makes implausible moves",
              all(map(rc, cl)), "%d of %d" % (sum(map(rc, cl)), len(cl)))
        row("cloned_sim", "moves > 30 km at > 300 km/h",
            med([acc[m]["jumps"] for m in cl if m in acc]),
            med([acc[m]["jumps"] for m in unl if m in acc]), "any such move",
            sum(map(rc, cl)), sum(map(rc, unl)), len(cl))
    for t in table:
        print("%-11s %-48s labelled %-8.4g unlabelled %-8.4g rule: %d/%d labelled, %d/%d "
              "unlabelled (%.4f%%)" % (t["scenario"], t["metric"], t["labelled"], t["unlabelled"],
                                       t["rule_labelled"], t["n_labelled"], t["rule_unlabelled"],
                                       t["n_unlabelled"], 100.0 * t["rule_unlabelled"] /
                                       max(t["n_unlabelled"], 1)))
    if jpath:
        json.dump(table, open(jpath, "w"), indent=1)
    done()


main()
