#!/usr/bin/env bash
# The seed's memory profile for cdrgen: runs its flat command line (SUBS
# subscribers of test_db_1m.arrow, one day, test_config.yaml, seed 42) under
# heaptrack, prints the heaptrack_print headline and the top peak allocators,
# then measures peak RSS with GNU time in a run without heaptrack.
#
# Usage: scripts/profile_heaptrack.sh [SUBS [OUTDIR]]   (1000000, prof_output)
# Env: PROFILE_BUILD [build-prof] build dir (built with `make OPT=-O2`, -g is
#      always on); PROFILE_DB [test_db_1m.arrow], `none` = synthetic mode;
#      PROFILE_CONFIG [test_config.yaml]; PROFILE_RSS [1], 0 skips the GNU time
#      run; PROFILE_KEEP_ZST [0], 1 keeps heaptrack's .zst instead of a .gz copy;
#      KEEP_CDR [0], 1 keeps the generated CDRs in OUTDIR.
set -euo pipefail

SUBS=${1:-1000000}
OUTDIR=${2:-prof_output}
case "$SUBS" in ''|*[!0-9]*) echo "profile: SUBS must be a number of subscribers, got '$SUBS'" >&2; exit 2 ;; esac
case "$OUTDIR" in /*) ;; *) OUTDIR=$PWD/$OUTDIR ;; esac # relative to the caller
cd "$(dirname "$(readlink -f "$0")")/.."
ROOT=$PWD

BUILD=${PROFILE_BUILD:-build-prof}
BIN=$ROOT/$BUILD/cdrgen
DB=${PROFILE_DB:-test_db_1m.arrow}
CFG=${PROFILE_CONFIG:-test_config.yaml}
START=2024-01-03
SUPP=$ROOT/bench/heaptrack.supp

die() { echo "profile: $*" >&2; exit 1; }

command -v heaptrack >/dev/null 2>&1 && command -v heaptrack_print >/dev/null 2>&1 ||
    die "heaptrack not found: install it with 'sudo apt-get install heaptrack' (or 'make deps')"
inputs=("$CFG")
[ "$DB" = none ] || inputs+=("$DB")
for f in "${inputs[@]}"; do
    [ -f "$f" ] || die "$f not found in $ROOT: run 'make test-data' first"
done

echo "profile: building $BUILD/cdrgen (-O2 -g)"
make --no-print-directory -s BUILD="$BUILD" OPT=-O2 "$BUILD/cdrgen" >/dev/null ||
    die "build failed: run 'make BUILD=$BUILD OPT=-O2' to see why"

args=(--subs "$SUBS" --start "$START" --days 1 --out "$OUTDIR")
[ "$DB" = none ] || args+=(--subscriber-db "$DB")
args+=(--config "$CFG" --seed 42)
mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"

# The first database run builds the lookup index beside the database (in a
# container too, where only the .arrow file is mounted), and a run after the
# database changed rebuilds it; do that outside the profile so that it
# measures generation. Cheap when the index is current.
if [ "$DB" != none ]; then
    warm=$(mktemp -d "${TMPDIR:-/tmp}/cdrgen-warm.XXXXXX")
    "$BIN" generate --subscriber-db "$DB" --subs 1 --days 1 --start "$START" \
        --out "$warm" --quiet >/dev/null 2>&1 || true
    rm -rf "$warm"
fi

# heaptrack.out.ID.gz is the data (the seed's glob); profile.ID.* the rest.
id=$(date +%Y%m%dT%H%M%S).$SUBS
base=$OUTDIR/heaptrack.out.$id
log=$OUTDIR/profile.$id.log
echo "profile: heaptrack $BUILD/cdrgen ${args[*]}"
if ! heaptrack -o "$base" "$BIN" "${args[@]}" >"$log" 2>&1; then
    sed 's/^/  | /' "$log" >&2
    rm -f "$base.zst" "$base.gz" "$base" # no data file of a failed run for the glob to pick up
    die "the profiled run failed (log: $log)"
fi
# heaptrack appends .zst when it was built with zstd (Debian 12's 1.4 is),
# else .gz; heaptrack_print reads both.
file=""
for ext in .zst .gz ""; do
    if [ -f "$base$ext" ]; then file=$base$ext; break; fi
done
[ -n "$file" ] || die "heaptrack wrote no $base.zst or $base.gz (log: $log)"
if grep -q '^cdrgen: ' "$log"; then
    grep '^cdrgen: ' "$log" | sed 's/^/  | /' >&2
fi
# The seed's commands read prof_output/heaptrack.out.*.gz: recompress unless
# asked to keep the native .zst.
if [ "${file##*.}" = zst ] && [ "${PROFILE_KEEP_ZST:-0}" != 1 ] && command -v zstd >/dev/null 2>&1; then
    zstd -q -dc "$file" | gzip -1 >"$base.gz.tmp" && mv -f "$base.gz.tmp" "$base.gz" && rm -f "$file" && file=$base.gz
fi

report=$OUTDIR/profile.$id.txt
heaptrack_print --suppressions "$SUPP" --print-leaks 1 -f "$file" >"$report" 2>/dev/null ||
    die "heaptrack_print could not read $file"
show() { echo "${1#"$ROOT"/}"; } # paths under the project root, relative
# A line heaptrack_print leaves out (e.g. 'suppressed leaks' when nothing
# leaked) is empty here, never a failure under set -e/pipefail.
summary() { grep -m1 "^$1: " "$report" | sed "s/^$1: //" || true; }

echo
echo "heaptrack: $(show "$file") (full report: $(show "$report"))"
echo "  peak heap memory consumption:  $(summary 'peak heap memory consumption')"
echo "  calls to allocation functions: $(summary 'calls to allocation functions')"
echo "  temporary allocations:         $(summary 'temporary memory allocations')"
supp=$(summary 'suppressed leaks') # the line is absent when nothing matched
echo "  total memory leaked:           $(summary 'total memory leaked') (glibc's own, suppressed: ${supp:-0B}; see bench/heaptrack.supp)"
echo "  peak RSS incl. heaptrack:      $(summary 'peak RSS (including heaptrack overhead)')"
echo "top 5 allocators by peak consumption:"
awk -v n=5 -f "$ROOT/scripts/heaptrack-top.awk" "$report"

if [ "${PROFILE_RSS:-1}" != 0 ]; then
    if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
        tlog=$OUTDIR/profile.$id.time
        if /usr/bin/time -v -o "$tlog" "$BIN" "${args[@]}" >/dev/null 2>&1; then
            kb=$(grep -F 'Maximum resident set size' "$tlog" | sed 's/.*: *//')
            wall=$(grep -F 'Elapsed (wall clock)' "$tlog" | sed 's/^.*): *//')
            awk -v kb="$kb" -v w="$wall" 'BEGIN { printf "peak RSS without heaptrack (GNU time -v): %.1f MiB (%d KiB), wall %s\n", kb / 1024, kb, w }'
        else
            echo "peak RSS: the run under /usr/bin/time failed (see $tlog)"
        fi
    else
        echo "peak RSS: skipped, GNU time is missing: sudo apt-get install time (or make deps)"
    fi
fi

if [ "${KEEP_CDR:-0}" != 1 ]; then
    # Only what this run generated; heaptrack files stay.
    rm -rf "${OUTDIR:?}/$START" "$OUTDIR"/cdr_"$START".csv* "$OUTDIR/cells.csv" "$OUTDIR/.cdrgen.lock"
fi
echo
echo "more: heaptrack_print $(show "$file") | less    (or heaptrack_gui $(show "$file"))"
