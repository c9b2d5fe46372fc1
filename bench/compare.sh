#!/usr/bin/env bash
# `make bench BASE=<git ref>`: builds REF in a scratch worktree and runs it
# and the working tree's build alternately (base, new, base, new, ...) on the
# same jobs, several rounds, then prints per job the median wall, CPU and
# peak RSS of each and the ratios new/base. Alternating in one run is what
# makes a ratio meaningful on a noisy machine; a lone absolute time is not.
# Env: BUILD (the new build, $BUILD/cdrgen), BASE (the ref), BENCH_ROUNDS [5],
# BENCH_SUBS [300000], BENCH_CODECS ["gzip zstd"], BENCH_WORKERS [2],
# BENCH_DIR [/tmp], BENCH_START [2025-01-15], BENCH_DAYS [1], BENCH_NEW_ARGS (flags for the
# new build only, e.g. "--config examples/events.yaml": its CPU per row
# against the base without them).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BUILD=${BUILD:-build}
NEW=$REPO/$BUILD/cdrgen
BASE=${BASE:?BASE=<git ref> is required}
ROUNDS=${BENCH_ROUNDS:-5}
SUBS=${BENCH_SUBS:-300000}
CODECS=${BENCH_CODECS:-"gzip zstd"}
WORKERS=${BENCH_WORKERS:-2}
ROOT=${BENCH_DIR:-/tmp}
START=${BENCH_START:-2025-01-15}
DAYS=${BENCH_DAYS:-1}
read -r -a NEW_ARGS <<<"${BENCH_NEW_ARGS:-}"

die() { echo "bench: $*" >&2; exit 1; }
case "$ROUNDS" in ''|*[!0-9]*|0) die "BENCH_ROUNDS: '$ROUNDS' is not a count >= 1" ;; esac
for s in $SUBS; do case "$s" in ''|*[!0-9]*) die "BENCH_SUBS: '$s' is not a number" ;; esac; done
[ -x "$NEW" ] || die "$NEW not found: build it first"
/usr/bin/time -v true >/dev/null 2>&1 || die "/usr/bin/time with -v (GNU time) is required: apt-get install time"
rev=$(git rev-parse --verify -q "$BASE^{commit}") || die "BASE: '$BASE' is not a commit of this repository"

mkdir -p "$ROOT"
WORK=$(mktemp -d "$ROOT/cdrgen-cmp.XXXXXX") || die "cannot create a directory under $ROOT"
cleanup() {
    git -C "$REPO" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building $BASE (${rev:0:12}) in a scratch worktree ..."
git -C "$REPO" worktree add --detach "$WORK/base" "$rev" >/dev/null 2>&1 || die "git worktree add failed"
make -C "$WORK/base" -j"$(nproc)" BUILD=build >"$WORK/base-build.log" 2>&1 ||
    { tail -n 20 "$WORK/base-build.log" >&2; die "building $BASE failed"; }
OLD=$WORK/base/build/cdrgen

# run BIN JOB-ARGS... -> "wall cpu rss_kib bundle_bytes rows" on stdout
run() {
    local bin=$1; shift
    rm -rf "$WORK/out"
    /usr/bin/time -v -o "$WORK/time" "$bin" generate "$@" --out "$WORK/out" --workers "$WORKERS" \
        --quiet >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; die "$bin generate $* failed"; }
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + a[i] }
        /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
        END { printf "%.3f %.3f %d ", w, u + s, r }' "$WORK/time"
    local bsize rows
    bsize=$(stat -c %s "$WORK"/out/cdr_*.csv* | awk '{ t += $1 } END { print t + 0 }')
    rows=$(cat "$WORK"/out/*/summary.json | tr ',{}' '\n\n\n' |
        awk -F: '/"total_(calls|sms|data)"/ { t += $2 } END { print t + 0 }')
    echo "$bsize $rows"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "base: $BASE ${rev:0:12}; new: working tree ($(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo '+changes'))"
[ ${#NEW_ARGS[@]} -eq 0 ] || echo "new runs with: ${NEW_ARGS[*]}"
echo "$(nproc) CPUs, --workers $WORKERS, $ROUNDS rounds alternating base/new, medians; ratio = new / base"
echo
fmt='| %-22s | %8s | %8s | %7s | %8s | %8s | %7s | %7s | %7s | %7s |\n'
printf "$fmt" job "base wall" "new wall" ratio "base CPU" "new CPU" ratio "base RSS" "new RSS" ratio
printf "$fmt" --- ---: ---: ---: ---: ---: ---: ---: ---: ---:
extra=()
fmt2='| %-22s | %12s | %12s | %7s | %15s | %15s | %7s |\n'
for subs in $SUBS; do
    for codec in $CODECS; do
        job="--subs $subs --compression $codec --start $START --days $DAYS"
        : >"$WORK/base.txt"; : >"$WORK/new.txt"
        for ((r = 0; r < ROUNDS; r++)); do
            run "$OLD" $job >>"$WORK/base.txt"
            run "$NEW" $job "${NEW_ARGS[@]}" >>"$WORK/new.txt"
        done
        col() { awk -v c="$2" '{ print $c }' "$WORK/$1.txt" | median; }
        bw=$(col base 1) nw=$(col new 1) bc=$(col base 2) nc=$(col new 2) br=$(col base 3) nr=$(col new 3)
        ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (a > 0 ? "%.3f" : "-"), b / a }'; }
        printf "$fmt" "${subs} subs $codec" "$bw" "$nw" "$(ratio "$bw" "$nw")" "$bc" "$nc" "$(ratio "$bc" "$nc")" \
            "$((br / 1024))M" "$((nr / 1024))M" "$(ratio "$br" "$nr")"
        bs=$(col base 4) ns=$(col new 4) brows=$(col base 5) nrows=$(col new 5)
        extra+=("$(printf "$fmt2" "${subs} subs $codec" "$bs" "$ns" "$(ratio "$bs" "$ns")" \
            "$(awk -v r="$brows" -v c="$bc" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }')" \
            "$(awk -v r="$nrows" -v c="$nc" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }')" \
            "$(awk -v a="$brows" -v b="$bc" -v x="$nrows" -v y="$nc" \
                'BEGIN { if (a > 0 && y > 0) printf "%.3f", (x / y) / (a / b); else printf "-" }')")")
    done
done
echo
printf "$fmt2" job "base bytes" "new bytes" ratio "base rows/CPU-s" "new rows/CPU-s" ratio
printf "$fmt2" --- ---: ---: ---: ---: ---: ---:
for l in "${extra[@]}"; do echo "$l"; done
