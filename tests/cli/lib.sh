# Shared helpers for the shell test suites: each `t_*` check counts one
# assertion; `t_done` prints the closing "N passed, N failed" line.
# Uses $CDRGEN (set by tests/run.sh) as the binary under test.
: "${CDRGEN:=$PWD/build/cdrgen}"
T_PASS=0
T_FAIL=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cg-cli.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT

t_ok()   { T_PASS=$((T_PASS + 1)); echo "ok   $1"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $1${2:+: $2}" >&2; }

# t_expect NAME CODE FRAGMENT -- CMD...: runs CMD, checks exit code and that
# stderr contains FRAGMENT (empty fragment: no check) in a single line.
t_expect() {
    local name=$1 code=$2 frag=$3; shift 4
    local out err rc
    out=$("$@" 2>"$T_TMP/stderr")
    rc=$?
    err=$(cat "$T_TMP/stderr")
    if [ "$rc" -ne "$code" ]; then t_fail "$name" "exit $rc, want $code; stderr: $err"; return; fi
    if [ -n "$frag" ] && ! grep -qF -- "$frag" "$T_TMP/stderr"; then
        t_fail "$name" "stderr lacks '$frag': $err"; return
    fi
    t_ok "$name"
}

# t_check NAME CMD...: passes when CMD exits 0.
t_check() {
    local name=$1; shift
    if "$@"; then t_ok "$name"; else t_fail "$name"; fi
}

# gz_same A B: the same gzip members with the same rows in each (the
# default gzip's encoding of a member may differ between runs: gzsame.py).
T_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gz_same() { python3 "$T_LIBDIR/gzsame.py" "$1" "$2"; }
# stats_same A B: two stats files equal but for part_bytes (compressed sizes).
stats_same() { cmp -s <(sed 's/,"part_bytes":\[[0-9,]*\]//' "$1") <(sed 's/,"part_bytes":\[[0-9,]*\]//' "$2"); }

t_done() {
    echo "$T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" -eq 0 ]
}
