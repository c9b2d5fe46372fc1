#!/usr/bin/env bash
# `make test-data`: the seed's profiling inputs in the project root —
# test_db_1m.arrow (1,000,000 subscribers, 365 days of identity history, seed
# 42) and test_config.yaml (SPEC section 3) — then warms the database's lookup
# index so that a profile measures generation, not the one-time index build.
# Does nothing when both are up to date. Env: CDRGEN (binary, default
# build/cdrgen), TEST_DATA_DIR (where to write, default the project root; the
# Docker recipe for macOS in docs/PROFILING.md uses it), TEST_DB_SIZE,
# TEST_DATA_SUBS (database size, default 1000000; the tests use a small
# one), TEST_DB_DAYS, TEST_DB_SEED (for experiments).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

CDRGEN=$(readlink -f "${CDRGEN:-build/cdrgen}")
cd "${TEST_DATA_DIR:-.}" || { echo "make-test-data: cannot enter TEST_DATA_DIR=$TEST_DATA_DIR" >&2; exit 1; }
DB=test_db_1m.arrow
CFG=test_config.yaml
SIZE=${TEST_DATA_SUBS:-${TEST_DB_SIZE:-1000000}}
DAYS=${TEST_DB_DAYS:-365}
SEED=${TEST_DB_SEED:-42}
STAMP=$DB.params # matched by .gitignore's /test_db_1m.arrow.*

die() { echo "make-test-data: $*" >&2; exit 1; }

[ -x "$CDRGEN" ] || die "$CDRGEN not found: build it first (make), or set CDRGEN=path/to/cdrgen"
version=$("$CDRGEN" --version 2>/dev/null | head -n 1) || die "$CDRGEN --version failed"

# --- test_config.yaml: rewritten only when its text differs --------------------
cfg_tmp=$(mktemp "$CFG.tmp.XXXXXX")
chmod 644 "$cfg_tmp"
trap 'rm -f "$cfg_tmp"' EXIT
cat >"$cfg_tmp" <<'EOF'
# The configuration of the seed's profiling run (SPEC section 3), written by
# `make test-data` (scripts/make-test-data.sh); edits are overwritten.
mo_share_call: 0.7
mo_share_sms: 0.3
workers: 4
rotate_bytes: 100000000
tz_name: "Europe/Moscow"
EOF
if [ -f "$CFG" ] && cmp -s "$cfg_tmp" "$CFG"; then
    rm -f "$cfg_tmp"
    echo "make-test-data: $CFG is up to date"
else
    mv -f "$cfg_tmp" "$CFG"
    echo "make-test-data: wrote $CFG"
fi
trap - EXIT

# --- test_db_1m.arrow ----------------------------------------------------------
# `docker run -v ./test_db_1m.arrow:...` creates an empty directory when the
# file is missing; clear that up rather than fail on it later.
if [ -d "$DB" ]; then
    rmdir "$DB" 2>/dev/null ||
        die "$DB is a non-empty directory (left by a Docker mount?): remove it and re-run"
    echo "make-test-data: removed the empty directory $DB (left by a Docker mount of a missing file)"
fi

# The stamp names what the database was made with; a binary newer than the
# stamp may generate different bytes, so it is re-checked (cheap: < 1 s).
params="$version size=$SIZE history_days=$DAYS seed=$SEED"
reason=""
if [ ! -f "$DB" ]; then
    reason="missing"
elif [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$params" ]; then
    reason="parameters or version changed"
elif [ "$CDRGEN" -nt "$STAMP" ]; then
    reason="$CDRGEN is newer than the database"
fi

if [ -z "$reason" ]; then
    echo "make-test-data: $DB is up to date ($params)"
else
    echo "make-test-data: generating $DB ($reason): $SIZE subscribers, $DAYS days, seed $SEED"
    new=$DB.new.arrow # cdrgen writes it under a temporary name and renames
    rm -f "$new"
    trap 'rm -f "$new"' EXIT
    "$CDRGEN" db generate -o "$new" --size "$SIZE" --history-days "$DAYS" --seed "$SEED" >/dev/null ||
        die "cdrgen db generate failed"
    if [ -f "$DB" ] && cmp -s "$new" "$DB"; then
        # Same bytes: keep the old file, so its cached index stays valid.
        rm -f "$new"
        echo "make-test-data: $DB unchanged"
    else
        mv -f "$new" "$DB"
        rm -f "$DB.cgidx" # stale index of the old file (cdrgen would notice too)
        echo "make-test-data: wrote $DB ($(du -h "$DB" | cut -f1))"
    fi
    trap - EXIT
    echo "$params" >"$STAMP"
fi

# --- warm the lookup index (test_db_1m.arrow.cgidx) -----------------------------
# The first `generate --subscriber-db` builds it; a one-subscriber day does
# that and nothing else worth measuring. Tolerated to fail while the build has
# no database mode.
warm=$(mktemp -d "${TMPDIR:-/tmp}/cdrgen-warm.XXXXXX")
trap 'rm -rf "$warm"' EXIT
if err=$("$CDRGEN" generate --subscriber-db "$DB" --subs 1 --days 1 --start 2024-01-03 \
        --out "$warm" --quiet 2>&1 >/dev/null); then
    if [ -e "$DB.cgidx" ]; then
        echo "make-test-data: index $DB.cgidx ready"
    else
        echo "make-test-data: database mode works (no separate index file)"
    fi
else
    echo "make-test-data: note: index not warmed: ${err%%$'\n'*}"
fi
