#!/usr/bin/env bash
# The ground truth OUT/subscribers.csv (issue 12, FORMAT.md): one row per
# subscriber with its number as the CDRs write it; households share a home
# cell; the 3 shards' files merged are the unsharded file byte for byte;
# merge refuses a missing shard file; it does not depend on --workers.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
cd "$T_TMP" || exit 1
GEN=(--subs 3000 --days 1 --start 2025-03-03 --seed 11 --quiet)
"$CDRGEN" generate "${GEN[@]}" --out u --workers 1 || t_fail "unsharded"
"$CDRGEN" generate "${GEN[@]}" --out w --workers 3 || t_fail "3 workers"
t_check "header" test "$(head -n 1 u/subscribers.csv)" = \
    "msisdn,profile,activity_calls,activity_sms,activity_data,sociability,home_cell,work_cell,place,household,workplace,circle_neighbourhood,circle_town"
t_check "one row per subscriber" test "$(tail -n +2 u/subscribers.csv | wc -l)" -eq 3000
t_check "numbers unique" test "$(tail -n +2 u/subscribers.csv | cut -d, -f1 | sort -u | wc -l)" -eq 3000
t_check "workers do not change it" cmp -s u/subscribers.csv w/subscribers.csv
# Every owner of a record is in the file, and every number in it owns a record
# or is silent that day (never an off-net number).
gzip -dc u/cdr_2025-03-03.csv.gz | tail -n +2 |
    awk -F';' '{ print ($4 == "MT" ? $3 : $2) }' | sort -u >owners
tail -n +2 u/subscribers.csv | cut -d, -f1 | sort >numbers
t_check "owners are subscribers" test "$(comm -23 owners numbers | wc -l)" -eq 0
# Members of a household share the home cell.
t_check "households share a home" test "$(tail -n +2 u/subscribers.csv |
    awk -F, '{ k = $10; if (k in h && h[k] != $7) bad++; h[k] = $7 } END { print bad + 0 }')" -eq 0
t_check "most are in households of 2 or more" test "$(tail -n +2 u/subscribers.csv |
    awk -F, '{ n[$10]++ } END { for (k in n) if (n[k] > 1) s += n[k]; print s }')" -gt 1200
# Profiles: the built-in ones, each present.
for p in office_worker student retiree heavy_traveler small_business at_home light_user; do
    t_check "profile $p present" grep -q ",$p," u/subscribers.csv
done
# Sharded: three shard files, merged like the parts.
for k in 0 1 2; do
    "$CDRGEN" generate "${GEN[@]}" --out s --shard $k/3 || t_fail "shard $k"
done
t_check "no merged file before merge" test ! -e s/subscribers.csv
t_check "shard files" test -s s/subscribers_shard000.csv -a -s s/subscribers_shard002.csv
"$CDRGEN" merge s >/dev/null || t_fail "merge"
t_check "merged = unsharded" cmp -s s/subscribers.csv u/subscribers.csv
rm s/subscribers_shard001.csv s/subscribers.csv
t_expect "a missing shard file" 1 "subscribers_shard001.csv: cannot open" -- "$CDRGEN" merge s
t_done
