#!/usr/bin/env bash
# So that the seed's `./profile_bytehound.sh 1000000` works from the project
# root (the container's /work): see scripts/profile_heaptrack.sh.
exec "$(dirname "$(readlink -f "$0")")/scripts/profile_heaptrack.sh" "$@"
