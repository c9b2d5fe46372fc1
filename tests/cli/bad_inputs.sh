#!/usr/bin/env bash
# Runs the table tests/cli/bad-inputs: each bad flag, configuration, database
# or output directory must fail with its exit code and ONE "cdrgen: " line
# naming what is wrong, and must leave no file that looks complete (part,
# stats, summary, bundle) nor any temporary file behind.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
TABLE="$(cd "$(dirname "$0")" && pwd)/bad-inputs"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
FIX="$T_TMP/fixtures"
SKIPPED=0

cdrgen() { "$CDRGEN" "$@"; }

# ---- setup helpers of the table ----
yaml() { printf '%b' "$1" >c.yaml; }
file() { mkdir -p "$(dirname "$1")" && : >"$1"; }
dir() { mkdir -p "$1"; }
prerun() { "$CDRGEN" generate --quiet "$@" >/dev/null 2>&1 || { echo "prerun $* failed" >&2; return 1; }; }
# db NAME: a copy of fixture NAME (made once by make_fixtures); 77 = not
# available here, the case is skipped.
db() {
    [ -e "$FIX/$1" ] || return 77
    cp "$FIX/$1" "$1"
}

make_fixtures() {
    mkdir -p "$FIX"
    (
        cd "$FIX" || exit 1
        local rates="--size 20 --history-days 120 --device-change-rate 0.9 --seed 3"
        "$CDRGEN" db generate -o good.csv $rates >/dev/null || exit 1
        "$CDRGEN" db generate -o good.arrow $rates >/dev/null || exit 1
        cp good.csv good.txt
        : >empty.csv
        : >empty.arrow
        head -c 700 good.arrow >trunc.arrow
        head -c 4096 /dev/urandom >rand.arrow
        printf 'ARROW1\0\0' >>rand.arrow # a trailing magic alone must not be trusted
        # row 1's IMEI gets a wrong check digit
        awk -F, -v OFS=, 'NR == 2 { d = substr($5, 15, 1); $5 = substr($5, 1, 14) ((d + 1) % 10) } 1' \
            good.csv >luhn.csv
        # the last (latest) row moves up to row 2: row 3 goes back in time
        { head -n 2 good.csv; tail -n 1 good.csv; tail -n +3 good.csv | sed '$d'; } >order.csv
        # a wrong schema written by an independent implementation (imsi Int32)
        local_arrow="$REPO/tests/interop/node_modules/apache-arrow"
        # The pinned packages of the interop tests, installed here too so that
        # a fresh clone does not depend on which suite runs first.
        if command -v npm >/dev/null && [ ! -f "$REPO/tests/interop/node_modules/.package-lock.json" ]; then
            (cd "$REPO/tests/interop" && npm ci --no-audit --no-fund --loglevel=error) >/dev/null 2>&1
        fi
        if command -v node >/dev/null && [ -d "$local_arrow" ]; then
            node -e "
const A = require('$local_arrow');
const t = A.tableFromArrays({timestamp_ms: BigInt64Array.from([1704067200000n]),
  event_type: Uint8Array.from([0]), imsi: Int32Array.from([5]),
  msisdn: BigUint64Array.from([31612000000n]), imei: BigUint64Array.from([356938035643809n]),
  mccmnc: Uint32Array.from([20408])});
require('fs').writeFileSync('schema.arrow', A.tableToIPC(t, 'file'));" 2>/dev/null || rm -f schema.arrow
        fi
    )
}

# Files (not directories) under the case directory, one per line.
snapshot() { find . \( -type f -o -type l \) | LC_ALL=C sort; }

# New files that a failed run may leave: the lock, the cell catalog, and the
# files of a day that did complete (its summary.json is among the new files).
leftovers() {
    local before=$1 after=$2 f
    local complete
    complete=$(comm -13 "$before" "$after" | sed -n 's|^\(.*\)/\([0-9-]\{10\}\)/summary.json$|\1 \2|p')
    comm -13 "$before" "$after" | while IFS= read -r f; do
        case "$f" in */.cdrgen.lock | */cells.csv | */subscribers.csv | */subscribers_shard[0-9][0-9][0-9].csv) continue ;; esac
        local ok=0 o d
        while read -r o d; do
            [ -n "$d" ] || continue
            case "$f" in "$o/$d/"* | "$o/cdr_$d."*) ok=1 ;; esac
        done <<<"$complete"
        [ "$ok" -eq 1 ] || echo "$f"
    done
}

run_case() {
    local n=$1 name=$2 code=$3 frag=$4 setup=$5 cmd=$6
    local dir="$T_TMP/case$n" multi=0
    [ "$code" = 1m ] && { multi=1; code=1; }
    mkdir -p "$dir"
    (
        cd "$dir" || exit 1
        if [ "$setup" != "-" ]; then
            eval "$setup" >/dev/null 2>"$T_TMP/setup.err"
            rc=$?
            [ "$rc" -eq 77 ] && exit 77
            [ "$rc" -eq 0 ] || { echo "setup failed ($rc): $(cat "$T_TMP/setup.err")"; exit 1; }
        fi
        snapshot >"$T_TMP/before"
        eval "$cmd" >/dev/null 2>"$T_TMP/stderr" </dev/null
        rc=$?
        snapshot >"$T_TMP/after"
        err=$(cat "$T_TMP/stderr")
        if grep -q "not available in this build yet" "$T_TMP/stderr"; then exit 78; fi
        [ "$rc" -eq "$code" ] || { echo "exit $rc, want $code; stderr: $err"; exit 1; }
        lines=$(wc -l <"$T_TMP/stderr")
        last=$(tail -n 1 "$T_TMP/stderr")
        if [ "$multi" -eq 0 ] && [ "$lines" -ne 1 ]; then
            echo "stderr has $lines lines, want 1: $err"; exit 1
        fi
        if [ "$multi" -eq 1 ]; then
            # the rows in error, each FILE:ROW: ..., then the verdict
            bad=$(sed '$d' "$T_TMP/stderr" | grep -cvE '^[^ :]+:[0-9]+: ')
            [ "$bad" -eq 0 ] || { echo "stderr lines that are not FILE:ROW: ...: $err"; exit 1; }
        fi
        case "$last" in "cdrgen: "*) ;; *) echo "last stderr line lacks 'cdrgen: ': $last"; exit 1 ;; esac
        grep -qF -- "$frag" <<<"$last" || { echo "stderr lacks '$frag': $last"; exit 1; }
        left=$(leftovers "$T_TMP/before" "$T_TMP/after")
        [ -z "$left" ] || { echo "left behind: $(echo $left)"; exit 1; }
        exit 0
    ) >"$T_TMP/why" 2>&1
    case $? in
    0) t_ok "$name" ;;
    77) # a fixture that cannot be made is a failure, never a silent pass
        t_fail "$name" "fixture not available (npm ci in tests/interop failed?)" ;;
    78) echo "skip $name (not available in this build yet)"; SKIPPED=$((SKIPPED + 1)) ;;
    *) t_fail "$name" "$(cat "$T_TMP/why")" ;;
    esac
    chmod -R u+w "$dir" 2>/dev/null
    rm -rf "$dir"
}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

make_fixtures || t_fail "fixtures" "cannot make the database fixtures"
n=0
while IFS= read -r line; do
    case "$line" in '#'* | '') continue ;; esac
    IFS='|' read -r name code frag setup cmd <<<"$line"
    n=$((n + 1))
    run_case "$n" "$(trim "$name")" "$(trim "$code")" "$(trim "$frag")" "$(trim "$setup")" "$(trim "$cmd")"
done <"$TABLE"
echo "$n cases, $SKIPPED skipped"
[ "$n" -ge 40 ] && t_ok "table has at least 40 cases ($n)" || t_fail "table has $n cases, want >= 40"
t_done
