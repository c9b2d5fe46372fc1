#!/usr/bin/env bash
# Installs every Debian package that building, testing, fuzzing and profiling
# cdrgen needs, only when something is missing. Used by `make test`,
# `make demo` and docker/Dockerfile, so all of them agree.
# Usage: install-deps.sh [build|test|docker]
#   build (default): compile, run, profile (what docker/Dockerfile installs);
#   test: build + the single-node Slurm cluster of tests/cli/slurm.sh;
#   docker: podman and what `make test-docker` needs to build the image.
set -euo pipefail
BUILD_PKGS="gcc make libc6-dev pkg-config libyaml-dev libdeflate-dev libisal-dev libzstd-dev zlib1g-dev
      tzdata gzip zstd clang libclang-rt-14-dev nodejs npm heaptrack valgrind time"
case "${1:-build}" in
    build) PKGS=$BUILD_PKGS ;;
    test) PKGS="$BUILD_PKGS slurm-wlm munge util-linux clang-tools chromium fonts-dejavu-core" ;;
    docker) PKGS="podman podman-compose runc catatonit debootstrap tar" ;;
    *) echo "install-deps: usage: install-deps.sh [build|test|docker]" >&2; exit 2 ;;
esac
missing=()
for p in $PKGS; do
    case "$p" in
        nodejs) command -v node >/dev/null 2>&1 && continue ;;
        npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
