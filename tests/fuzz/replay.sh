#!/usr/bin/env bash
# Replays every committed fuzz corpus without libFuzzer: each
# tests/fuzz/fuzz_NAME.c is linked with tests/fuzz/replay.c and an
# ASan+UBSan build of the project library, then run on
# tests/fuzz/corpus/NAME/*. An input that crashes counts as one failure.
# Env: BUILD (default build; reused if it is an ASan+UBSan build, otherwise
# the sanitized library goes to $BUILD-fuzzreplay),
# CC (default cc).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RB=${BUILD%/}-fuzzreplay
CC=${CC:-cc}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0
fail=0

# Reuse $BUILD when it is already an ASan+UBSan build (make asan).
syms=$(nm "$BUILD/libcdrgen.a" 2>/dev/null | grep -oE '__(asan|ubsan)_' | sort -u | wc -l)
if [ "$syms" -eq 2 ]; then
    RB=$BUILD
fi
if ! make --no-print-directory BUILD="$RB" CC="$CC" OPT=-O1 EXTRA_CFLAGS="$SAN" EXTRA_LDFLAGS="$SAN" \
    "$RB/libcdrgen-cli.a" "$RB/libcdrgen.a" >"${TMPDIR:-/tmp}/cg-fuzzreplay-build.$$" 2>&1; then
    tail -n 20 "${TMPDIR:-/tmp}/cg-fuzzreplay-build.$$"
    rm -f "${TMPDIR:-/tmp}/cg-fuzzreplay-build.$$"
    echo "FAIL building $RB/libcdrgen.a"
    echo "0 passed, 1 failed"
    exit 1
fi
rm -f "${TMPDIR:-/tmp}/cg-fuzzreplay-build.$$"
LDLIBS=$(make --no-print-directory -s --eval 'cg-print-ldlibs: ; @echo $(LDLIBS)' cg-print-ldlibs 2>/dev/null)
[ -n "$LDLIBS" ] || LDLIBS="-lyaml -ldeflate -lzstd -lz -lm -pthread"

for src in tests/fuzz/fuzz_*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    bin="$RB/fuzz/replay_$name"
    mkdir -p "$RB/fuzz"
    if ! $CC -std=c17 -O1 -g -D_GNU_SOURCE -pthread $SAN -Isrc -o "$bin" "$src" tests/fuzz/replay.c \
        "$RB/libcdrgen-cli.a" "$RB/libcdrgen.a" $LDLIBS; then
        echo "FAIL $name: harness does not build"
        fail=$((fail + 1))
        continue
    fi
    corpus="tests/fuzz/corpus/$name"
    files=("$corpus"/*)
    if [ ! -e "${files[0]}" ]; then
        echo "FAIL $name: empty corpus $corpus"
        fail=$((fail + 1))
        continue
    fi
    # One process for the whole corpus; on a crash, replay file by file to
    # name and count the inputs that fail.
    if out=$("$bin" "${files[@]}" 2>&1); then
        n=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p')
        echo "ok   $name: ${n:-0} inputs"
        pass=$((pass + ${n:-0}))
    else
        for f in "${files[@]}"; do
            if one=$("$bin" "$f" 2>&1); then
                pass=$((pass + 1))
            else
                echo "FAIL $name: $f"
                echo "$one" | grep -E 'ERROR|runtime error|SUMMARY|#[0-9] ' | head -n 12 | sed 's/^/    /'
                fail=$((fail + 1))
            fi
        done
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
