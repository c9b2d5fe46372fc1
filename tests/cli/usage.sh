#!/usr/bin/env bash
# Golden command-line cases: help and version, usage errors (exit 2, one line
# naming the flag, key or file:line), and dispatch of the sub-commands and of
# the earlier tool's flat form. Checks only message fragments that stay true
# once the real generate/db/merge commands replace their stubs.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT

# stdout of CMD (exit 0) must contain every FRAGMENT: t_help NAME "FRAG..." -- CMD
t_help() {
    local name=$1 frags=$2; shift 3
    local out rc
    out=$("$@" 2>"$T_TMP/stderr")
    rc=$?
    if [ "$rc" -ne 0 ]; then t_fail "$name" "exit $rc"; return; fi
    if [ -s "$T_TMP/stderr" ]; then t_fail "$name" "stderr not empty"; return; fi
    local f
    while IFS= read -r f; do
        [ -z "$f" ] && continue
        if ! grep -qF -- "$f" <<<"$out"; then t_fail "$name" "stdout lacks '$f'"; return; fi
    done <<<"$frags"
    t_ok "$name"
}

# exactly one line on stderr
t_one_line() {
    local name=$1; shift
    "$@" >/dev/null 2>"$T_TMP/stderr"
    local n
    n=$(wc -l <"$T_TMP/stderr")
    if [ "$n" -eq 1 ]; then t_ok "$name"; else t_fail "$name" "$n lines: $(cat "$T_TMP/stderr")"; fi
}

# --- help and version ---
cmds="cdrgen generate
cdrgen db generate -o FILE
cdrgen db validate FILE
cdrgen db convert IN OUT
cdrgen merge OUT
--version
--generate-db FILE
--validate-db"
t_help "--help lists every command" "$cmds" -- "$CDRGEN" --help
t_help "-h lists every command" "$cmds" -- "$CDRGEN" -h
t_help "help lists every command" "$cmds" -- "$CDRGEN" help
gen_flags="--subs N
[100000
--start YYYY-MM-DD
[2025-01-01]
--days N
--out DIR
[out]
--seed N
[42]
--config FILE
--prefixes A,B,..
[31612,31613,31620,31621]
--rotate-bytes N
[100000000]
--workers N
--tz NAME
[Europe/Amsterdam]
--cells N
[2000]
--cell-center LAT,LON
[52.37,4.895]
--cell-radius-km R
[50]
--mo-share-call P
--mo-share-sms P
--imei-change-prob P
[0.02]
--compression gzip|zstd|none
[gzip; zstd for parquet]
--format csv|parquet
[csv]
--compression-level N
--cleanup-after-archive
--subscriber-db FILE
--shard K/N
CDRGEN_SHARD_INDEX
--quiet
--progress"
t_help "generate --help lists every flag with defaults" "$gen_flags" -- "$CDRGEN" generate --help
t_help "help generate" "$gen_flags" -- "$CDRGEN" help generate
db_flags="-o, --output FILE
--size N
[10000]
--history-days N
[365]
--device-change-rate P
[0.15]
--sim-change-rate P
[0.03]
--number-release-rate P
[0.05]
--cooldown-days N
[90]
--prefixes A,B,..
--seed N
--config FILE"
t_help "db generate --help" "$db_flags" -- "$CDRGEN" db generate --help
t_help "db --help" "db generate
db validate
db convert" -- "$CDRGEN" db --help
t_help "db validate --help" "cdrgen db validate FILE" -- "$CDRGEN" db validate --help
t_help "db convert --help" "cdrgen db convert IN OUT" -- "$CDRGEN" db convert --help
t_help "merge --help" "cdrgen merge OUT" -- "$CDRGEN" merge --help
version=$(cat "$(dirname "$0")/../../VERSION")
t_help "--version" "cdrgen $version" -- "$CDRGEN" --version
t_check "--version is one line" test "$("$CDRGEN" --version)" = "cdrgen $version"

# --- unknown commands and flags ---
t_expect "no arguments" 2 "(see cdrgen --help)" -- "$CDRGEN"
t_expect "unknown command" 2 "unknown command 'frob' (see cdrgen --help)" -- "$CDRGEN" frob
t_expect "unknown flag" 2 "unknown flag '--bogus' (see cdrgen generate --help)" -- "$CDRGEN" generate --bogus 1
t_expect "abbreviated flag" 2 "unknown flag '--sub'" -- "$CDRGEN" generate --sub 5
t_expect "flag of another command" 2 "unknown flag '--size'" -- "$CDRGEN" generate --size 5
t_expect "missing value" 2 "--days: missing value" -- "$CDRGEN" generate --days
t_expect "value swallowed a flag" 2 "--days: missing value" -- "$CDRGEN" generate --days --seed 1
t_expect "stray positional" 2 "unexpected argument 'extra' (see cdrgen generate --help)" -- "$CDRGEN" generate extra
t_expect "flag takes no value" 2 "--quiet takes no value" -- "$CDRGEN" generate --quiet=yes
t_expect "db without sub-command" 2 "(see cdrgen db --help)" -- "$CDRGEN" db
t_expect "db unknown sub-command" 2 "db: unknown sub-command 'frob'" -- "$CDRGEN" db frob
t_expect "db generate without -o" 2 "missing -o FILE (see cdrgen db generate --help)" -- "$CDRGEN" db generate --size 5
t_expect "db validate without FILE" 2 "missing FILE (see cdrgen db validate --help)" -- "$CDRGEN" db validate
t_expect "db validate two files" 2 "unexpected argument 'b'" -- "$CDRGEN" db validate a b
t_expect "db convert one file" 2 "missing IN OUT" -- "$CDRGEN" db convert a.csv
t_expect "merge without OUT" 2 "missing OUT (see cdrgen merge --help)" -- "$CDRGEN" merge
t_expect "help of unknown topic" 2 "help: no such command 'frob'" -- "$CDRGEN" help frob
t_one_line "usage error is one line" "$CDRGEN" generate --bogus

# --- bad values of every generate flag: exit 2 naming the flag ---
while read -r flag value; do
    [ "$value" = "''" ] && value=""
    t_expect "generate $flag '$value'" 2 "cdrgen: $flag:" -- "$CDRGEN" generate "$flag" "$value"
done <<'EOF'
--subs abc
--subs 0
--subs 1.5
--start 2025-02-30
--start 01-01-2025
--days 0
--days abc
--days 3x
--out ''
--seed -1
--seed 18446744073709551616
--prefixes 31
--prefixes 316,,317
--prefixes 316,316
--rotate-bytes 0
--workers -1
--workers 5000
--tz Mars/Olympus
--cells 0
--cell-center 52.37
--cell-center 52,200
--cell-radius-km 0
--cell-radius-km -5
--mo-share-call 1.5
--mo-share-sms -0.1
--imei-change-prob two
--compression lz4
--compression-level 0
--compression-level 20
--subscriber-db ''
--shard 3/3
--shard 1
--config /nonexistent/cdrgen.yaml
EOF
t_expect "days message" 2 "cdrgen: --days: 'abc' is not a whole number" -- "$CDRGEN" generate --days abc
t_expect "gzip level above 12" 2 "--compression-level" -- "$CDRGEN" generate --compression-level 13
t_expect "quiet and progress" 2 "--quiet and --progress" -- "$CDRGEN" generate --quiet --progress
t_expect "too many subscribers for the prefixes" 2 "--subs:" -- "$CDRGEN" generate --prefixes 316 --subs 10000001
t_expect "db generate bad rate" 2 "--device-change-rate:" -- "$CDRGEN" db generate -o x.csv --device-change-rate 2
t_expect "db generate bad size" 2 "--size:" -- "$CDRGEN" db generate -o x.csv --size 0
t_expect "flat db bad size" 2 "--db-size:" -- "$CDRGEN" --generate-db x.csv --db-size -3
t_expect "env shard half set" 2 "CDRGEN_SHARD_COUNT" -- env CDRGEN_SHARD_INDEX=1 "$CDRGEN" generate
t_expect "env shard out of range" 2 "CDRGEN_SHARD_INDEX=4" -- env CDRGEN_SHARD_INDEX=4 CDRGEN_SHARD_COUNT=4 "$CDRGEN" generate

# --- YAML errors name file:line: key ---
y=$T_TMP/bad.yaml
printf 'workers: 2\nmo_share_call: 1.5\n' >"$y"
t_expect "yaml out of range" 2 "$y:2: mo_share_call:" -- "$CDRGEN" generate --config "$y"
printf 'cells: 10\nbogus_key: 1\n' >"$y"
t_expect "yaml unknown key" 2 "$y:2: bogus_key: unknown key" -- "$CDRGEN" generate --config "$y"
printf 'workers: 1\nworkers: 2\n' >"$y"
t_expect "yaml duplicate key" 2 "$y:2: workers: duplicate key" -- "$CDRGEN" generate --config "$y"
printf 'tz_name: Mars/Olympus\n' >"$y"
t_expect "yaml unknown tz" 2 "$y:1: tz_name: unknown time zone" -- "$CDRGEN" generate --config "$y"
printf 'diurnal_weekday: [1, 2]\n' >"$y"
t_expect "yaml short diurnal" 2 "$y:1: diurnal_weekday:" -- "$CDRGEN" generate --config "$y"
printf 'mccmnc_pool: ["2040"]\n' >"$y"
t_expect "yaml bad mccmnc" 2 "$y:1: mccmnc_pool[0]:" -- "$CDRGEN" generate --config "$y"
printf 'special_days: {"2025-02-30": 2}\n' >"$y"
t_expect "yaml bad date" 2 "$y:1: special_days.2025-02-30:" -- "$CDRGEN" generate --config "$y"
printf 'cells: [1\n' >"$y"
t_expect "yaml syntax error" 2 "$y:2: YAML syntax error" -- "$CDRGEN" generate --config "$y"
: >"$y"
t_expect "yaml empty file" 2 "$y:1: the file is empty" -- "$CDRGEN" generate --config "$y"
t_expect "yaml in db generate" 2 "$y:1:" -- "$CDRGEN" db generate -o x.csv --config "$y"
t_expect "yaml missing file" 2 "--config: cannot open '$T_TMP/none.yaml'" -- "$CDRGEN" generate --config "$T_TMP/none.yaml"
t_one_line "yaml error is one line" "$CDRGEN" generate --config "$y"
# a flag beats the file wherever it stands: the bad YAML value is overridden...
printf 'mo_share_call: 0.7\nworkers: 2000\n' >"$y"
t_expect "yaml range is checked even if a flag follows" 2 "$y:2: workers:" -- "$CDRGEN" generate --workers 2 --config "$y"
# ...and warnings of the earlier tool's keys come once each
printf 'chunk_size: 5\nwriter_tasks: 2\nmo_share_call: 0.7\nworkers: 99999\n' >"$y"
"$CDRGEN" generate --config "$y" >/dev/null 2>"$T_TMP/err2"
t_check "legacy keys warn once each" test "$(grep -c 'of the earlier tool is ignored' "$T_TMP/err2")" -eq 2
t_check "legacy key warning names file:line" grep -qF "cdrgen: warning: $y:1: key 'chunk_size' of the earlier tool is ignored" "$T_TMP/err2"

# --- dispatch (the commands may be stubs: only check who answered) ---
t_expect "flat validate reaches db validate" 1 "" -- "$CDRGEN" --subscriber-db "$T_TMP/none.arrow" --validate-db
t_check "flat validate message names the command or the file" \
    grep -qE "db validate|none.arrow" "$T_TMP/stderr"
t_expect "flat --validate-db without a database" 2 "--subscriber-db" -- "$CDRGEN" --validate-db
t_expect "flat generate-db and validate-db together" 2 "exclude each other" -- "$CDRGEN" --generate-db a.csv --subscriber-db b.csv --validate-db
t_expect "flat generate checks generate flags" 2 "cdrgen: --days:" -- "$CDRGEN" --subs 10 --days 0
t_expect "flat generate-db checks db flags" 2 "cdrgen: --history-days:" -- "$CDRGEN" --generate-db x.csv --history-days x
t_expect "flat form unknown flag" 2 "unknown flag '--bogus'" -- "$CDRGEN" --subs 10 --bogus
t_expect "flat seed line with a bad config" 2 "$y:4: workers:" -- "$CDRGEN" --subs 1000000 --start 2024-01-03 --days 1 --out "$T_TMP/prof_output" --subscriber-db "$T_TMP/test_db_1m.arrow" --config "$y" --seed 42

t_done
