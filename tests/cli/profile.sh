#!/usr/bin/env bash
# The seed's profiling workflow end to end, as a user runs it natively
# (docs/PROFILING.md): `make test-data` at a small size, then
# scripts/profile_heaptrack.sh and the seed's ./profile_bytehound.sh alias for
# a subscriber count, then heaptrack_print on the
# prof_output/heaptrack.out.*.gz they leave. Every step must exit 0 and print
# its summary lines (issue 9.1: the script used to exit 1 before the leak line
# whenever cdrgen leaked nothing). Runs in a scratch copy of the scripts so
# that a developer's own test_db_1m.arrow is left alone; the binary is the
# suite's normal -O2 build (heaptrack cannot trace an ASan binary).
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SUBS=3000

if ! command -v heaptrack >/dev/null 2>&1 || ! command -v heaptrack_print >/dev/null 2>&1; then
    t_fail "heaptrack is installed (make deps / scripts/install-deps.sh installs it)"
    t_done
    exit
fi
# The scripts resolve their project from their own location: give them a
# project of their own with the real scripts and the real build.
P=$T_TMP/proj
mkdir -p "$P/scripts" "$P/bench"
cp "$ROOT"/scripts/*.sh "$ROOT"/scripts/*.awk "$P/scripts/"
cp "$ROOT/profile_bytehound.sh" "$P/"
cp "$ROOT/bench/heaptrack.supp" "$P/bench/"
cp "$ROOT/Makefile" "$ROOT/VERSION" "$P/"
cp -r "$ROOT/src" "$P/"
# The normal build of the tree under test, as build-prof of the copy (the
# profile script's `make` then finds it up to date only if it is newer than
# the sources, which a fresh copy is not; so point it at a build of its own).
NORMAL=$ROOT/build
make -C "$ROOT" --no-print-directory -s BUILD=build build/cdrgen >/dev/null 2>&1 ||
    t_fail "normal build for heaptrack"
cd "$P" || exit 1

# make test-data, small
if CDRGEN=$NORMAL/cdrgen TEST_DATA_SUBS=20000 scripts/make-test-data.sh >data.log 2>&1; then
    t_ok "make test-data TEST_DATA_SUBS=20000: exit 0"
else
    t_fail "make test-data" "$(tail -n 3 data.log)"
fi
t_check "test_db_1m.arrow and test_config.yaml exist" test -s test_db_1m.arrow -a -s test_config.yaml
t_check "test_config.yaml has the seed's values" \
    grep -q '^tz_name: "Europe/Moscow"' test_config.yaml
t_check "the database has 20000 subscribers" \
    sh -c "'$NORMAL/cdrgen' db validate test_db_1m.arrow | grep -qx 'NEW_SUBSCRIBER: 200[0-9][0-9]'"
if CDRGEN=$NORMAL/cdrgen TEST_DATA_SUBS=20000 scripts/make-test-data.sh >data2.log 2>&1 &&
    grep -q 'test_db_1m.arrow is up to date' data2.log; then
    t_ok "make test-data again: up to date"
else
    t_fail "make test-data again" "$(cat data2.log)"
fi

# The profile script builds build-prof in the copy; a copy of the normal
# build keeps that a no-op (same flags: -O2 -g).
mkdir -p build-prof
cp -a "$ROOT/build/." build-prof/
find build-prof -type f -exec touch {} +

run_profile() { # NAME CMD...: exit 0, every summary line, a .gz heaptrack_print reads
    local name=$1; shift
    rm -rf prof_output
    if "$@" >"$T_TMP/prof.out" 2>&1; then
        t_ok "$name: exit 0"
    else
        t_fail "$name: exit $?" "$(tail -n 5 "$T_TMP/prof.out")"
    fi
    local l
    for l in 'peak heap memory consumption:' 'calls to allocation functions:' \
        'temporary allocations:' 'total memory leaked:' 'top 5 allocators by peak consumption:' \
        'peak RSS without heaptrack (GNU time -v):' 'more: heaptrack_print'; do
        grep -qF "$l" "$T_TMP/prof.out" || t_fail "$name prints '$l'" "$(tail -n 5 "$T_TMP/prof.out")"
    done
    t_ok "$name: summary lines"
    grep -q 'total memory leaked: *0B' "$T_TMP/prof.out" && t_ok "$name: 0B leaked" ||
        t_fail "$name: 0B leaked" "$(grep 'leaked' "$T_TMP/prof.out")"
    local gz
    gz=$(ls prof_output/heaptrack.out.*.gz 2>/dev/null)
    if [ "$(echo "$gz" | wc -w)" -eq 1 ]; then
        t_ok "$name: one prof_output/heaptrack.out.*.gz"
    else
        t_fail "$name: one heaptrack.out.*.gz" "got '$gz'"
        return
    fi
    # The seed's command, verbatim (the glob matches one file).
    if heaptrack_print prof_output/heaptrack.out.*.gz >"$T_TMP/print.txt" 2>&1; then
        t_ok "$name: heaptrack_print prof_output/heaptrack.out.*.gz: exit 0"
    else
        t_fail "$name: heaptrack_print exit" "$(head -n 3 "$T_TMP/print.txt")"
    fi
    for l in 'MOST CALLS TO ALLOCATION FUNCTIONS' 'PEAK MEMORY CONSUMERS' \
        'calls to allocation functions: ' 'peak heap memory consumption: ' 'total memory leaked: '; do
        grep -qF "$l" "$T_TMP/print.txt" || t_fail "$name: heaptrack_print shows '$l'"
    done
    t_ok "$name: heaptrack_print sections"
    t_check "$name: the CDRs were removed, the profile kept" test ! -e prof_output/2024-01-03
}

run_profile "scripts/profile_heaptrack.sh $SUBS" env PROFILE_BUILD=build-prof scripts/profile_heaptrack.sh $SUBS
run_profile "./profile_bytehound.sh $SUBS" ./profile_bytehound.sh $SUBS
# Synthetic mode, as the docs offer.
run_profile "PROFILE_DB=none" env PROFILE_DB=none PROFILE_RSS=1 ./profile_bytehound.sh $SUBS
t_check "build-prof was not rebuilt from scratch" test -x build-prof/cdrgen
t_done
