"""Helpers of the Python checkers of the CLI suites (tests/cli/*/check.py):
counted checks that print the suite's "ok"/"FAIL" lines and the closing
"N passed, N failed", and the CDR CSV reader."""
import csv
import sys

_count = {"ok": 0, "fail": 0}


def check(name, cond, detail=""):
    if cond:
        _count["ok"] += 1
        print("ok   " + name + (" (" + detail + ")" if detail else ""))
    else:
        _count["fail"] += 1
        print("FAIL " + name + ": " + detail, file=sys.stderr)


def rows(path, as_tuple=False):
    """The header and the rows of a CDR CSV file (FORMAT.md section 2)."""
    with open(path) as f:
        r = csv.reader(f, delimiter=';')
        hdr = next(r)
        return hdr, [tuple(x) if as_tuple else list(x) for x in r]


def done():
    print("%d passed, %d failed" % (_count["ok"], _count["fail"]))
    sys.exit(1 if _count["fail"] else 0)
