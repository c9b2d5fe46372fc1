# Prints the top n (-v n=5) entries of the PEAK MEMORY CONSUMERS section of a
# heaptrack_print report, one line each: size, calls, the allocating function
# with its source line and its two callers. Used by profile_heaptrack.sh.
/^PEAK MEMORY CONSUMERS$/ { insec = 1; next }
insec && /^[A-Z][A-Z ]+$/ { insec = 0 }
!insec { next }
/^[0-9.]+[A-Za-z]* peak memory consumed over [0-9]+ calls from$/ {
    flush(); if (++k > n) { insec = 0; next }
    size = $1; calls = $6; nf = 0; sub_seen = 0; take = 1; next
}
k == 0 || !take { next }
/^[0-9.]+[A-Za-z]* consumed over/ { if (sub_seen++) take = 0; next }
/^ *$/ { take = 0; next }
{
    line = $0; sub(/^ +/, "", line)
    if (line ~ /^at /) { if (nf && loc[nf] == "") loc[nf] = substr(line, 4); next }
    if (line ~ /^in /) next
    if (line ~ /^0x[0-9a-f]+$/) next
    if (nf < 3) { fn[++nf] = line; loc[nf] = "" }
}
function flush(   s, i) {
    if (k == 0 || k > n) return
    s = fn[1] (loc[1] != "" ? " (" loc[1] ")" : "")
    for (i = 2; i <= nf; i++) s = s " < " fn[i]
    printf "  %2d. %9s over %s calls: %s\n", k, size, calls, s
    nf = 0
}
END { flush() }
