#!/usr/bin/env bash
# Memory benchmarks against bench/mem-budgets.txt; exits 3 when a budget is
# missed. Benchmarks, not tests: `make test` never runs them.
#   bench-mem.sh db    (make bench-mem) the seed's job — SUBS of
#                      test_db_1m.arrow, one day, test_config.yaml, seed 42 —
#                      under heaptrack (peak heap, allocation calls, leaks)
#                      and, in a second run, GNU time -v (peak RSS).
#   bench-mem.sh flat  (make bench-mem-flat) synthetic mode at 1M and 10M
#                      subscribers, zstd, peak RSS of each and their ratio.
# Env: BUILD [build] (binary $BUILD/cdrgen), BENCH_MEM_SUBS ["100000 1000000"]
# (db) or ["1000000 10000000"] (flat), BENCH_DIR [/tmp] (output, deleted after
# each run), BENCH_MEM_MIN_FREE_GB [20] (flat: free space needed for 10M).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

MODE=${1:-db}
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/cdrgen
BUDGETS=bench/mem-budgets.txt
SUPP=bench/heaptrack.supp
DB=test_db_1m.arrow
CFG=test_config.yaml
START=2024-01-03
ROOT=${BENCH_DIR:-/tmp}

die() { echo "bench-mem: $*" >&2; exit 1; }

# KEY=VALUE of the budgets file (comments and blanks skipped).
budget() {
    local v
    v=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$BUDGETS" | grep -m1 "^$1=" | cut -d= -f2) || true
    [ -n "$v" ] || die "$BUDGETS: no $1"
    echo "$v"
}

# Bytes of a heaptrack_print size: 996B, 2.96K, 9.00M, 1.20G (powers of 1000).
to_bytes() {
    awk -v s="$1" 'BEGIN {
        u = substr(s, length(s)); n = substr(s, 1, length(s) - 1)
        m = (u == "B") ? 1 : (u == "K") ? 1e3 : (u == "M") ? 1e6 : (u == "G") ? 1e9 : (u == "T") ? 1e12 : -1
        if (m < 0) { n = s; m = 1 }
        printf "%.0f\n", n * m }'
}

# Peak RSS in KiB of one run under GNU time -v; the command's stderr goes to $2.
rss_kib() {
    local tlog=$WORK/time.txt errlog=$1; shift
    /usr/bin/time -v -o "$tlog" "$@" >/dev/null 2>"$errlog" || {
        sed 's/^/    | /' "$errlog" | tail -n 20 >&2
        die "failed: $*"
    }
    grep -F 'Maximum resident set size' "$tlog" | sed 's/.*: *//'
}

[ -x "$BIN" ] || die "$BIN not found: build it first (make BUILD=$BUILD)"
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 ||
    die "GNU time is required: sudo apt-get install time (or make deps)"
[ -f "$BUDGETS" ] || die "$BUDGETS missing"
mkdir -p "$ROOT" || die "cannot create BENCH_DIR $ROOT"
WORK=$(mktemp -d "$ROOT/cdrgen-bench-mem.XXXXXX") || die "cannot create a directory under $ROOT"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
echo "cdrgen memory benchmark ($MODE): $("$BIN" --version | head -n 1), $(nproc) CPUs"
missed=0

bench_db() {
    command -v heaptrack >/dev/null 2>&1 && command -v heaptrack_print >/dev/null 2>&1 ||
        die "heaptrack not found: sudo apt-get install heaptrack (or make deps)"
    [ -f "$DB" ] && [ -f "$CFG" ] || die "$DB / $CFG not found: run 'make test-data' first"
    local b_heap b_calls b_leak b_rss
    b_heap=$(budget PEAK_HEAP_MIB); b_calls=$(budget ALLOC_CALLS)
    b_leak=$(budget LEAKED_BYTES); b_rss=$(budget PEAK_RSS_MIB)
    # Warm the database's lookup index (built once, beside the database),
    # and find out whether this build has database mode at all.
    local err
    err=$("$BIN" generate --subscriber-db "$DB" --subs 1 --days 1 --start "$START" \
          --out "$WORK/warm" --quiet 2>&1 >/dev/null) ||
        die "cannot run --subscriber-db $DB: ${err%%$'\n'*}"
    rm -rf "$WORK/warm"
    echo "job: cdrgen --subs N --start $START --days 1 --subscriber-db $DB --config $CFG --seed 42"
    echo "budgets ($BUDGETS): peak heap <= $b_heap MiB, allocation calls <= $b_calls, leaked <= $b_leak B, peak RSS <= $b_rss MiB"
    echo
    local fmt='| %9s | %14s | %11s | %12s | %12s | %7s | %-36s |\n'
    # shellcheck disable=SC2059
    printf "$fmt" subs "peak heap MiB" "alloc calls" "temp allocs" "leaked bytes" "RSS MiB" "budgets"
    # shellcheck disable=SC2059
    printf "$fmt" "---:" "---:" "---:" "---:" "---:" "---:" "---"
    local subs
    for subs in ${BENCH_MEM_SUBS:-100000 1000000}; do
        case "$subs" in ''|*[!0-9]*) die "BENCH_MEM_SUBS: '$subs' is not a number" ;; esac
        local out=$WORK/out args
        args=(--subs "$subs" --start "$START" --days 1 --out "$out" --subscriber-db "$DB" --config "$CFG" --seed 42)
        rm -rf "$out" "$WORK"/ht.*
        heaptrack -o "$WORK/ht" "$BIN" "${args[@]}" >"$WORK/ht.log" 2>&1 || {
            sed 's/^/    | /' "$WORK/ht.log" | tail -n 20 >&2
            die "the run under heaptrack failed ($subs subscribers)"
        }
        local file
        file=$(ls "$WORK"/ht.zst "$WORK"/ht.gz 2>/dev/null | head -n 1) || true
        [ -n "$file" ] || die "heaptrack wrote no data file"
        heaptrack_print -a 0 -p 0 -T 0 --suppressions "$SUPP" -f "$file" >"$WORK/summary.txt" 2>/dev/null ||
            die "heaptrack_print could not read $file"
        local heap calls temp leak
        heap=$(to_bytes "$(grep -m1 '^peak heap memory consumption:' "$WORK/summary.txt" | awk '{print $NF}')")
        calls=$(grep -m1 '^calls to allocation functions:' "$WORK/summary.txt" | awk '{print $5}')
        temp=$(grep -m1 '^temporary memory allocations:' "$WORK/summary.txt" | awk '{print $4}')
        leak=$(to_bytes "$(grep -m1 '^total memory leaked:' "$WORK/summary.txt" | awk '{print $NF}')")
        rm -rf "$out" "$WORK"/ht.*
        local rss
        rss=$(rss_kib "$WORK/stderr" "$BIN" "${args[@]}")
        rm -rf "$out"

        local verdict="" ok
        for check in "heap:$heap:$((b_heap * 1048576))" "calls:$calls:$b_calls" \
                     "leaked:$leak:$b_leak" "rss:$((rss * 1024)):$((b_rss * 1048576))"; do
            IFS=: read -r name val lim <<<"$check"
            if [ "$val" -le "$lim" ]; then ok=ok; else ok=MISSED; missed=$((missed + 1)); fi
            verdict="${verdict:+$verdict, }$name $ok"
        done
        # shellcheck disable=SC2059
        printf "$fmt" "$subs" "$(awk -v b="$heap" 'BEGIN { printf "%.2f", b / 1048576 }')" "$calls" "$temp" \
            "$leak" "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" "$verdict"
    done
}

bench_flat() {
    local ratio_max min_gb
    ratio_max=$(budget FLAT_RSS_RATIO)
    min_gb=${BENCH_MEM_MIN_FREE_GB:-20}
    echo "job: cdrgen generate --subs N --start 2025-01-15 --days 1 --compression zstd --quiet (synthetic)"
    echo "budget ($BUDGETS): peak RSS of the largest run <= $ratio_max x that of the smallest"
    echo
    local subs first="" first_rss=0 last="" last_rss=0
    for subs in ${BENCH_MEM_SUBS:-1000000 10000000}; do
        case "$subs" in ''|*[!0-9]*) die "BENCH_MEM_SUBS: '$subs' is not a number" ;; esac
        if [ "$subs" -gt 1000000 ]; then
            local free_gb
            free_gb=$(df -Pk "$ROOT" | awk 'NR == 2 { printf "%d", $4 / 1048576 }')
            if [ "$free_gb" -lt "$min_gb" ]; then
                echo "skipped $subs subscribers: $free_gb GB free under $ROOT, need $min_gb (BENCH_DIR=elsewhere)"
                continue
            fi
        fi
        local out=$WORK/out start=$SECONDS rss
        rm -rf "$out"
        rss=$(rss_kib "$WORK/stderr" "$BIN" generate --subs "$subs" --start 2025-01-15 --days 1 \
              --compression zstd --out "$out" --quiet)
        local size
        size=$(du -sh "$out" | cut -f1)
        rm -rf "$out"
        printf '%11s subscribers: peak RSS %7.1f MiB  (%d s, %s of zstd output, deleted)\n' \
            "$subs" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" $((SECONDS - start)) "$size"
        if [ -z "$first" ]; then first=$subs; first_rss=$rss; fi
        last=$subs; last_rss=$rss
    done
    if [ -n "$first" ] && [ "$last" != "$first" ]; then
        local verdict=ok
        awk -v a="$last_rss" -v b="$first_rss" -v m="$ratio_max" 'BEGIN { exit !(a <= b * m) }' ||
            { verdict=MISSED; missed=$((missed + 1)); }
        awk -v a="$last_rss" -v b="$first_rss" -v x="$last" -v y="$first" -v m="$ratio_max" -v v="$verdict" \
            'BEGIN { printf "ratio %s / %s subscribers: %.3f (budget <= %s: %s)\n", x, y, a / b, m, v }'
    fi
}

case "$MODE" in
    db) bench_db ;;
    flat) bench_flat ;;
    *) die "usage: bench/bench-mem.sh db|flat" ;;
esac
if [ "$missed" -ne 0 ]; then
    echo "bench-mem: $missed budget(s) missed" >&2
    exit 3
fi
echo "bench-mem: every budget met"
