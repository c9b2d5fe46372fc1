#!/usr/bin/env bash
# Arrow interop: files written by apache-arrow (arrow-js) must be read by
# cdrgen with the right values or rejected with the right message, and files
# written by cdrgen must be read by apache-arrow with the right schema and
# values. Installs the pinned npm packages (package-lock.json) when needed.
# Env: BUILD (build dir holding libcdrgen.a, default build).
set -u
. "$(dirname "$0")/lib.sh"

# The helper links against the library of this build; match its sanitizers.
lib="$root/$BUILD/libcdrgen.a"
if [ ! -f "$lib" ]; then
    make -C "$root" --no-print-directory BUILD="$BUILD" "$BUILD/libcdrgen.a" >/dev/null || { ko "build libcdrgen.a"; finish; }
fi
san=""
syms=$(nm "$lib" 2>/dev/null)
case "$syms" in *__asan_*) san="-fsanitize=address,undefined" ;; *__tsan_*) san="-fsanitize=thread" ;; *__ubsan_*) san="-fsanitize=undefined" ;; esac
tool="$root/$BUILD/tests/interop/arrow_tool"
mkdir -p "$(dirname "$tool")"
if ! cc -std=c17 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread $san -I"$root/src" \
    -o "$tool" "$here/arrow_tool.c" "$lib" -lyaml -ldeflate -lzstd -lz -lm -pthread; then
    ko "build arrow_tool"
    finish
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cg-arrow-interop.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# (1) apache-arrow writes, cdrgen reads.
if node "$here/write.mjs" "$tmp" >"$tmp/write.log" 2>&1; then ok "arrow-js writes test files"; else ko "arrow-js writes test files"; cat "$tmp/write.log"; fi
for f in "$tmp"/*.arrow; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .arrow)
    if [ -f "$tmp/$n.expect" ]; then
        if "$tool" dump "$f" >"$tmp/$n.got" 2>"$tmp/$n.stderr" && cmp -s "$tmp/$n.got" "$tmp/$n.expect"; then
            ok "cdrgen reads arrow-js $n ($(wc -l <"$tmp/$n.expect") rows)"
        else
            ko "cdrgen reads arrow-js $n"; cat "$tmp/$n.stderr"; diff "$tmp/$n.got" "$tmp/$n.expect" | head -5
        fi
    else
        want=$(cat "$tmp/$n.err")
        if "$tool" dump "$f" >/dev/null 2>"$tmp/$n.stderr"; then
            ko "cdrgen rejects $n (accepted)"
        elif grep -qF "$f: " "$tmp/$n.stderr" && grep -qF "$want" "$tmp/$n.stderr" && [ "$(wc -l <"$tmp/$n.stderr")" -eq 1 ]; then
            ok "cdrgen rejects $n: $(cat "$tmp/$n.stderr" | sed "s|$tmp/||")"
        else
            ko "cdrgen rejects $n with '$want'"; cat "$tmp/$n.stderr"
        fi
    fi
done
got=$("$tool" info "$tmp/multi_nulls.arrow" 2>&1)
if [ "$got" = "batches 5 rows 66547 sizes 3,0,1000,7,65537" ]; then ok "batch sizes kept: $got"; else ko "batch sizes: $got"; fi

# (2) cdrgen writes, apache-arrow reads: schema line, batch count, values.
schema="schema timestamp_ms:Int64:false event_type:Uint8:false imsi:Uint64:false msisdn:Uint64:true imei:Uint64:true mccmnc:Uint32:false"
for spec in "0 0" "7 1" "250001 3"; do
    set -- $spec
    rows=$1 batches=$2
    f="$tmp/cg_$rows.arrow"
    if ! "$tool" write "$f" "$rows" 2>"$tmp/w.err"; then ko "cdrgen writes $rows rows"; cat "$tmp/w.err"; continue; fi
    { echo "$schema"; echo "batches $batches rows $rows"; "$tool" gen "$rows"; } >"$tmp/want.txt"
    if node "$here/read.mjs" "$f" >"$tmp/js.txt" 2>&1 && cmp -s "$tmp/js.txt" "$tmp/want.txt"; then
        ok "arrow-js reads cdrgen file of $rows rows ($batches batches)"
    else
        ko "arrow-js reads cdrgen file of $rows rows"; diff "$tmp/js.txt" "$tmp/want.txt" | head -8
    fi
done
finish
