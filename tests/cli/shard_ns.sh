#!/usr/bin/env bash
# Shards running at the same time into one OUT, each in its own PID namespace
# (every cdrgen is pid 1, as in a pod) and UTS namespace (another host name),
# as on a shared volume (issue 9.2): neither may remove the other's live
# temporary files; merged, they equal the single run. Repeated ROUNDS times,
# shard 0 starting while shard 1 is mid-part. Needs root for unshare.
. "$(dirname "$0")/lib.sh"
cd "$T_TMP" || exit 1
ROUNDS=${SHARD_NS_ROUNDS:-20}
G=(--subs 40000 --days 2 --seed 3 --quiet --workers 1 --rotate-bytes 4000000 --compression zstd)

if ! unshare --pid --fork --mount-proc --uts true 2>/dev/null; then
    # Not a pass: CI runs as root where this works; say so loudly.
    t_fail "unshare --pid --fork --mount-proc --uts (needs root)"
    t_done
    exit
fi
run_ns() { # HOST ARGS...: cdrgen as pid 1 of a new PID namespace, host name HOST
    local host=$1; shift
    unshare --pid --fork --kill-child --mount-proc --uts \
        sh -c 'hostname "$0"; exec "$@"' "$host" "$CDRGEN" "$@"
}
t_check "pid 1 inside" test "$(unshare --pid --fork --mount-proc sh -c 'echo $$')" = 1

"$CDRGEN" generate "${G[@]}" --out ref || t_fail "reference run"
zstd -qdc ref/cdr_2025-01-01.csv.zst >ref1.csv
zstd -qdc ref/cdr_2025-01-02.csv.zst >ref2.csv

bad=0
for r in $(seq 1 "$ROUNDS"); do
    rm -rf out
    mkdir out
    run_ns host-b generate "${G[@]}" --out out --shard 1/2 2>s1.err &
    p1=$!
    # Start shard 0 as soon as shard 1 has a live temporary part.
    for _ in $(seq 1 400); do
        ls out/2025-01-01/.cdr_2025-01-01_shard001_part*.tmp.* >/dev/null 2>&1 && break
        sleep 0.01
    done
    run_ns host-a generate "${G[@]}" --out out --shard 0/2 2>s0.err &
    p0=$!
    wait $p1
    rc1=$?
    wait $p0
    rc0=$?
    if [ $rc0 -ne 0 ] || [ $rc1 -ne 0 ]; then
        bad=$((bad + 1))
        echo "round $r: shard 0 exit $rc0 ($(cat s0.err)), shard 1 exit $rc1 ($(cat s1.err))" >&2
        continue
    fi
    if ! "$CDRGEN" merge out >/dev/null 2>merge.err; then
        bad=$((bad + 1))
        echo "round $r: merge: $(cat merge.err)" >&2
        continue
    fi
    if ! zstd -qdc out/cdr_2025-01-01.csv.zst | cmp -s - ref1.csv ||
        ! zstd -qdc out/cdr_2025-01-02.csv.zst | cmp -s - ref2.csv; then
        bad=$((bad + 1))
        echo "round $r: merged bundle differs from the single run" >&2
        continue
    fi
    left=$(find out -name '.*.tmp.*' | head -n 3)
    if [ -n "$left" ]; then
        bad=$((bad + 1))
        echo "round $r: temporary files left: $left" >&2
    fi
done
t_check "$ROUNDS rounds of two concurrent shards in separate PID/UTS namespaces: merged = single run" \
    test "$bad" -eq 0

# A SIGKILLed shard's leftovers are removed by its re-run, while the other
# shard, live in another namespace, keeps its own.
rm -rf out
mkdir out
# exec: $! is unshare itself, whose death SIGKILLs its namespace (--kill-child)
(exec unshare --pid --fork --kill-child --mount-proc --uts \
    sh -c 'hostname host-b; exec "$@"' sh "$CDRGEN" generate "${G[@]}" --out out --shard 1/2 2>/dev/null) &
p1=$!
for _ in $(seq 1 400); do
    ls out/2025-01-01/.cdr_2025-01-01_shard001_part*.tmp.* >/dev/null 2>&1 && break
    sleep 0.01
done
kill -KILL $p1 2>/dev/null
wait $p1 2>/dev/null
dead=$(ls -A out/2025-01-01/ | grep -c '^\.cdr_2025-01-01_shard001_.*\.tmp\.')
t_check "a SIGKILLed shard leaves a temporary part" test "$dead" -ge 1
run_ns host-a generate "${G[@]}" --out out --shard 0/2 2>/dev/null &&
    run_ns host-c generate "${G[@]}" --out out --shard 1/2 2>/dev/null || t_fail "re-runs"
t_check "its re-run (another host name) removed it" \
    test -z "$(find out -name '.*.tmp.*')"
"$CDRGEN" merge out >/dev/null 2>&1 && zstd -qdc out/cdr_2025-01-01.csv.zst | cmp -s - ref1.csv
t_check "then merged = single run" test $? -eq 0
t_done
