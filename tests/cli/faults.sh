#!/usr/bin/env bash
# Fault tests of generate (docs/RELIABILITY.md): a full disk, a read-only
# output directory, SIGINT/SIGTERM and SIGKILL in the middle of a day, and two
# concurrent runs into one directory. After each: the right exit code and
# message, no summary.json for the unfinished day, no temporary file left
# (except after SIGKILL, whose leftovers the next run removes), every file
# under a final name decompresses, and a re-run gives the clean-run output.
# Needs root (mount); skipped otherwise. FAULT_REPEAT=N repeats the whole set.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
REPEAT=${FAULT_REPEAT:-1}
MNT="$T_TMP/mnt"
mounted=()

cleanup() {
    local m
    for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    rm -rf "$T_TMP"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
    echo "skip: faults.sh needs root (mount)"
    t_done
    exit
fi
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=3m tmpfs "$MNT" 2>/dev/null; then
    echo "skip: cannot mount a tmpfs here"
    t_done
    exit
fi
mounted+=("$MNT")

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Temporary files (".NAME.tmp.PID") anywhere under DIR.
tmp_files() { find "$1" -name '.*.tmp.*' 2>/dev/null; }

# Every part and bundle under a final name must be a complete file of its
# codec; prints the ones that are not.
broken_files() {
    local f
    find "$1" -type f \( -name 'cdr_*.gz' -o -name 'cdr_*.zst' \) ! -name '.*' | while read -r f; do
        case "$f" in
        *.gz) gzip -t "$f" 2>/dev/null || echo "$f" ;;
        *.zst) zstd -tq "$f" 2>/dev/null || echo "$f" ;;
        esac
    done
}

# Waits (up to 60 s) until a file matching the find expression exists in
# DIR or the process PID is gone; returns 1 when the process ended first.
wait_for() {
    local pid=$1 dir=$2; shift 2
    local i
    for i in $(seq 1 6000); do
        [ -n "$(find "$dir" "$@" 2>/dev/null | head -n 1)" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.01
    done
    return 1
}

# The decompressed day DAY under OUT (its bundle, or with --layout parts the
# header and every part's rows), then its summary, to compare runs.
day_digest() {
    local out=$1 day=$2 p first=1
    {
        if [ -f "$out/cdr_$day.csv.gz" ]; then
            gzip -dc "$out/cdr_$day.csv.gz"
        else
            for p in "$out/$day"/cdr_"$day"_shard000_part*.csv.gz; do
                if [ $first = 1 ]; then gzip -dc "$p"; first=0; else gzip -dc "$p" | tail -n +2; fi
            done
        fi | md5sum
        cat "$out/$day/summary.json"
    } 2>&1
}

# ---- the scenarios ----

disk_full() {
    local out="$MNT/out"
    rm -rf "$out"
    "$CDRGEN" generate --subs 20000 --rotate-bytes 400000 --out "$out" --quiet --seed 5 \
        >/dev/null 2>"$T_TMP/full.err"
    local rc=$? err
    err=$(cat "$T_TMP/full.err")
    [ "$rc" -eq 1 ] && t_ok "disk full: exit 1" || t_fail "disk full: exit 1" "exit $rc: $err"
    if [ "$(wc -l <"$T_TMP/full.err")" -eq 1 ] && grep -q "No space left on device" "$T_TMP/full.err" &&
        grep -qE "$out/[^ ]+: " "$T_TMP/full.err"; then
        t_ok "disk full: one line naming the file and ENOSPC"
    else
        t_fail "disk full: one line naming the file and ENOSPC" "$err"
    fi
    [ -z "$(find "$out" -name summary.json)" ] && t_ok "disk full: no summary.json" ||
        t_fail "disk full: no summary.json"
    local t b
    t=$(tmp_files "$out")
    [ -z "$t" ] && t_ok "disk full: no temporary file left" || t_fail "disk full: temporary files left" "$t"
    b=$(broken_files "$out")
    [ -z "$b" ] && t_ok "disk full: every final-named file decompresses" ||
        t_fail "disk full: truncated files under final names" "$b"
    rm -rf "$out"
}

read_only() {
    local ro="$T_TMP/ro" src="$T_TMP/ro-src"
    mkdir -p "$ro" "$src"
    if ! mount --bind "$src" "$ro" 2>/dev/null || ! mount -o remount,bind,ro "$ro" 2>/dev/null; then
        umount "$ro" 2>/dev/null
        echo "skip: read-only bind mount not possible here"
        return
    fi
    "$CDRGEN" generate --subs 100 --out "$ro/out" --quiet >/dev/null 2>"$T_TMP/ro.err"
    local rc=$?
    umount "$ro"
    if [ "$rc" -eq 1 ] && [ "$(wc -l <"$T_TMP/ro.err")" -eq 1 ] &&
        grep -q "$ro/out.*Read-only file system" "$T_TMP/ro.err"; then
        t_ok "read-only output directory: exit 1 naming it"
    else
        t_fail "read-only output directory: exit 1 naming it" "exit $rc: $(cat "$T_TMP/ro.err")"
    fi
}

# kill -SIG mid-day: exit 128+sig within a second, nothing temporary or
# complete-looking left.
interrupt() {
    local sig=$1 want=$2 out="$T_TMP/int-$1"
    rm -rf "$out"
    "$CDRGEN" generate --subs 1000000 --out "$out" --quiet --seed 5 >/dev/null 2>"$T_TMP/int.err" &
    local pid=$!
    if ! wait_for "$pid" "$out" -name '.cdr_*.tmp.*'; then
        wait "$pid"
        t_fail "SIG$sig: the run ended before the signal could be sent"
        return
    fi
    sleep 0.3 # well inside the day: blocks in flight in every worker
    local t0 t1 rc
    t0=$(now_ms)
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    t1=$(now_ms)
    echo "SIG$sig: exited $((t1 - t0)) ms after the signal"
    STOP_MS+=("$((t1 - t0))")
    [ "$rc" -eq "$want" ] && t_ok "SIG$sig: exit $want" || t_fail "SIG$sig: exit $want" "exit $rc: $(cat "$T_TMP/int.err")"
    [ "$((t1 - t0))" -le "${FAULT_STOP_LIMIT_MS:-1000}" ] && t_ok "SIG$sig: stopped within ${FAULT_STOP_LIMIT_MS:-1000} ms" ||
        t_fail "SIG$sig: stopped within ${FAULT_STOP_LIMIT_MS:-1000} ms" "took $((t1 - t0)) ms"
    if [ "$(wc -l <"$T_TMP/int.err")" -eq 1 ] && grep -q "interrupted by SIG$sig" "$T_TMP/int.err"; then
        t_ok "SIG$sig: one line saying so"
    else
        t_fail "SIG$sig: one line saying so" "$(cat "$T_TMP/int.err")"
    fi
    local t b
    t=$(tmp_files "$out")
    [ -z "$t" ] && t_ok "SIG$sig: no temporary file left" || t_fail "SIG$sig: temporary files left" "$t"
    [ -z "$(find "$out" -name summary.json -o -name 'cdr_????-??-??.csv*')" ] &&
        t_ok "SIG$sig: no summary.json, no bundle" || t_fail "SIG$sig: summary or bundle written"
    b=$(broken_files "$out")
    [ -z "$b" ] && t_ok "SIG$sig: every final-named part decompresses" ||
        t_fail "SIG$sig: truncated parts under final names" "$b"
    rm -rf "$out"
}

ARGS=(--subs 100000 --rotate-bytes 4000000 --seed 9 --quiet)
reference() {
    rm -rf "$T_TMP/ref"
    "$CDRGEN" generate "${ARGS[@]}" --out "$T_TMP/ref" >/dev/null 2>&1 || { t_fail "reference run"; return 1; }
    REF=$(day_digest "$T_TMP/ref" 2025-01-01)
}

# SIGKILL mid-day with --layout LAYOUT: nothing complete-looking (summary,
# bundle, broken part) is left, and the re-run equals a clean run.
sigkill_resume() {
    local layout=$1 out="$T_TMP/kill-$1" n="SIGKILL (--layout $1)"
    rm -rf "$out"
    "$CDRGEN" generate "${ARGS[@]}" --layout "$layout" --out "$out" >/dev/null 2>&1 &
    local pid=$!
    # mid-day: some parts are final and one is being written, or the bundle
    # is half written
    local mid=(-name 'cdr_*_part001.csv.gz')
    [ "$layout" = bundle ] && mid=(-maxdepth 1 -name '.cdr_*.tmp.*' -size +1M)
    if ! wait_for "$pid" "$out" "${mid[@]}"; then
        wait "$pid"
        t_fail "$n: the run ended before the signal could be sent"
        return
    fi
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    [ -z "$(find "$out" -name summary.json)" ] && t_ok "$n: no summary.json" ||
        t_fail "$n: summary.json of a killed run"
    [ -z "$(find "$out" -maxdepth 1 -name 'cdr_*')" ] && t_ok "$n: no bundle" ||
        t_fail "$n: a bundle of a killed run"
    local b
    b=$(broken_files "$out")
    [ -z "$b" ] && t_ok "$n: every final-named part decompresses" ||
        t_fail "$n: truncated parts under final names" "$b"
    local stale
    stale=$(tmp_files "$out" | grep -c .)
    t_check "$n: killed while writing (its temporary files are left: $stale)" test "$stale" -ge 1
    "$CDRGEN" generate "${ARGS[@]}" --layout "$layout" --out "$out" >/dev/null 2>"$T_TMP/kill.err"
    local rc=$?
    [ "$rc" -eq 0 ] && t_ok "$n: re-run succeeds" || t_fail "$n: re-run succeeds" "exit $rc: $(cat "$T_TMP/kill.err")"
    [ -z "$(tmp_files "$out")" ] && t_ok "$n: re-run removed the stale temporary files" ||
        t_fail "$n: stale temporary files remain" "$(tmp_files "$out")"
    [ "$(day_digest "$out" 2025-01-01)" = "$REF" ] && t_ok "$n: re-run equals a clean run" ||
        t_fail "$n: re-run differs from a clean run"
    rm -rf "$out"
}

concurrent() {
    local out="$T_TMP/conc"
    rm -rf "$out"
    "$CDRGEN" generate "${ARGS[@]}" --out "$out" >/dev/null 2>"$T_TMP/conc1.err" &
    local pid=$!
    if ! wait_for "$pid" "$out" -name '.cdr_*.tmp.*'; then
        wait "$pid"
        t_fail "concurrent: the first run ended before the second started"
        return
    fi
    "$CDRGEN" generate "${ARGS[@]}" --out "$out" >/dev/null 2>"$T_TMP/conc2.err"
    local rc2=$? rc1
    wait "$pid"
    rc1=$?
    if [ "$rc2" -eq 1 ] && [ "$(wc -l <"$T_TMP/conc2.err")" -eq 1 ] &&
        grep -q "another cdrgen run is writing into this directory" "$T_TMP/conc2.err"; then
        t_ok "concurrent: the second run refuses (exit 1, lock message)"
    else
        t_fail "concurrent: the second run refuses" "exit $rc2: $(cat "$T_TMP/conc2.err")"
    fi
    [ "$rc1" -eq 0 ] && t_ok "concurrent: the first run succeeds" ||
        t_fail "concurrent: the first run succeeds" "exit $rc1: $(cat "$T_TMP/conc1.err")"
    [ "$(day_digest "$out" 2025-01-01)" = "$REF" ] && t_ok "concurrent: the first run's day equals a clean run" ||
        t_fail "concurrent: the first run's day differs from a clean run"
    rm -rf "$out"
}

STOP_MS=()
for pass in $(seq 1 "$REPEAT"); do
    [ "$REPEAT" -gt 1 ] && echo "--- pass $pass of $REPEAT"
    disk_full
    read_only
    interrupt INT 130
    interrupt TERM 143
    [ "$pass" -eq 1 ] && reference
    sigkill_resume both
    sigkill_resume parts
    sigkill_resume bundle
    concurrent
done
echo "stop latency after SIGINT/SIGTERM (ms): ${STOP_MS[*]}"
t_done
