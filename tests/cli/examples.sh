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
t_expect "fraud.yaml generates" 0 "" -- \
    "$CDRGEN" generate --config "$EX/fraud.yaml" --subs 3000 --start 2025-03-03 --days 3 --out fr --quiet
t_check "its six scenarios in labels/fraud.csv" test \
    "$(tail -n +2 fr/labels/fraud.csv | cut -d, -f3 | sort -u | tr '\n' ' ')" = "bust_out cloned_sim irsf sim_box sim_swap wangiri "
t_expect "churn.yaml generates" 0 "" -- \
    "$CDRGEN" generate --config "$EX/churn.yaml" --subs 1000 --start 2025-03-03 --days 10 --out ch --quiet
t_check "its churners in labels/churn.csv (3 % a month of 1,000 over 10 days: 10)" test \
    "$(tail -n +2 ch/labels/churn.csv | wc -l)" = 10
CDRGEN="$CDRGEN" "$EX/week-report.sh" wk 400 >wk.txt 2>&1 || t_fail "week-report.sh" "$(tail -n 3 wk.txt)"
t_check "week-report.sh reports 7 days" grep -q "^days 7," wk.txt
t_done
