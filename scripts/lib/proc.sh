# shellcheck shell=bash
# Process helpers shared by the SIP tests and the benchmarks.

# children_of PID: PID's live (not zombie) children, one per line, in pid
# order. Read from /proc, so it needs no procps.
children_of() {
    local parent=$1 d st
    for d in /proc/[0-9]*; do
        st=$(cat "$d/stat" 2>/dev/null) || continue
        st=${st##*) } # state ppid ... (the name before ") " may hold spaces)
        # shellcheck disable=SC2086
        set -- $st
        [ "$2" = "$parent" ] && [ "$1" != Z ] && echo "${d#/proc/}"
    done | sort -n
}
