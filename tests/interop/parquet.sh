#!/usr/bin/env bash
# Parquet interop (FORMAT.md "Parquet"): cdrgen's Parquet read by three
# independent readers, DuckDB (@duckdb/node-api), hyparquet and parquet-wasm
# (arrow-rs, the Rust Apache Arrow/Parquet implementation), must hold
# exactly the rows of the same run written as CSV (same seed), column by
# column, nulls included; DuckDB's own metadata functions must agree with
# what the writer recorded (rows, bytes, codec, encodings). The run: a
# subscriber database whose identities change, three days over the spring
# DST change in Europe/Amsterdam, all three event types, small rotation (many
# parts and row groups), the three layouts, the three codecs, and a sharded
# run merged. Installs the pinned npm packages (package-lock.json) when needed.
set -u
. "$(dirname "$0")/lib.sh"
CDRGEN=${CDRGEN:-$root/$BUILD/cdrgen}
[ -x "$CDRGEN" ] || { ko "cdrgen built ($CDRGEN)"; finish; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cg-parquet.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
duck() { node "$here/parquet_duck.mjs" "$@"; }
hyp() { node "$here/parquet_hyp.mjs" "$@"; }
ars() { node "$here/parquet_arrowrs.mjs" "$@"; }

"$CDRGEN" db generate -o "$tmp/db.arrow" --size 1500 --history-days 200 --sim-change-rate 0.5 \
    --device-change-rate 0.8 --number-release-rate 0.3 --cooldown-days 5 >/dev/null 2>&1 \
    || { ko "db generate"; finish; }
common=(--subscriber-db "$tmp/db.arrow" --start 2024-03-30 --days 3 --tz Europe/Amsterdam
        --seed 7 --quiet --workers 2)
days="2024-03-30 2024-03-31 2024-04-01"
"$CDRGEN" generate "${common[@]}" --out "$tmp/csv" --compression none >/dev/null \
    && ok "csv run" || { ko "csv run"; finish; }
for codec in zstd gzip none; do
    "$CDRGEN" generate "${common[@]}" --out "$tmp/pq_$codec" --format parquet \
        --compression "$codec" --rotate-bytes 1500000 >/dev/null \
        && ok "parquet $codec run" || ko "parquet $codec run"
done
"$CDRGEN" generate "${common[@]}" --out "$tmp/pq_bundle" --format parquet --layout bundle \
    --rotate-bytes 1500000 >/dev/null && ok "parquet bundle-only run" || ko "parquet bundle-only run"
for k in 0 1 2; do
    "$CDRGEN" generate "${common[@]}" --out "$tmp/pq_shard" --format parquet --shard "$k/3" \
        --rotate-bytes 1500000 >/dev/null || ko "parquet shard $k/3"
done
"$CDRGEN" merge "$tmp/pq_shard" >/dev/null && ok "merge of 3 parquet shards" || ko "merge of 3 parquet shards"

want_types="event_type VARCHAR
msisdn_src VARCHAR
msisdn_dst VARCHAR
direction VARCHAR
start_ts_ms TIMESTAMP WITH TIME ZONE
end_ts_ms TIMESTAMP WITH TIME ZONE
tz_name VARCHAR
tz_offset_min INTEGER
duration_sec INTEGER
mccmnc VARCHAR
imsi VARCHAR
imei VARCHAR
cell_id INTEGER
record_type VARCHAR
cause_for_record_closing VARCHAR
sms_segments INTEGER
sms_status VARCHAR
data_bytes_in BIGINT
data_bytes_out BIGINT
data_duration_sec INTEGER
apn VARCHAR
rat VARCHAR"
got=$(duck types "$tmp/pq_zstd/cdr_2024-03-30.parquet" 2>&1)
[ "$got" = "$want_types" ] && ok "DESCRIBE shows the documented types" || { ko "DESCRIBE types"; diff <(echo "$got") <(echo "$want_types") | head; }

for d in $days; do
    csv="$tmp/csv/cdr_$d.csv"
    parts=$(ls "$tmp/pq_zstd/$d"/cdr_"$d"_shard000_part*.parquet)
    np=$(echo "$parts" | wc -l)
    for codec in zstd gzip none; do
        r=$(duck same "$csv" "$tmp/pq_$codec/cdr_$d.parquet" 2>&1) \
            && ok "duckdb: $d $codec bundle = csv ($r)" || ko "duckdb: $d $codec bundle: $r"
    done
    # shellcheck disable=SC2086
    r=$(duck same "$csv" $parts 2>&1) && ok "duckdb: $d zstd $np parts in order = csv" || ko "duckdb: $d parts: $r"
    r=$(duck same "$csv" "$tmp/pq_bundle/cdr_$d.parquet" 2>&1) && ok "duckdb: $d bundle-only = csv" || ko "duckdb: $d bundle-only: $r"
    r=$(duck same "$csv" "$tmp/pq_shard/cdr_$d.parquet" 2>&1) && ok "duckdb: $d merged shards = csv" || ko "duckdb: $d merged: $r"
    for codec in zstd gzip none; do
        r=$(hyp "$csv" "$tmp/pq_$codec/cdr_$d.parquet" 2>&1) \
            && ok "hyparquet: $d $codec bundle = csv ($r)" || ko "hyparquet: $d $codec: $r"
    done
    # shellcheck disable=SC2086
    r=$(hyp "$csv" $parts 2>&1) && ok "hyparquet: $d zstd parts = csv" || ko "hyparquet: $d parts: $r"
    r=$(hyp "$csv" "$tmp/pq_shard/cdr_$d.parquet" 2>&1) && ok "hyparquet: $d merged shards = csv" || ko "hyparquet: $d merged: $r"
    for codec in zstd gzip none; do
        r=$(ars "$csv" "$tmp/pq_$codec/cdr_$d.parquet" 2>&1) \
            && ok "arrow-rs: $d $codec bundle = csv ($r)" || ko "arrow-rs: $d $codec: $r"
    done
    # shellcheck disable=SC2086
    r=$(ars "$csv" $parts 2>&1) \
        && ok "arrow-rs: $d zstd parts = csv" || ko "arrow-rs: $d parts: $r"
    r=$(ars "$csv" "$tmp/pq_shard/cdr_$d.parquet" 2>&1) && ok "arrow-rs: $d merged shards = csv" || ko "arrow-rs: $d merged: $r"
    cmp -s "$tmp/pq_zstd/cdr_$d.parquet" "$tmp/pq_bundle/cdr_$d.parquet" \
        && ok "$d: bundle-only bytes = assembled bundle bytes" || ko "$d: bundle-only bytes differ"
done
[ "$np" -ge 2 ] && ok "rotation made $np parts a day" || ko "rotation made only $np part(s)"
r=$(duck same "$tmp/csv/cdr_2024-03-31.csv" "$tmp/pq_zstd/cdr_2024-03-31.parquet" 2>&1)
case "$r" in *"types 3"*) ok "the DST day has all three event types" ;; *) ko "event types on the DST day: $r" ;; esac

# The writer's record (stats_shard*.json: rows and bytes of every part)
# against DuckDB's metadata functions, for every part of every layout.
meta_dir() { # DIR CODEC
    local dir=$1 codec=$2 st p i rows bytes n=0 bad=0
    for d in $days; do
        for st in "$dir/$d"/stats_shard*.json; do
            local sh=${st##*stats_shard}; sh=${sh%.json}
            local pr pb
            pr=$(sed 's/.*"part_rows":\[\([0-9,]*\)\].*/\1/' "$st")
            pb=$(sed 's/.*"part_bytes":\[\([0-9,]*\)\].*/\1/' "$st")
            i=0
            for rows in ${pr//,/ }; do
                bytes=$(echo "$pb" | cut -d, -f$((i + 1)))
                p=$(printf '%s/%s/cdr_%s_shard%s_part%03d.parquet' "$dir" "$d" "$d" "$sh" "$i")
                if ! r=$(duck meta "$p" "$rows" "$bytes" "$codec" 2>&1); then
                    echo "    $p: $r"; bad=$((bad + 1))
                fi
                i=$((i + 1)); n=$((n + 1))
            done
        done
        local tot
        tot=$(sed 's/.*"total_calls":\([0-9]*\),"total_sms":\([0-9]*\),"total_data":\([0-9]*\).*/\1 \2 \3/' "$dir/$d/summary.json" | awk '{print $1+$2+$3}')
        if [ -f "$dir/cdr_$d.parquet" ]; then
            r=$(duck meta "$dir/cdr_$d.parquet" "$tot" "$(stat -c %s "$dir/cdr_$d.parquet")" "$codec" 2>&1) || { echo "    bundle $d: $r"; bad=$((bad + 1)); }
        fi
    done
    [ "$bad" -eq 0 ] && ok "parquet_metadata agrees with the writer: $dir ($n parts + bundles, $codec)" \
        || ko "parquet_metadata vs the writer: $dir ($bad bad)"
}
# One part of several row groups (16 MiB of pages each): 9000 subscribers.
"$CDRGEN" generate --subs 9000 --days 1 --quiet --out "$tmp/big_csv" --compression none >/dev/null &&
"$CDRGEN" generate --subs 9000 --days 1 --quiet --out "$tmp/big_pq" --format parquet --layout parts >/dev/null \
    || ko "9000-subscriber runs"
r=$(duck same "$tmp/big_csv/cdr_2025-01-01.csv" "$tmp/big_pq/2025-01-01/cdr_2025-01-01_shard000_part000.parquet" 2>&1) \
    && ok "duckdb: a part of several row groups = csv" || ko "duckdb: several row groups: $r"
r=$(duck meta "$tmp/big_pq/2025-01-01/cdr_2025-01-01_shard000_part000.parquet" \
    "$(sed 's/.*"part_rows":\[\([0-9]*\)\].*/\1/' "$tmp/big_pq/2025-01-01/stats_shard000.json")" \
    "$(sed 's/.*"part_bytes":\[\([0-9]*\)\].*/\1/' "$tmp/big_pq/2025-01-01/stats_shard000.json")" ZSTD 2>&1)
case "$r" in "row_groups 1 "*|"") ko "several row groups: $r" ;; row_groups*) ok "one part, $r" ;; *) ko "meta: $r" ;; esac
[ ! -e "$tmp/big_pq/cdr_2025-01-01.parquet" ] && ok "--layout parts: no parquet bundle" || ko "--layout parts wrote a bundle"

meta_dir "$tmp/pq_zstd" ZSTD
meta_dir "$tmp/pq_gzip" GZIP
meta_dir "$tmp/pq_none" UNCOMPRESSED
meta_dir "$tmp/pq_shard" ZSTD
finish
