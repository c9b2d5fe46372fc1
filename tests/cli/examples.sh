#!/usr/bin/env bash
# Every example of examples/ runs as it is (at a small size).
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
EX="$(cd "$(dirname "$0")/../../examples" && pwd)"
cd "$T_TMP" || exit 1
t_expect "two-cities.yaml generates" 0 "" -- \
    "$CDRGEN" generate --config "$EX/two-cities.yaml" --subs 500 --days 1 --out tc --quiet
t_check "both cities in cells.csv" sh -c "grep -q ',amsterdam,' tc/cells.csv && grep -q ',rotterdam,' tc/cells.csv"
t_expect "profiles.yaml generates" 0 "" -- \
    "$CDRGEN" generate --config "$EX/profiles.yaml" --subs 900 --days 1 --out pr --quiet
t_check "its three profiles in subscribers.csv" test \
    "$(tail -n +2 pr/subscribers.csv | cut -d, -f2 | sort -u | tr '\n' ' ')" = "night_owl office pensioner "
CDRGEN="$CDRGEN" "$EX/week-report.sh" wk 400 >wk.txt 2>&1 || t_fail "week-report.sh" "$(tail -n 3 wk.txt)"
t_check "week-report.sh reports 7 days" grep -q "^days 7," wk.txt
t_done
