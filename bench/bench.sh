#!/usr/bin/env bash
# `make bench`: runs `cdrgen generate` for each subscriber count and codec
# under GNU time, prints one table row per run with its targets, checks that
# the day bundle holds header + every counted row, and deletes the output.
# Env: BUILD (build dir, binary $BUILD/cdrgen), BENCH_SUBS ["100000 1000000"],
# BENCH_CODECS ["gzip zstd none"], BENCH_WORKERS [2], BENCH_DIR [/tmp] (where
# the output goes: a 1M-subscriber uncompressed run writes several GB),
# BENCH_STRICT=1 to exit 3 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
BIN=$BUILD/cdrgen
SUBS=${BENCH_SUBS:-"100000 1000000"}
CODECS=${BENCH_CODECS:-"gzip zstd none"}
WORKERS=${BENCH_WORKERS:-2}
ROOT=${BENCH_DIR:-/tmp}
DAY=2025-01-15
# Targets (docs/BENCHMARKS.md): wall seconds for 1M subscribers, and peak RSS.
TARGET_WALL_1M_gzip=10
TARGET_WALL_1M_zstd=6
TARGET_RSS_MIB=64

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$BIN" ] || die "$BIN not found: build it first (make BUILD=$BUILD)"
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 ||
    die "/usr/bin/time with -v (GNU time) is required: apt-get install time"
for tool in gzip zstd awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
mkdir -p "$ROOT" || die "cannot create BENCH_DIR $ROOT"
WORK=$(mktemp -d "$ROOT/cdrgen-bench.XXXXXX") || die "cannot create a directory under $ROOT"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# Seconds from GNU time's "h:mm:ss" or "m:ss.cc".
to_seconds() {
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else if (NF == 2) print $1 * 60 + $2; else print $1 }' <<<"$1"
}

# Value of a "Label: value" line of a GNU time -v report.
time_field() {
    local label=$1 file=$2
    grep -F "$label" "$file" | head -n 1 | sed 's/.*: *//'
}

# Integer value of "key": N in a one-line JSON object.
json_int() {
    local key=$1 file=$2 v
    v=$(grep -o "\"$key\"[[:space:]]*:[[:space:]]*[0-9][0-9]*" "$file" | head -n 1 | grep -o '[0-9][0-9]*$') || true
    [ -n "$v" ] || die "$file: no integer \"$key\""
    echo "$v"
}

ext_of() {
    case "$1" in gzip) echo .gz ;; zstd) echo .zst ;; none) echo "" ;; *) die "BENCH_CODECS: unknown codec '$1' (gzip, zstd, none)" ;; esac
}

for subs in $SUBS; do
    case "$subs" in ''|*[!0-9]*) die "BENCH_SUBS: '$subs' is not a number" ;; esac
done
for codec in $CODECS; do ext_of "$codec" >/dev/null; done

cpu_model=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
echo "cdrgen benchmark: $("$BIN" --version 2>/dev/null | head -n 1 || echo "version unknown")"
echo "machine: $(nproc) CPUs${cpu_model:+, $cpu_model}; --workers $WORKERS; day $DAY; output under $ROOT"
echo "targets: 1M gzip wall <= ${TARGET_WALL_1M_gzip} s, 1M zstd wall <= ${TARGET_WALL_1M_zstd} s, peak RSS <= ${TARGET_RSS_MIB} MiB"
echo "MB = 10^6 bytes; uncompressed MB/s = decompressed day bundle / wall; compressed MB/s = bundle file / wall"
echo
fmt='| %9s | %5s | %7s | %7s | %11s | %11s | %11s | %10s | %8s | %-44s |\n'
printf "$fmt" subs codec "wall s" "CPU s" rows "rows/CPU-s" "uncomp MB/s" "comp MB/s" "RSS MiB" "targets"
printf "$fmt" "---:" "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---"

missed=0
for subs in $SUBS; do
    for codec in $CODECS; do
        ext=$(ext_of "$codec")
        out=$WORK/out
        rm -rf "$out"
        rc=0
        /usr/bin/time -v -o "$WORK/time.txt" \
            "$BIN" generate --subs "$subs" --days 1 --start "$DAY" --out "$out" \
            --compression "$codec" --workers "$WORKERS" --quiet \
            >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
        if [ "$rc" -ne 0 ]; then
            echo "bench: cdrgen failed (exit $rc): $BIN generate --subs $subs --days 1 --start $DAY --out $out --compression $codec --workers $WORKERS --quiet" >&2
            sed 's/^/    | /' "$WORK/stderr" | tail -n 20 >&2
            grep -F 'terminated by signal' "$WORK/time.txt" >&2 || true
            exit 1
        fi
        day=$out/$DAY
        [ -f "$day/summary.json" ] || die "$day/summary.json missing after a successful run: the day is not complete"
        bundle=$out/cdr_$DAY.csv$ext
        [ -f "$bundle" ] || die "$bundle missing after a successful run"

        wall=$(to_seconds "$(time_field 'Elapsed (wall clock) time' "$WORK/time.txt")")
        user=$(time_field 'User time (seconds)' "$WORK/time.txt")
        sys=$(time_field 'System time (seconds)' "$WORK/time.txt")
        rss_kb=$(time_field 'Maximum resident set size (kbytes)' "$WORK/time.txt")
        calls=$(json_int total_calls "$day/summary.json")
        sms=$(json_int total_sms "$day/summary.json")
        data=$(json_int total_data "$day/summary.json")
        rows=$((calls + sms + data))

        comp_bytes=$(stat -c %s "$bundle")
        # One pass over the bundle gives both its uncompressed size and its
        # line count, which must be the header plus every counted row.
        case "$codec" in
            gzip) read -r lines ubytes < <(gzip -dc "$bundle" | wc -lc) ;;
            zstd) read -r lines ubytes < <(zstd -qdc "$bundle" | wc -lc) ;;
            none) read -r lines ubytes < <(wc -lc <"$bundle") ;;
        esac

        targets=""
        note() { targets="${targets:+$targets, }$1"; }
        tw_var=TARGET_WALL_1M_$codec
        if [ "$subs" -eq 1000000 ] && [ -n "${!tw_var:-}" ]; then
            if awk -v w="$wall" -v t="${!tw_var}" 'BEGIN { exit !(w <= t) }'; then
                note "wall<=${!tw_var}s ok"
            else
                note "wall<=${!tw_var}s MISSED"; missed=$((missed + 1))
            fi
        fi
        if [ "$rss_kb" -le $((TARGET_RSS_MIB * 1024)) ]; then
            note "rss<=${TARGET_RSS_MIB}MiB ok"
        else
            note "rss<=${TARGET_RSS_MIB}MiB MISSED"; missed=$((missed + 1))
        fi
        if [ "$lines" -ne $((rows + 1)) ]; then
            note "BUNDLE HAS $lines LINES, WANT $((rows + 1))"; missed=$((missed + 1))
        fi

        awk -v subs="$subs" -v codec="$codec" -v wall="$wall" -v user="$user" -v sys="$sys" \
            -v rows="$rows" -v ub="$ubytes" -v cb="$comp_bytes" -v rss="$rss_kb" \
            -v tg="$targets" -v fmt="$fmt" 'BEGIN {
                cpu = user + sys; w = (wall > 0 ? wall : 0.01); c = (cpu > 0 ? cpu : 0.01)
                printf fmt, subs, codec, sprintf("%.2f", wall), sprintf("%.2f", cpu), rows,
                       sprintf("%.0f", rows / c), sprintf("%.1f", ub / 1e6 / w),
                       sprintf("%.1f", cb / 1e6 / w), sprintf("%.1f", rss / 1024), tg
            }'
        rm -rf "$out"
    done
done
echo
if [ "$missed" -ne 0 ]; then
    echo "bench: $missed target(s) missed"
    [ "${BENCH_STRICT:-0}" = 1 ] && exit 3
else
    echo "bench: all targets met"
fi
exit 0
