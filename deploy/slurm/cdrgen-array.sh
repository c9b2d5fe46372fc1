#!/usr/bin/env bash
#SBATCH --job-name=cdrgen
#SBATCH --cpus-per-task=4
#SBATCH --mem=1G
#SBATCH --output=cdrgen-%A_%a.log
# A Slurm job array of `cdrgen generate --shard K/N`, one array task per
# shard, plus a merge job that runs once every task has succeeded
# (--dependency=afterok). OUT must be on a file system every node mounts.
# See docs/SCALE-OUT.md.
#
#   OUT=/shared/cdr CDRGEN=/shared/bin/cdrgen \
#     deploy/slurm/cdrgen-array.sh submit N --subs 100000000 --days 7 --seed 42
#
# submits `sbatch --array=0-(N-1) cdrgen-array.sh FLAGS...` and
# `sbatch --dependency=afterok:JOB cdrgen-array.sh merge`. Inside an array
# task the script runs shard SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT;
# you can run a task by hand the same way:
#   SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=8 OUT=... cdrgen-array.sh FLAGS...
# Env: OUT [cdr-out], CDRGEN [cdrgen], SBATCH [sbatch].
set -euo pipefail
OUT=${OUT:-cdr-out}
CDRGEN=${CDRGEN:-cdrgen}

case "${1:-}" in
submit)
    [ $# -ge 2 ] || { echo "usage: $0 submit N [generate flags]" >&2; exit 2; }
    N=$2; shift 2
    case "$N" in ''|*[!0-9]*|0) echo "$0: N must be a whole number >= 1, not '$N'" >&2; exit 2 ;; esac
    # The array must be exactly 0..N-1 (no step), so that the task count is
    # the shard count. sbatch exports OUT and CDRGEN to the jobs (--export=ALL).
    export OUT CDRGEN
    jid=$(${SBATCH:-sbatch} --parsable --array="0-$((N - 1))" "$0" "$@")
    jid=${jid%%;*}
    ${SBATCH:-sbatch} --parsable --job-name=cdrgen-merge --dependency="afterok:$jid" \
        --array=0-0 "$0" merge
    exit 0
    ;;
merge)
    # Submitted with --array=0-0 only so that --output's %a expands.
    exec "$CDRGEN" merge "$OUT"
    ;;
esac

: "${SLURM_ARRAY_TASK_ID:?not inside a Slurm array task (use: $0 submit N FLAGS...)}"
: "${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is not set}"
K=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
# --workers does not change the output; use the CPUs Slurm gave the task.
exec "$CDRGEN" generate --quiet --out "$OUT" --workers "${SLURM_CPUS_PER_TASK:-0}" \
    --shard "$K/$SLURM_ARRAY_TASK_COUNT" "$@"
