#!/usr/bin/env bash
# A week of two cities and its measured properties: generate, then report.
# Usage: examples/week-report.sh [OUT] [SUBSCRIBERS]   (CDRGEN=path/to/cdrgen)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cdrgen=${CDRGEN:-$here/../build/cdrgen}
out=${1:-week}
subs=${2:-20000}
"$cdrgen" generate --config "$here/two-cities.yaml" --subs "$subs" --days 7 \
    --start 2025-03-03 --out "$out" --quiet
"$cdrgen" report "$out"
