# shellcheck shell=bash
# bench/run, SIP CPU cost: instructions per message from callgrind.
#
# perf has no hardware counters on these machines (measured), so kamailio
# runs under `valgrind --tool=callgrind` (one SIP worker, every process
# profiled: valgrind follows kamailio's forks and writes one file per
# process) twice, for B_CG_SHORT and B_CG_LONG messages at a low rate
# (cpu_rate: valgrind slows kamailio ~50x). The instructions of all processes
# summed, long run minus short run, divided by the difference in messages,
# are the instructions per message: start-up and shut-down cancel out.
# Figures are deterministic to a few per cent, unlike the rates.

# Rates under valgrind: the plain relays and topology hiding take 50/s (the
# same rate, so that idle timer work weighs the same), mcsec.so with SPK
# (~60x the work of a relay per message, see RESULTS.md) ~10/s and with EAR
# verification ~5/s without retransmissions. A retransmission adds work, so rates stay low.
cpu_rate() {
    case $1 in
        mcsec-explicit) echo "${B_CG_RATE_EAR:-5}" ;;
        mcsec-topo | mcsec-topo-relay) echo "${B_CG_RATE:-50}" ;;
        mcsec-*) echo "${B_CG_RATE_MCSEC:-10}" ;;
        *) echo "${B_CG_RATE:-50}" ;;
    esac
}

# cpu_total DIR: sum of the instruction totals of the callgrind files in DIR.
cpu_total() {
    # Each file states its total twice (summary: and totals:); take one.
    cat "$1"/cg.* 2>/dev/null | awk '/^summary:/ { s += $2 } END { printf "%.0f\n", s }'
}

# cpu_measure CONFIG COUNT DIR: one callgrind run; sets CPU_TOTAL.
cpu_measure() {
    local config=$1 count=$2 dir=$3
    mkdir -p "$dir"
    rm -f "$dir"/cg.*
    uas_start "$dir" "$config"
    KAM_START_TIMEOUT=900 kam_start "$config" 1 "$dir" \
        valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p" --log-file="$dir/valgrind.%p.log"
    if ! sip_step "$config" "$(cpu_rate "$config")" "$count" "$dir/step" >&2; then
        b_warn "callgrind $config $count: not every message passed cleanly (see $dir/step)"
        B_CPU_WARN="$B_CPU_WARN $config/$count"
    fi
    KAM_STOP_TIMEOUT=180 kam_stop
    uas_stop
    CPU_TOTAL=$(cpu_total "$dir")
}

# cpu_profile CONFIG DIR OUT: the busiest process of a callgrind run (the
# SIP worker) into OUT: top functions by own instructions, then by
# inclusive instructions (which of our functions the cost sits under).
cpu_profile() {
    local dir=$2 out=$3 file
    file=$(for f in "$dir"/cg.*; do
        printf '%s %s\n' "$(awk '/^summary:/ { print $2; exit }' "$f")" "$f"
    done | sort -gr | awk 'NR == 1 { print $2 }')
    [ -n "$file" ] || return 0
    local pick='/file:function/ { on = 1; next } on && NF && !/^-/ && n < 30 { print; n++ }'
    {
        callgrind_annotate --threshold=99 "$file" 2>/dev/null | awk "$pick"
        echo
        echo "inclusive, functions of mcsec.so (libmcsec is linked into it):"
        callgrind_annotate --inclusive=yes --threshold=99 "$file" 2>/dev/null |
            awk '/file:function/ { on = 1; next } on && /mcsec\.so\]/ && n < 30 { print; n++ }'
    } >"$out"
}

# cpu_run: every configuration, short and long run. Writes cpu.csv
# (config,short_msgs,short_ir,long_msgs,long_ir,ir_per_msg) and
# profile-CONFIG.txt for each configuration.
cpu_run() {
    local config d short long per
    B_CPU_WARN=
    echo "config,short_msgs,short_ir,long_msgs,long_ir,ir_per_msg" >"$B_OUT/cpu.csv"
    for config in "${SIP_CONFIGS[@]}"; do
        d=$B_WORK/cpu/$config
        b_log "callgrind: $config, $B_CG_SHORT and $B_CG_LONG messages at $(cpu_rate "$config")/s"
        cpu_measure "$config" "$B_CG_SHORT" "$d/short"
        short=$CPU_TOTAL
        cpu_measure "$config" "$B_CG_LONG" "$d/long"
        long=$CPU_TOTAL
        per=$(awk -v s="$short" -v l="$long" -v a="$B_CG_SHORT" -v b="$B_CG_LONG" \
            'BEGIN { printf "%.0f", (l - s) / (b - a) }')
        b_log "callgrind: $config: $per instructions per message ($short -> $long)"
        echo "$config,$B_CG_SHORT,$short,$B_CG_LONG,$long,$per" >>"$B_OUT/cpu.csv"
        cpu_profile "$config" "$d/long" "$B_OUT/profile-$config.txt"
        # The raw files are large; the profile keeps what the next engineer needs.
        [ "${B_KEEP_CG:-0}" = 1 ] || rm -f "$d"/short/cg.* "$d"/long/cg.*
    done
}

# cpu_smoke: the callgrind pipeline once on the plain relay (5 and 15
# messages): proves it still produces a positive figure.
cpu_smoke() {
    local d=$B_WORK/cpu/plain short long
    b_require valgrind
    cpu_measure plain 5 "$d/short"
    short=$CPU_TOTAL
    cpu_measure plain 15 "$d/long"
    long=$CPU_TOTAL
    if [ "${long:-0}" -gt "${short:-0}" ] && [ "${short:-0}" -gt 0 ]; then
        b_log "smoke: callgrind plain $(((long - short) / 10)) instructions per message"
    else
        B_FAILS=$((B_FAILS + 1))
        b_warn "smoke: callgrind totals not usable ($short, $long)"
    fi
    rm -f "$d"/short/cg.* "$d"/long/cg.*
}
