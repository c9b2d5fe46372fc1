#!/usr/bin/env bash
# Multi-worker generation against --workers 1 (SPEC 6: same output for every
# worker count): gzip and zstd, two days across a DST change, part rotation
# inside blocks, and a shard. Its name holds "threads" so that `make tsan`
# (CG_TEST_FILTER=threads) runs it under ThreadSanitizer.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
cd "$T_TMP" || exit 1
GEN=(--subs 3000 --days 2 --start 2025-03-29 --rotate-bytes 150000 --seed 11 --quiet)
DAYS="2025-03-29 2025-03-30"

dc() { case "$1" in *.gz) gzip -dc "$1" ;; *.zst) zstd -qdc "$1" ;; *) cat "$1" ;; esac; }

# Every part of DIR/DAY in name order, decompressed, headers dropped.
parts() {
    local p
    for p in $(ls "$1/$2" | grep '^cdr_.*_part' | sort); do dc "$1/$2/$p" | tail -n +2; done
}

for c in gzip zstd; do
    x=$([ $c = gzip ] && echo .gz || echo .zst)
    for w in 1 4; do
        "$CDRGEN" generate "${GEN[@]}" --compression $c --workers $w --out w${w}_$c 2>w${w}_$c.err
        t_check "$c --workers $w: exit 0" test $? = 0
        t_check "$c --workers $w: stderr empty" test ! -s w${w}_$c.err
    done
    for d in $DAYS; do
        dc w1_$c/cdr_$d.csv$x >b1
        dc w4_$c/cdr_$d.csv$x >b4
        t_check "$c $d: bundle has rows" test "$(wc -l <b1)" -gt 1000
        t_check "$c $d: --workers 4 bundle = --workers 1 bundle" cmp -s b1 b4
        t_check "$c $d: several parts (rotation inside blocks)" \
            test "$(ls w4_$c/$d | grep -c '_part')" -gt 2
        t_check "$c $d: --workers 4 parts = its bundle" cmp -s <(tail -n +2 b4) <(parts w4_$c $d)
        t_check "$c $d: same summary" cmp -s w1_$c/$d/summary.json w4_$c/$d/summary.json
    done
done

# Heavy blocks (360 records a subscriber-day): a block's text is cut and
# compressed in many runs, and its compressed bytes outgrow the slot's
# fixed buffer (256 KiB; one run of text uncompressed), so the worker
# writes them ahead of the block's end at its turn (engine.c, spill).
# Every worker count writes the same bytes, and they are the rows.
printf 'avg_calls_per_user: 120\navg_sms_per_user: 120\navg_data_sessions_per_user: 120\n' >heavy.yaml
HV=(--config heavy.yaml --subs 512 --start 2025-01-15 --rotate-bytes 3000000 --seed 3 --quiet)
for c in gzip none; do
    x=$([ $c = gzip ] && echo .gz)
    for w in 1 3; do
        "$CDRGEN" generate "${HV[@]}" --compression $c --workers $w --out hv${w}_$c 2>hv${w}_$c.err
        t_check "heavy $c --workers $w: exit 0" test $? = 0
    done
    if [ $c = gzip ]; then
        t_check "heavy $c: --workers 3 bundle = --workers 1 bundle (members)" \
            gz_same hv1_$c/cdr_2025-01-15.csv$x hv3_$c/cdr_2025-01-15.csv$x
    else
        t_check "heavy $c: --workers 3 bundle = --workers 1 bundle (bytes)" \
            cmp -s hv1_$c/cdr_2025-01-15.csv$x hv3_$c/cdr_2025-01-15.csv$x
    fi
    t_check "heavy $c: --workers 3 parts = its bundle" \
        cmp -s <(dc hv3_$c/cdr_2025-01-15.csv$x | tail -n +2) <(parts hv3_$c 2025-01-15)
done
# the two blocks hold more than 2 x 256 KiB of gzip and 2 x 1 MiB of text:
# both wrote ahead
t_check "heavy: blocks outgrow the slot's gzip buffer" \
    test "$(stat -c %s hv1_gzip/cdr_2025-01-15.csv.gz)" -gt $((2 * 262144))
t_check "heavy: blocks outgrow a run of text" \
    test "$(stat -c %s hv1_none/cdr_2025-01-15.csv)" -gt $((2 * 1048576))
t_check "heavy: gzip rows = uncompressed rows" \
    cmp -s <(dc hv3_gzip/cdr_2025-01-15.csv.gz) hv1_none/cdr_2025-01-15.csv
rows=$(($(wc -l <hv1_none/cdr_2025-01-15.csv) - 1))
want=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["total_calls"]+s["total_sms"]+s["total_data"])' hv1_none/2025-01-15/summary.json)
t_check "heavy: rows = the summary's ($rows)" test "$rows" = "$want"

# A shard: --workers 4 and --workers 1 write the same part files.
for w in 1 4; do
    "$CDRGEN" generate "${GEN[@]}" --compression zstd --workers $w --shard 1/3 --out s$w 2>s$w.err
    t_check "shard 1/3 --workers $w: exit 0" test $? = 0
done
for d in $DAYS; do
    t_check "shard 1/3 $d: has rows" test "$(parts s1 $d | wc -l)" -gt 100
    t_check "shard 1/3 $d: --workers 4 parts = --workers 1 parts" cmp -s <(parts s1 $d) <(parts s4 $d)
    t_check "shard 1/3 $d: same stats" cmp -s s1/$d/stats_shard001.json s4/$d/stats_shard001.json
    t_check "shard 1/3 $d: its rows are a subset of the unsharded day" \
        test -z "$(comm -23 <(parts s4 $d | sort) <(dc w1_zstd/cdr_$d.csv.zst | tail -n +2 | sort))"
done
t_done
