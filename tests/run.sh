#!/usr/bin/env bash
# Runs every test of the suite and adds up their closing "N passed, N failed"
# lines: unit test programs, then the shell suites (tests/cli/*.sh,
# tests/interop/run.sh, tests/fuzz/replay.sh). A program that ends without
# that line (crash, sanitizer abort) counts as one failure.
# Env: BUILD (build dir, default build), CG_TEST_FILTER (substring of names).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export CDRGEN="$PWD/$BUILD/cdrgen"
filter=${CG_TEST_FILTER:-}
total_pass=0
total_fail=0
failed_names=()
logdir=$(mktemp -d "${TMPDIR:-/tmp}/cg-test-log.XXXXXX")

run_one() {
    local name=$1; shift
    if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then return; fi
    local log="$logdir/$(echo "$name" | tr '/ ' '__').log"
    local start=$SECONDS
    "$@" >"$log" 2>&1
    local rc=$?
    local last
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    local p=0 f=0
    if [ -n "$last" ]; then
        p=$(echo "$last" | awk '{print $1}')
        f=$(echo "$last" | awk '{print $3}')
    fi
    if [ -z "$last" ] || { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; }; then
        f=$((f + 1))
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    printf '%-44s %4d passed, %3d failed  (%ds)\n' "$name" "$p" "$f" $((SECONDS - start))
    if [ "$f" -ne 0 ]; then
        failed_names+=("$name")
        sed -e 's/^/    | /' "$log" | grep -v '^    | ok ' | tail -n 40
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "unit/$(basename "$t")" "$t"
done
for s in tests/cli/*.sh; do
    [ -f "$s" ] || continue
    case "$(basename "$s")" in lib.sh) continue ;; esac
    run_one "cli/$(basename "$s" .sh)" bash "$s"
done
for s in tests/layers/layers.sh tests/golden/golden.sh tests/interop/run.sh tests/interop/parquet.sh tests/interop/scenarios.sh tests/report/html.sh tests/fuzz/replay.sh; do
    [ -f "$s" ] && run_one "${s%/*}" bash "$s"
done
rm -rf "$logdir"
if [ ${#failed_names[@]} -ne 0 ]; then
    echo "failing: ${failed_names[*]}"
fi
if [ -n "${CG_TEST_TOTALS:-}" ]; then
    echo "$total_pass $total_fail" >>"$CG_TEST_TOTALS"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
