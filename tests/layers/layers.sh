#!/usr/bin/env bash
# The layering of src/ (docs/ARCHITECTURE.md), checked on every file:
#   core (0) < io (1) < db (2) < gen (3) < cli (4)
# A file may include headers of its own layer and of the layers below it,
# never above. Core does no I/O: no stdio file calls, no environment, no
# directory walking. libcdrgen.a holds no src/cli object.
. "$(dirname "$0")/../cli/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
rank() { case "$1" in core) echo 0 ;; io) echo 1 ;; db) echo 2 ;; gen|report) echo 3 ;; cli) echo 4 ;; *) echo -1 ;; esac; }

bad=0
for f in src/*/*.[ch]; do
    layer=${f#src/}; layer=${layer%%/*}
    r=$(rank "$layer")
    [ "$r" -ge 0 ] || { t_fail "$f" "directory '$layer' is not a layer"; bad=1; continue; }
    while IFS= read -r inc; do
        to=${inc%%/*}
        tr=$(rank "$to")
        if [ "$tr" -lt 0 ]; then t_fail "$f" "includes \"$inc\", not in a layer"; bad=1
        elif [ "$tr" -gt "$r" ]; then t_fail "$f" "($layer) includes \"$inc\" ($to is above)"; bad=1; fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
[ "$bad" -eq 0 ] && t_ok "every include points down or sideways ($(ls src/*/*.[ch] | wc -l) files)"

# Core is pure: a pure function of its inputs, no files, no environment.
hits=$(grep -nE '\b(fopen|open|openat|opendir|getenv|setenv|putenv|tzset|mmap|unlink|rename)[[:space:]]*\(' \
    src/core/*.c src/core/*.h | grep -v '^\S*:\s*\*\|/\*' || true)
if [ -z "$hits" ]; then t_ok "core does no I/O and reads no environment"
else t_fail "core does I/O" "$hits"; fi

lib=${BUILD:-build}/libcdrgen.a
if [ -f "$lib" ]; then
    cli=$(ar t "$lib" | grep -E '^(cmd_|flags|main)' || true)
    [ -z "$cli" ] && t_ok "libcdrgen.a holds no src/cli object" || t_fail "libcdrgen.a holds $cli"
else
    t_fail "$lib not built"
fi
t_done
