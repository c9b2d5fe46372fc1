#!/usr/bin/env bash
# The DuckDB queries of docs/SCENARIOS.md run as they are written, by
# DuckDB (@duckdb/node-api), on a run of tests/cli/fraud/test.yaml
# (4,000 subscribers x 30 days, gzip bundles): each finds exactly its
# scenario's labelled cases (tests/interop/scenarios.mjs). Installs the
# pinned npm packages (package-lock.json) when needed.
set -u
. "$(dirname "$0")/lib.sh"
CDRGEN=${CDRGEN:-$root/$BUILD/cdrgen}
[ -x "$CDRGEN" ] || { ko "cdrgen built ($CDRGEN)"; finish; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cg-scen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$CDRGEN" generate --config "$root/tests/cli/fraud/test.yaml" --subs 4000 --days 30 \
    --start 2025-03-03 --quiet --out "$tmp/out" && ok "fraud run" || { ko "fraud run"; finish; }
node "$here/scenarios.mjs" "$root/docs/SCENARIOS.md" "$tmp/out" >"$tmp/log" 2>&1
rc=$?
while IFS= read -r l; do
    case "$l" in
        "ok   "*) ok "${l#ok   }" ;;
        "FAIL "*) ko "${l#FAIL }" ;;
    esac
done <"$tmp/log"
[ "$rc" -eq 0 ] || { ko "scenarios.mjs exit $rc"; tail -5 "$tmp/log"; }
finish
