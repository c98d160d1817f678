# shellcheck shell=bash
# Template rendering shared by the SIP tests, the demos and the benchmarks.

# render_template TEMPLATE OUT KEY=VALUE...: TEMPLATE with every @KEY@
# replaced by VALUE (taken literally: \ / & | are escaped for sed), to OUT.
render_template() {
    local in=$1 out=$2 kv args=()
    shift 2
    for kv in "$@"; do
        local k=${kv%%=*} v=${kv#*=}
        v=$(printf '%s' "$v" | sed -e 's/[\\/&|]/\\&/g')
        args+=(-e "s|@$k@|$v|g")
    done
    sed "${args[@]}" "$in" >"$out"
}
