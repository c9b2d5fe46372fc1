#!/usr/bin/env bash
# `make bench-parquet`: the targets of --format parquet, in one run of one
# build: CSV zstd and Parquet zstd of the same job alternately (several
# rounds, medians), their bundle sizes, then DuckDB's
#   SELECT event_type, count(*), sum(duration_sec) ... GROUP BY 1
# over the day's .csv.zst bundle and over its .parquet (best of 3 each,
# @duckdb/node-api of tests/interop). Prints the ratios parquet / csv.
# Env: BUILD [build], BENCH_BIN [$BUILD/cdrgen], BENCH_ROUNDS [3],
# BENCH_SUBS [1000000], BENCH_WORKERS [2], BENCH_DIR [/tmp].
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BUILD=${BUILD:-build}
BIN=${BENCH_BIN:-$REPO/$BUILD/cdrgen}
ROUNDS=${BENCH_ROUNDS:-3}
SUBS=${BENCH_SUBS:-1000000}
WORKERS=${BENCH_WORKERS:-2}
ROOT=${BENCH_DIR:-/tmp}
die() { echo "bench-parquet: $*" >&2; exit 1; }
case "$ROUNDS" in ''|*[!0-9]*|0) die "BENCH_ROUNDS: '$ROUNDS' is not a count >= 1" ;; esac
case "$SUBS" in ''|*[!0-9]*) die "BENCH_SUBS: '$SUBS' is not a number" ;; esac
[ -x "$BIN" ] || die "$BIN not found: build it first"
/usr/bin/time -v true >/dev/null 2>&1 || die "/usr/bin/time with -v (GNU time) is required"
I=$REPO/tests/interop
if [ ! -f "$I/node_modules/.package-lock.json" ] || [ "$I/package-lock.json" -nt "$I/node_modules/.package-lock.json" ]; then
    (cd "$I" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in tests/interop failed"
fi
WORK=$(mktemp -d "$ROOT/cdrgen-pq.XXXXXX") || die "cannot create a directory under $ROOT"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# run NAME ARGS... -> "wall cpu rss_kib bytes" appended to $WORK/NAME.txt; keeps OUT as $WORK/NAME
run() {
    local name=$1; shift
    rm -rf "$WORK/$name"
    /usr/bin/time -v -o "$WORK/time" "$BIN" generate --subs "$SUBS" --start 2025-01-15 --workers "$WORKERS" \
        --quiet --layout bundle --out "$WORK/$name" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; die "generate $* failed"; }
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + a[i] }
        /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
        END { printf "%.3f %.3f %d ", w, u + s, r }' "$WORK/time" >>"$WORK/$name.txt"
    stat -c %s "$WORK/$name"/cdr_* >>"$WORK/$name.txt"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$WORK/$1.txt" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (a > 0 ? "%.3f" : "-"), b / a }'; }

echo "$SUBS subscribers x 1 day, --workers $WORKERS, $ROUNDS rounds alternating csv/parquet, medians"
: >"$WORK/csv.txt"; : >"$WORK/pq.txt"
for ((r = 0; r < ROUNDS; r++)); do
    run csv --compression zstd
    run pq --format parquet --compression zstd
done
fmt='| %-16s | %9s | %9s | %7s |\n'
printf "$fmt" measure "csv zstd" "parquet" ratio
printf "$fmt" --- ---: ---: ---:
for m in "wall s:1" "CPU s:2" "peak RSS KiB:3" "day bytes:4"; do
    n=${m%%:*} c=${m##*:}
    a=$(col csv "$c") b=$(col pq "$c")
    printf "$fmt" "$n" "$a" "$b" "$(ratio "$a" "$b")"
done
q() { node "$I/parquet_duck.mjs" time "$1"; }
qc=$(q "$WORK"/csv/cdr_*.csv.zst) qp=$(q "$WORK"/pq/cdr_*.parquet)
tc=${qc%% *} tp=${qp%% *}
printf "$fmt" "duckdb GROUP BY s" "$tc" "$tp" "$(ratio "$tc" "$tp")"
echo
echo "csv:     ${qc#* }"
echo "parquet: ${qp#* }"
[ "${qc#* }" = "${qp#* }" ] && echo "the two queries agree" || die "the queries disagree"
awk -v a="$tc" -v b="$tp" 'BEGIN { printf "parquet scans %.1fx faster\n", a / b }'
