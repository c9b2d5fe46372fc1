# Shared by the interop suites (run.sh, parquet.sh): the counters, the
# closing "N passed, N failed" line, and the pinned npm packages of
# package-lock.json installed (npm ci) when node_modules is missing or older
# than the lock file. Sets here, root and BUILD.
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "node/npm missing: run scripts/install-deps.sh"
    ko "node available"
    finish
fi
stamp="$here/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$here/package-lock.json" -nt "$stamp" ]; then
    if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error); then
        ko "npm ci"
        finish
    fi
fi
