#!/usr/bin/env bash
# The db sub-commands through the binary: generate, validate (good and bad
# files, exit codes, row numbers), convert csv -> arrow -> csv byte-identical,
# unknown extensions, and the flat forms of the earlier tool.
. "$(dirname "$0")/lib.sh"
cd "$T_TMP" || exit 1

differ() { ! cmp -s "$1" "$2"; }

t_expect "db generate csv" 0 "" -- "$CDRGEN" db generate -o x.csv --size 500 --history-days 30
"$CDRGEN" db generate -o x.csv --size 500 --history-days 30 >sum.txt
t_check "summary: events written" grep -qE '^events_written: [0-9]+$' sum.txt
t_check "summary: active subscribers" grep -qE '^active_subscribers: [0-9]+$' sum.txt
t_check "summary: numbers in cool-down" grep -qE '^numbers_in_cooldown: [0-9]+$' sum.txt
t_check "events written = data rows" test "$(sed -n 's/^events_written: //p' sum.txt)" -eq "$(($(wc -l <x.csv) - 1))"
t_check "header line" test "$(head -n 1 x.csv)" = "timestamp_ms,event_type,imsi,msisdn,imei,mccmnc"
t_check "500 initial subscribers" test "$(grep -c ',NEW_SUBSCRIBER,' x.csv)" -ge 500
t_check "first MSISDN is prefix 31612 + 0000000" grep -q '^1704067200000,NEW_SUBSCRIBER,[0-9]*,316120000000,' x.csv
t_check "no temp file left" test -z "$(ls | grep tmp)"

"$CDRGEN" db validate x.csv >val.txt 2>val.err
t_check "validate exit 0" test $? -eq 0
t_check "validate prints events" grep -qE '^events: [0-9]+$' val.txt
t_check "validate prints per-type counts" grep -qE '^NEW_SUBSCRIBER: [0-9]+$' val.txt
t_check "validate prints the time range" grep -q '^time_range: 2024-01-01T00:00:00.000Z' val.txt

t_expect "convert csv -> arrow" 0 "" -- "$CDRGEN" db convert x.csv x.arrow
t_expect "convert arrow -> csv" 0 "" -- "$CDRGEN" db convert x.arrow y.csv
t_check "round trip byte-identical" cmp -s x.csv y.csv
t_expect "validate arrow" 0 "" -- "$CDRGEN" db validate x.arrow
t_expect "db generate arrow" 0 "" -- "$CDRGEN" db generate -o g.arrow --size 500 --history-days 30
t_expect "arrow -> csv of the generated arrow" 0 "" -- "$CDRGEN" db convert g.arrow g.csv
t_check "same db from either format" cmp -s x.csv g.csv
t_expect "same seed same bytes" 0 "" -- "$CDRGEN" db generate -o s1.csv --size 300 --history-days 60 --seed 9
"$CDRGEN" db generate -o s2.csv --size 300 --history-days 60 --seed 9 >/dev/null
"$CDRGEN" db generate -o s3.csv --size 300 --history-days 60 --seed 10 >/dev/null
t_check "deterministic" cmp -s s1.csv s2.csv
t_check "seed matters" differ s1.csv s3.csv

# every flag of db generate reaches the generator
"$CDRGEN" db generate -o r.csv --size 200 --history-days 200 --device-change-rate 0.9 \
    --sim-change-rate 0.9 --number-release-rate 0.9 --cooldown-days 10 --prefixes 4915,4916 --seed 3 >/dev/null
t_check "all event types with high rates" test "$(cut -d, -f2 r.csv | sort -u | wc -l)" -eq 6
t_check "prefixes used" grep -q '^1704067200000,NEW_SUBSCRIBER,[0-9]*,49160000000,' r.csv
t_expect "high-rate db validates" 0 "" -- "$CDRGEN" db validate r.csv

# invalid files: exit 1, rows named
{ head -n 3 x.csv; sed -n 2p x.csv; } >dup.csv
t_expect "duplicate subscriber is invalid" 1 "dup.csv: invalid: 1 errors (first at row 3)" -- "$CDRGEN" db validate dup.csv
t_expect "its rule is listed" 1 "dup.csv:3: NEW_SUBSCRIBER for an IMSI that already exists" -- "$CDRGEN" db validate dup.csv
{ head -n 2 x.csv; echo "1704067200000,NEW_SUBSCRIBER,12x,31612000001,,20408"; } >bad.csv
t_expect "parse error names row and column" 1 "bad.csv:2: imsi: not a decimal number" -- "$CDRGEN" db validate bad.csv
t_expect "missing file" 1 "nope.csv" -- "$CDRGEN" db validate nope.csv
head -c 100 x.arrow >trunc.arrow
t_expect "corrupt arrow" 1 "trunc.arrow" -- "$CDRGEN" db validate trunc.arrow

# usage errors: exit 2
t_expect "unknown extension (generate)" 2 "x.txt" -- "$CDRGEN" db generate -o x.txt --size 10
t_expect "unknown extension (validate)" 2 "x.parquet" -- "$CDRGEN" db validate x.parquet
t_expect "unknown extension (convert)" 2 "x.json" -- "$CDRGEN" db convert x.csv x.json
t_expect "too many subscribers" 2 "--size" -- "$CDRGEN" db generate -o big.csv --size 20000001 --prefixes 31612,31613
t_check "nothing left by failed runs" test ! -e x.txt -a ! -e big.csv -a ! -e x.json

# flat forms of the earlier tool
t_expect "flat --generate-db" 0 "" -- "$CDRGEN" --generate-db flat.arrow --db-size 400 --db-history-days 20
t_expect "flat --validate-db" 0 "" -- "$CDRGEN" --subscriber-db flat.arrow --validate-db
t_expect "flat --validate-db of a bad file" 1 "invalid" -- "$CDRGEN" --subscriber-db dup.csv --validate-db
# Issue 9.8: time_range of timestamps at the ends of int64 and before 1970.
"$CDRGEN" db generate -o ts.csv --size 1 >/dev/null
tsrow=$(sed -n 2p ts.csv | cut -d, -f2-)
for v in -9223372036854775808 -1 9223372036854775807; do
    printf 'timestamp_ms,event_type,imsi,msisdn,imei,mccmnc\n%s,%s\n' "$v" "$tsrow" >ts$v.csv
done
t_check "INT64_MIN printed as the number" \
    test "$("$CDRGEN" db validate ts-9223372036854775808.csv | grep time_range)" = \
    "time_range: -9223372036854775808 ms (not in years 0000..9999) .. -9223372036854775808 ms (not in years 0000..9999)"
t_check "INT64_MAX printed as the number" \
    test "$("$CDRGEN" db validate ts9223372036854775807.csv | grep time_range)" = \
    "time_range: 9223372036854775807 ms (not in years 0000..9999) .. 9223372036854775807 ms (not in years 0000..9999)"
t_check "-1 ms is the last millisecond of 1969" \
    test "$("$CDRGEN" db validate ts-1.csv | grep time_range)" = \
    "time_range: 1969-12-31T23:59:59.999Z .. 1969-12-31T23:59:59.999Z"
t_done
