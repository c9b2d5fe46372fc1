#!/usr/bin/env bash
# Every command honours SIGINT/SIGTERM (issue 9.6): db generate, db convert,
# db validate, merge and generate's index build at start-up each stop within
# STOP_LIMIT_MS of the signal with exit 130/143 and leave no temporary file;
# and the next run removes what a SIGKILL left. (generate's day loop is in
# faults.sh.)
. "$(dirname "$0")/lib.sh"
cd "$T_TMP" || exit 1
LIMIT=${STOP_LIMIT_MS:-1000}
case "${BUILD:-build}" in build) SIZE=3000000 ;; *) SIZE=2000000 ;; esac # sanitizers are slower anyway (but a 1M convert could end under ASan before the signal: a loaded machine made it so once)

now_ms() { date +%s%3N; }
# stop_case NAME SIG CODE DIR CMD...: runs CMD, signals it once it has worked
# for a moment, and checks the exit code, the delay and DIR's temp files.
stop_case() {
    local name=$1 sig=$2 code=$3 dir=$4; shift 4
    "$@" >/dev/null 2>"$T_TMP/stop.err" &
    local pid=$! t0 t1 rc
    sleep 0.25
    if ! kill -0 $pid 2>/dev/null; then
        wait $pid
        t_fail "$name: still running after 0.25 s (make the input larger)"
        return
    fi
    t0=$(now_ms)
    kill -$sig $pid
    wait $pid
    rc=$?
    t1=$(now_ms)
    if [ $rc -ne $code ]; then
        t_fail "$name: exit $rc, want $code" "$(cat "$T_TMP/stop.err")"
    elif [ $((t1 - t0)) -gt "$LIMIT" ]; then
        t_fail "$name: stopped after $((t1 - t0)) ms (limit $LIMIT)"
    else
        t_ok "$name: exit $code after $((t1 - t0)) ms"
    fi
    grep -q "interrupted by SIG" "$T_TMP/stop.err" && t_ok "$name: says so" ||
        t_fail "$name: message" "$(cat "$T_TMP/stop.err")"
    local left
    left=$(find "$dir" -maxdepth 2 -name '.*.tmp.*' 2>/dev/null | head -n 3)
    t_check "$name: no temporary file left" test -z "$left"
}

"$CDRGEN" db generate -o big.arrow --size $SIZE --history-days 30 >/dev/null || t_fail "big.arrow"
mkdir -p g c v
stop_case "db generate, SIGINT" INT 130 g "$CDRGEN" db generate -o g/x.arrow --size $((SIZE * 3)) --history-days 365
stop_case "db generate, SIGTERM" TERM 143 g "$CDRGEN" db generate -o g/x.csv --size $((SIZE * 3)) --history-days 365
t_check "db generate: no output" test ! -e g/x.arrow -a ! -e g/x.csv
"$CDRGEN" db convert big.arrow big.csv >/dev/null || t_fail "big.csv"
stop_case "db convert, SIGTERM" TERM 143 c "$CDRGEN" db convert big.csv c/big.arrow
t_check "db convert: no output" test ! -e c/big.arrow
stop_case "db validate, SIGINT" INT 130 v "$CDRGEN" db validate big.csv
cp big.csv idx.csv
stop_case "generate's index build, SIGTERM" TERM 143 . "$CDRGEN" generate --subscriber-db idx.csv --subs 10 --out o --quiet
t_check "index build: no index left" test ! -e idx.csv.cgidx

# merge: two shards of a larger day
G=(--subs $((SIZE / 10)) --quiet --compression none)
for k in 0 1; do "$CDRGEN" generate "${G[@]}" --shard $k/2 --out m || t_fail "merge input $k"; done
stop_case "merge, SIGINT" INT 130 m "$CDRGEN" merge m
t_check "merge: no summary" test ! -e m/2025-01-01/summary.json

# what a SIGKILL leaves, the next run of the same command removes
for c in "db generate -o g/k.arrow --size $((SIZE * 3)) --history-days 365" "db convert big.csv c/k.arrow"; do
    "$CDRGEN" $c >/dev/null 2>&1 &
    pid=$!
    sleep 0.25
    kill -KILL $pid
    wait $pid 2>/dev/null
    dir=${c#* -o }
    [ "$dir" = "$c" ] && dir=c/k.arrow
    dir=$(dirname "${dir%% *}")
    left=$(find "$dir" -name '.*.tmp.*' | wc -l)
    t_check "SIGKILLed '$c' leaves a temporary file" test "$left" -ge 1
done
"$CDRGEN" db generate -o g/k.arrow --size 1000 >/dev/null || t_fail "db generate again"
"$CDRGEN" db convert big.arrow c/k.arrow >/dev/null || t_fail "db convert again"
t_check "their re-runs removed them" test -z "$(find g c -name '.*.tmp.*')"

# Issue 9.7: a database that shrinks while it is read is a one-line runtime
# error (exit 1) naming it, with nothing left behind; not a bare SIGBUS.
shrink_case() { # NAME DIR CMD...: truncates big2.arrow 0.2 s into CMD
    local name=$1 dir=$2; shift 2
    cp big.arrow big2.arrow
    "$@" >/dev/null 2>"$T_TMP/bus.err" &
    local pid=$!
    sleep 0.2
    truncate -s 1000000 big2.arrow
    wait $pid
    local rc=$?
    if [ $rc -eq 0 ]; then
        t_ok "$name: finished before the truncation (nothing to check)"
        return
    fi
    t_check "$name: exit 1 (got $rc)" test $rc -eq 1
    t_check "$name: one line naming the file" \
        test "$(wc -l <"$T_TMP/bus.err")" -eq 1 -a -n "$(grep -F 'big2.arrow' "$T_TMP/bus.err")"
    t_check "$name: no temporary file left" test -z "$(find "$dir" -maxdepth 2 -name '.*.tmp.*')"
}
mkdir -p b
shrink_case "db validate of a shrinking file" b "$CDRGEN" db validate big2.arrow
shrink_case "db convert of a shrinking file" b "$CDRGEN" db convert big2.arrow b/out.csv
t_check "db convert of a shrinking file: no output" test ! -e b/out.csv
t_done
