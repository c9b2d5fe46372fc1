#!/usr/bin/env bash
# `make test-docker`: the seed's Docker workflow, built and run for real with
# podman (Debian's; no Docker engine and no registry needed):
#   1. a Debian 12 base image from debootstrap (cached as localhost/debian:12,
#      tagged docker.io/library/debian:bookworm for the Dockerfile's FROM);
#   2. `podman build` of docker/Dockerfile, unmodified;
#   3. the `docker run` recipe of docs/PROFILING.md, then the compose recipe
#      (`podman-compose up -d`, `podman exec ... ./profile_bytehound.sh`,
#      `down`), each leaving prof_output/heaptrack.out.*.gz that the host's
#      heaptrack_print reads.
# Runs on a copy of the working tree. Prints one SKIP line and passes only
# where podman cannot run at all (no user namespaces/cgroups, not root);
# every other failure fails. Env: DOCKER_SUBS [20000], KEEP_DOCKER_TMP=1.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
ROOT=$PWD
SUBS=${DOCKER_SUBS:-20000}
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1${2:+: $2}" >&2; }
finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
    exit
}
skip() {
    echo "SKIP: test-docker: $*"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}

[ "$(id -u)" -eq 0 ] || skip "needs root (rootful podman, debootstrap)"
scripts/install-deps.sh docker || { bad "install podman, podman-compose, runc, debootstrap"; finish; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cg-docker.XXXXXX")
PROJ=cgdocker$$
cleanup() {
    (cd "$TMP/proj" 2>/dev/null && podman-compose -p "$PROJ" down -t 1 >/dev/null 2>&1)
    [ "${KEEP_DOCKER_TMP:-0}" = 1 ] || rm -rf "$TMP"
}
trap cleanup EXIT

# This VM's default runtime (crun) cannot set RLIMIT_NOFILE and the cgroup
# mode is hybrid: runc with explicit ulimits works. docs/PROFILING.md says so.
cat >"$TMP/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
# compose's `init: true`: Debian's catatonit, where Debian puts it
init_path = "/usr/bin/catatonit"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF=$TMP/containers.conf

if ! podman run --help >/dev/null 2>&1 || ! podman info >/dev/null 2>"$TMP/info.err"; then
    skip "podman cannot run here: $(head -n 1 "$TMP/info.err" 2>/dev/null)"
fi

# --- 1. base image -----------------------------------------------------------
if ! podman image exists localhost/debian:12; then
    mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    echo "test-docker: debootstrap bookworm from $mirror"
    if ! debootstrap --variant=minbase bookworm "$TMP/rootfs" "$mirror" >"$TMP/debootstrap.log" 2>&1; then
        tail -n 5 "$TMP/debootstrap.log" >&2
        # No user namespaces or mounts at all (a restricted container) is the
        # one case that may skip; a network failure is a failure.
        grep -qiE 'operation not permitted|cannot mount' "$TMP/debootstrap.log" &&
            skip "debootstrap cannot run here (no mount rights)"
        bad "debootstrap bookworm"
        finish
    fi
    # The Dockerfile's apt-get uses the same mirror as the host.
    tar -C "$TMP/rootfs" -c . | podman import - localhost/debian:12 >/dev/null ||
        { bad "podman import"; finish; }
    rm -rf "$TMP/rootfs"
fi
podman tag localhost/debian:12 docker.io/library/debian:bookworm
ok "base image localhost/debian:12 as debian:bookworm"

# --- 2. the image, from a copy of the working tree -----------------------------
mkdir -p "$TMP/proj"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$TMP/proj" 2>/dev/null
cd "$TMP/proj"
if podman build --pull=never -f docker/Dockerfile -t cdrgen-heaptrack . >"$TMP/build.log" 2>&1; then
    ok "podman build -f docker/Dockerfile -t cdrgen-heaptrack ."
else
    tail -n 20 "$TMP/build.log" >&2
    bad "podman build -f docker/Dockerfile"
    finish
fi

# --- test data, as on macOS: made inside the image (PROFILING.md step 0) -------
if podman run --rm -v "$PWD:/host" -e TEST_DATA_DIR=/host -e CDRGEN=build-prof/cdrgen \
        -e TEST_DATA_SUBS="$SUBS" cdrgen-heaptrack scripts/make-test-data.sh >"$TMP/data.log" 2>&1 &&
    [ -s test_db_1m.arrow ] && [ -s test_config.yaml ]; then
    ok "make-test-data inside the image ($SUBS subscribers)"
else
    cat "$TMP/data.log" >&2
    bad "make-test-data inside the image"
    finish
fi

check_profile() { # NAME LOG: a .gz that the host's heaptrack_print reads
    local name=$1 log=$2 gz
    gz=$(ls -t prof_output/heaptrack.out.*.gz 2>/dev/null | head -n 1)
    if [ -z "$gz" ]; then
        tail -n 20 "$log" >&2
        bad "$name: prof_output/heaptrack.out.*.gz" "none"
        return
    fi
    ok "$name: $(basename "$gz")"
    if heaptrack_print "$gz" >"$TMP/print.txt" 2>&1 &&
        grep -q '^peak heap memory consumption: ' "$TMP/print.txt" &&
        grep -q '^calls to allocation functions: ' "$TMP/print.txt"; then
        ok "$name: heaptrack_print reads it"
    else
        head -n 5 "$TMP/print.txt" >&2
        bad "$name: heaptrack_print"
    fi
    grep -q 'peak heap memory consumption:' "$log" && ok "$name: the script printed its summary" ||
        bad "$name: profile summary" "$(tail -n 3 "$log")"
    rm -f prof_output/heaptrack.out.* prof_output/profile.*
}

# --- 3a. docker run (PROFILING.md "Without docker-compose") ----------------------
mkdir -p prof_output
if podman run --rm \
        -v "$PWD/test_db_1m.arrow:/work/test_db_1m.arrow:ro" \
        -v "$PWD/test_config.yaml:/work/test_config.yaml:ro" \
        -v "$PWD/prof_output:/work/prof_output" \
        cdrgen-heaptrack ./profile_bytehound.sh "$SUBS" >"$TMP/run.log" 2>&1; then
    ok "podman run ... cdrgen-heaptrack ./profile_bytehound.sh $SUBS: exit 0"
else
    bad "podman run ./profile_bytehound.sh" "exit $?; $(tail -n 3 "$TMP/run.log")"
fi
check_profile "docker run" "$TMP/run.log"

# --- 3b. compose (PROFILING.md quick start) --------------------------------------
# podman-compose exec always exits 0, so the profile runs through podman exec.
# podman-compose up exits 0 even when its podman run failed: look for the
# running container.
podman-compose -p "$PROJ" up -d >"$TMP/up.log" 2>&1
ctr=$(podman ps --filter "label=io.podman.compose.project=$PROJ" --format '{{.Names}}' | head -n 1)
if [ -n "$ctr" ]; then
    ok "podman-compose up -d: $ctr running"
else
    grep -i 'error' "$TMP/up.log" | head -n 5 >&2
    bad "podman-compose up -d: no running container"
    finish
fi
if [ -n "$ctr" ] && podman exec "$ctr" ./profile_bytehound.sh "$SUBS" >"$TMP/exec.log" 2>&1; then
    ok "podman exec $ctr ./profile_bytehound.sh $SUBS: exit 0"
else
    bad "compose exec ./profile_bytehound.sh" "container '$ctr'; $(tail -n 3 "$TMP/exec.log" 2>/dev/null)"
fi
check_profile "compose" "$TMP/exec.log"
if podman-compose -p "$PROJ" down -t 1 >"$TMP/down.log" 2>&1 &&
    [ -z "$(podman ps -a --filter "label=io.podman.compose.project=$PROJ" --format '{{.Names}}')" ]; then
    ok "podman-compose down"
else
    bad "podman-compose down" "$(tail -n 3 "$TMP/down.log")"
fi
finish
