#!/usr/bin/env bash
# The seed's name for the profiling script (the earlier tool used bytehound,
# then heaptrack): same arguments as profile_heaptrack.sh.
exec "$(dirname "$(readlink -f "$0")")/profile_heaptrack.sh" "$@"
