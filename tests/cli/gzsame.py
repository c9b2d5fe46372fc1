#!/usr/bin/env python3
"""gzsame.py A B: exit 0 when the two gzip files hold the same members with
the same bytes in each (the rows and where every member ends), whatever the
DEFLATE encoding of each member. cdrgen's default gzip (ISA-L, level 1) can
encode the same member differently from one run to the next (FORMAT.md
"Codecs"); its rows and member boundaries never change, and this compares
exactly those. Exit 1 when they differ, 2 when a file is not gzip."""
import sys
import zlib


def members(path):
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            m = d.decompress(data[pos:]) + d.flush()
        except zlib.error as e:
            sys.exit("gzsame: %s: not gzip at byte %d (%s)" % (path, pos, e))
        if not d.eof:
            sys.exit("gzsame: %s: truncated member at byte %d" % (path, pos))
        out.append(m)
        pos = len(data) - len(d.unused_data)
    return out


if len(sys.argv) != 3:
    sys.exit("usage: gzsame.py A.gz B.gz")
sys.exit(0 if members(sys.argv[1]) == members(sys.argv[2]) else 1)
