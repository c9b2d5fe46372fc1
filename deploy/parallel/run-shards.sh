#!/usr/bin/env bash
# Runs `cdrgen generate --shard K/N` for K = 0..N-1 with GNU parallel over ssh
# (or as N local processes with LOCAL=1, through xargs -P), gathers the shard
# outputs into OUT and runs `cdrgen merge OUT`. See docs/SCALE-OUT.md.
#
# Usage: run-shards.sh N OUT [generate flags: --subs, --seed, --days, ...]
# Env:
#   LOCAL=1            run the N shards on this machine (no ssh, no GNU parallel)
#   JOBS               shards at a time in LOCAL mode [N]
#   SSHLOGINFILE       GNU parallel --sshloginfile (lines like "8/user@host1") [hosts.txt]
#   CDRGEN             the cdrgen binary, same version on every host [cdrgen]
#   REMOTE_OUT         output directory on the remote hosts [same path as OUT]
#   SHARED=1           REMOTE_OUT is a shared file system (NFS, ...) that is OUT
#                      on this machine too: nothing to copy back
#   NO_MERGE=1         stop after generating (merge later: cdrgen merge OUT)
set -euo pipefail

usage() { sed -n '5,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
N=$1; OUT=$2; shift 2
case "$N" in ''|*[!0-9]*) echo "run-shards.sh: N must be a positive whole number, not '$N'" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] || { echo "run-shards.sh: N must be at least 1" >&2; exit 2; }
CDRGEN=${CDRGEN:-cdrgen}

if [ "${LOCAL:-0}" = 1 ]; then
    # N local processes into one OUT: the shards share OUT/.cdrgen.lock and
    # each holds its own OUT/.cdrgen.shardKKK.lock, so this is allowed.
    # xargs exits non-zero if any shard fails.
    mkdir -p "$OUT"
    seq 0 $((N - 1)) | xargs -P "${JOBS:-$N}" -I{} \
        "$CDRGEN" generate --quiet --out "$OUT" "$@" --shard "{}/$N"
else
    command -v parallel >/dev/null 2>&1 ||
        { echo "run-shards.sh: GNU parallel is not installed (apt-get install parallel), or use LOCAL=1" >&2; exit 2; }
    LOGINS=${SSHLOGINFILE:-hosts.txt}
    [ -r "$LOGINS" ] || { echo "run-shards.sh: $LOGINS: cannot read the ssh login file (set SSHLOGINFILE)" >&2; exit 2; }
    ROUT=${REMOTE_OUT:-$OUT}
    # One job per shard; --halt stops the whole run at the first failure.
    # The shard runs are independent, so a failed one can be re-run alone.
    parallel --sshloginfile "$LOGINS" --halt now,fail=1 --line-buffer --tag \
        "$CDRGEN" generate --quiet --out "$ROUT" "$@" --shard "{}/$N" ::: $(seq 0 $((N - 1)))
    if [ "${SHARED:-0}" != 1 ]; then
        # Every host wrote disjoint files (cells.csv is identical everywhere):
        # copy them all into OUT.
        mkdir -p "$OUT"
        grep -v '^[[:space:]]*\(#\|$\)' "$LOGINS" | sed 's#^[0-9]*/##' | while read -r host; do
            [ "$host" = ":" ] && { [ "$ROUT" != "$OUT" ] && cp -a "$ROUT/." "$OUT/"; continue; }
            if command -v rsync >/dev/null 2>&1; then
                rsync -a --exclude '.cdrgen*' --exclude '.*.tmp.*' "$host:$ROUT/" "$OUT/"
            else
                ssh "$host" tar -C "$ROUT" -cf - --exclude '.cdrgen*' . | tar -C "$OUT" -xf -
            fi
        done
    fi
fi
[ "${NO_MERGE:-0}" = 1 ] || "$CDRGEN" merge "$OUT"
