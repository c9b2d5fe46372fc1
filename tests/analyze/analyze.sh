#!/usr/bin/env bash
# The clang static analyzer over every source (scan-build, Debian's
# clang-tools): any report fails. cg_err_set, bad() and CG_ASSERT are
# written so that it sees the codes returned and the invariants held.
. "$(dirname "$0")/../cli/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
if ! command -v scan-build >/dev/null 2>&1; then
    t_fail "scan-build not installed (scripts/install-deps.sh test installs clang-tools)"
    t_done
    exit 1
fi
B=build-analyze
rm -rf "$B" "$T_TMP/report"
scan-build -o "$T_TMP/report" --status-bugs make --no-print-directory -j"$(nproc)" BUILD=$B \
    $B/cdrgen >"$T_TMP/log" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "No bugs found" "$T_TMP/log"; then
    t_ok "scan-build: no bugs found in src/"
else
    grep -E "warning:|bugs found" "$T_TMP/log" | head -40 >&2
    t_fail "scan-build reports (exit $rc)"
fi
rm -rf "$B"
t_done
