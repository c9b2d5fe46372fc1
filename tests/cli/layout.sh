#!/usr/bin/env bash
# --layout both|parts|bundle (docs/FORMAT.md 1): which files a day is
# written as. The bundle is the same bytes in both layouts that write one,
# each layout's rows are the same rows, stats and summary are written in
# every layout, and `merge` builds the bundle of a parts-only run byte for
# byte. The crash safety of each layout is in faults.sh.
. "$(dirname "$0")/lib.sh"
unset CDRGEN_SHARD_INDEX CDRGEN_SHARD_COUNT
cd "$T_TMP" || exit 1
D=2025-01-01
ARGS=(--subs 4000 --rotate-bytes 300000 --seed 3 --quiet)

# rows of a day: its bundle, or the header and every part's rows
rows_of() {
    local out=$1 p first=1
    if [ -e "$out/cdr_$D.csv.gz" ]; then gzip -dc "$out/cdr_$D.csv.gz"; return; fi
    for p in "$out/$D"/cdr_"$D"_shard000_part*.csv.gz; do
        if [ $first = 1 ]; then gzip -dc "$p"; first=0; else gzip -dc "$p" | tail -n +2; fi
    done
}
nparts() { find "$1/$D" -name 'cdr_*_part*' | wc -l; }

for l in both parts bundle; do
    "$CDRGEN" generate "${ARGS[@]}" --layout "$l" --out "$l" || t_fail "generate --layout $l"
done
"$CDRGEN" generate "${ARGS[@]}" --no-bundle --out nb || t_fail "generate --no-bundle"
"$CDRGEN" generate "${ARGS[@]}" --bundle-only --out bo --workers 1 || t_fail "generate --bundle-only"
printf 'layout: bundle\n' >l.yaml
"$CDRGEN" generate "${ARGS[@]}" --config l.yaml --out yb || t_fail "generate, YAML layout: bundle"

t_check "both: several parts (the rotation is exercised)" test "$(nparts both)" -ge 3
t_check "both: parts, bundle and summary" test -s both/cdr_$D.csv.gz -a -s both/$D/summary.json
t_check "parts: no bundle" test ! -e parts/cdr_$D.csv.gz
t_check "parts: as many parts as both" test "$(nparts parts)" -eq "$(nparts both)"
t_check "parts: summary written" test -s parts/$D/summary.json
t_check "bundle: no part file" test "$(nparts bundle)" -eq 0
t_check "bundle: summary written" test -s bundle/$D/summary.json
t_check "bundle: no temporary file left" test -z "$(find bundle -name '.*.tmp.*')"
t_check "bundle: the same members as layout both's bundle" gz_same both/cdr_$D.csv.gz bundle/cdr_$D.csv.gz
t_check "bundle, --workers 1: the same members" gz_same both/cdr_$D.csv.gz bo/cdr_$D.csv.gz
t_check "YAML layout: bundle = --layout bundle" gz_same bundle/cdr_$D.csv.gz yb/cdr_$D.csv.gz
same=1
for f in $(cd parts && find . -type f | sort); do
    case $f in
    *.gz) gz_same "parts/$f" "nb/$f" || same=0 ;;
    */stats_*) stats_same "parts/$f" "nb/$f" || same=0 ;;
    *) cmp -s "parts/$f" "nb/$f" || same=0 ;;
    esac
done
t_check "--no-bundle = --layout parts" test "$same" = 1 -a "$(cd parts && find . -type f | sort)" = "$(cd nb && find . -type f | sort)"
for l in parts bundle; do
    t_check "$l: stats equal layout both's (compressed sizes aside)" stats_same both/$D/stats_shard000.json $l/$D/stats_shard000.json
    t_check "$l: summary equals layout both's" cmp -s both/$D/summary.json $l/$D/summary.json
    t_check "$l: the same rows" cmp -s <(rows_of both) <(rows_of $l)
done
t_check "both: the bundle is one header and every row" test "$(gzip -dc both/cdr_$D.csv.gz | grep -c '^event_type;')" -eq 1
gzip -t both/cdr_$D.csv.gz bundle/cdr_$D.csv.gz && t_ok "bundles pass gzip -t" || t_fail "bundles pass gzip -t"

# merge builds the bundle of a parts-only run: the members of layout both's
"$CDRGEN" merge parts >/dev/null 2>merge.err || t_fail "merge of a parts-only run" "$(cat merge.err)"
t_check "merge of a parts-only run = the bundle of layout both" gz_same both/cdr_$D.csv.gz parts/cdr_$D.csv.gz
# merge copies the parts' members as they are: a second merge, the same bytes
cp parts/cdr_$D.csv.gz merged1.gz
"$CDRGEN" merge parts >/dev/null 2>>merge.err || t_fail "second merge of a parts-only run"
t_check "a second merge: the same bytes" cmp -s merged1.gz parts/cdr_$D.csv.gz
# merge of a bundle-only run has nothing to do and says it is complete
cp bundle/cdr_$D.csv.gz bundle_before.gz
"$CDRGEN" merge bundle >/dev/null 2>merge2.err && t_ok "merge of a bundle-only run succeeds" ||
    t_fail "merge of a bundle-only run succeeds" "$(cat merge2.err)"
t_check "merge left the bundle-only bundle as it was" cmp -s bundle_before.gz bundle/cdr_$D.csv.gz

# the other codecs: the bundle-only bundle equals layout both's
for c in zstd none; do
    "$CDRGEN" generate "${ARGS[@]}" --compression $c --out both-$c || t_fail "generate $c"
    "$CDRGEN" generate "${ARGS[@]}" --compression $c --bundle-only --out bundle-$c || t_fail "generate $c --bundle-only"
    ext=$([ $c = zstd ] && echo .zst)
    t_check "$c: bundle-only bundle = layout both's" cmp -s both-$c/cdr_$D.csv$ext bundle-$c/cdr_$D.csv$ext
done
t_done
