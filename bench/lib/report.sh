# shellcheck shell=bash
# bench/run, report: summary.csv, plot.png and results.md.

report_env() {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "mode: $B_MODE, rounds: $B_ROUNDS"
    echo "host: $(uname -srm), $(nproc) CPU(s): $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "kamailio: $(kamailio -v | sed -n 's/^version: //p')"
    echo "kamailio memory: ${B_MEM_ARGS[*]}"
    echo "sipp: $(sipp -v 2>&1 | sed -n 's/^ *SIPp //p' | head -n 1)"
    echo "valgrind: $(valgrind --version 2>/dev/null)"
    echo "openssl: $(openssl version 2>/dev/null)"
    echo "git: $(git -C "$B_SRC" rev-parse --short HEAD 2>/dev/null) (working tree may differ)"
}


# sip_median CONFIG: median msg/s over the rounds (sip.csv).
sip_median() {
    # shellcheck disable=SC2046
    median $(awk -F, -v c="$1" '$1 == c { print $3 }' "$B_OUT/sip.csv" 2>/dev/null)
}

# sip_rounds CONFIG: the rounds' rates, space separated.
sip_rounds() {
    awk -F, -v c="$1" '$1 == c { printf "%s%s", sep, $3; sep = " " }' "$B_OUT/sip.csv" 2>/dev/null
}

# sip_cpu_us CONFIG: median kamailio CPU microseconds per message at the
# fixed rate (sip-cpu.csv).
sip_cpu_us() {
    # shellcheck disable=SC2046
    median $(awk -F, -v c="$1" '$1 == c { print $5 }' "$B_OUT/sip-cpu.csv" 2>/dev/null)
}

# cpu_per_msg CONFIG: instructions per message (cpu.csv).
cpu_per_msg() {
    awk -F, -v c="$1" '$1 == c { print $6; exit }' "$B_OUT/cpu.csv" 2>/dev/null
}

# http_median PROXY COLUMN: median of a column (3 rps, 4 p99) of http.csv.
http_median() {
    # shellcheck disable=SC2046
    median $(awk -F, -v p="$1" -v c="$2" '$1 == p && $c != "" { print $c }' "$B_OUT/http.csv" 2>/dev/null)
}

# goal_check VALUE OP LIMIT: "met", "**missed**" or "not measured".
goal_check() {
    awk -v v="${1:-}" -v op="$2" -v l="$3" 'BEGIN {
        if (v == "") { print "not measured"; exit }
        ok = (op == ">=") ? (v + 0 >= l + 0) : (v + 0 <= l + 0)
        print ok ? "met" : "**missed**" }'
}

# fmt N: N rounded, thousands separated by spaces; "n/a" when empty.
fmt() {
    [ -n "${1:-}" ] || { echo "n/a"; return; }
    printf '%s' "$1" | awk '{ n = sprintf("%.0f", $1); s = ""
        while (length(n) > 3) { s = " " substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) }
        print n s }'
}

# report_plot: plot.png, msg/s and instructions per message per configuration.
report_plot() {
    local dat=$B_OUT/plot.dat gp=$B_WORK/plot.gp config
    : >"$dat"
    for config in "${SIP_CONFIGS[@]}"; do
        printf '"%s" %s %s\n' "${SIP_LABEL[$config]}" "$(sip_median "$config" | sed 's/^$/0/')" \
            "$(cpu_per_msg "$config" | sed 's/^$/0/')" >>"$dat"
    done
    {
        echo 'set terminal pngcairo size 1100,480 font "sans,10"'
        echo "set output \"$B_OUT/plot.png\""
        echo "set multiplot layout 1,2 title \"mcsec bench $B_STAMP ($B_MODE, $B_ROUNDS round(s), kamailio ${B_MEM_ARGS[*]})\" noenhanced"
        echo 'set style data histograms'
        echo 'set style fill solid 0.8 border -1'
        echo 'set boxwidth 0.7'
        echo 'set grid ytics'
        echo 'set xtics rotate by -20 noenhanced'
        echo 'set yrange [0:*]'
        echo 'set title "SIP MESSAGE/s at zero loss (median; indicative)"'
        echo "plot \"$dat\" using 2:xtic(1) notitle lc rgb \"#3b75af\", \"\" using 0:2:(sprintf(\"%.0f\",\$2)) with labels offset 0,0.7 notitle"
        echo 'set title "instructions per message (callgrind)"'
        echo "plot \"$dat\" using 3:xtic(1) notitle lc rgb \"#c8553d\", \"\" using 0:3:(sprintf(\"%.0fk\",\$3/1000)) with labels offset 0,0.7 notitle"
        echo 'unset multiplot'
    } >"$gp"
    rm -f "$B_OUT/plot.png"
    gnuplot "$gp" 2>"$B_WORK/gnuplot.err"
    [ -s "$B_OUT/plot.png" ] || b_warn "gnuplot made no plot: $(head -c 300 "$B_WORK/gnuplot.err")"
}

# report_profile CONFIG: the top 10 functions of CONFIG's callgrind profile
# as a markdown code block.
report_profile() {
    local f=$B_OUT/profile-$1.txt
    if [ ! -s "$f" ]; then
        echo "(no profile: the cpu part did not run)"
        return
    fi
    echo '```'
    echo "Ir (self), busiest kamailio process of the $B_CG_LONG-message run: file:function [object]"
    head -n 10 "$f"
    echo '```'
    echo
    echo "Inclusive, functions of mcsec.so (where the cost sits), top 15:"
    echo
    echo '```'
    awk '/^inclusive/ { on = 1; next } on && n < 15 { print; n++ }' "$f"
    echo '```'
}

# report_write: summary.csv, plot.png and results.md from the run's CSVs.
report_write() {
    local sum=$B_OUT/summary.csv config r ir
    local p_rate t_rate i_rate m_rate p_ir t_ir i_ir m_ir
    # mcsec topology hiding works on egress: it is compared with topoh on
    # the same (egress) flow and in the same stateless relay cfg
    # (mcsec-topo-relay); the stateful IS proxy cfg (mcsec-topo) is shown
    # beside it for information.
    p_rate=$(sip_median plain) t_rate=$(sip_median topoh-egress)
    i_rate=$(sip_median mcsec-implicit) m_rate=$(sip_median mcsec-topo-relay)
    p_ir=$(cpu_per_msg plain) t_ir=$(cpu_per_msg topoh-egress)
    i_ir=$(cpu_per_msg mcsec-implicit) m_ir=$(cpu_per_msg mcsec-topo-relay)
    local p_us t_us i_us m_us g1u g2u
    p_us=$(sip_cpu_us plain) t_us=$(sip_cpu_us topoh-egress)
    i_us=$(sip_cpu_us mcsec-implicit) m_us=$(sip_cpu_us mcsec-topo-relay)
    g1u=$(ratio "$t_us" "$m_us") g2u=$(ratio "$p_us" "$i_us")
    local s_rate s_ir g1sr g1si
    s_rate=$(sip_median mcsec-topo) s_ir=$(cpu_per_msg mcsec-topo)
    g1sr=$(ratio "$s_rate" "$t_rate") g1si=$(ratio "$t_ir" "$s_ir")
    local spk_floor spk_doc spk_body eccsi_v ecdsa_v topo_t gcm_t
    spk_floor=$(crypto_median spk_floor_libxml2) spk_doc=$(crypto_median spk_doc_protect_unprotect)
    spk_body=$(crypto_median spk_body_protect_unprotect)
    eccsi_v=$(crypto_median eccsi_verify) ecdsa_v=$(crypto_median ecdsa_p256_verify)
    local eccsi_f g3f
    eccsi_f=$(crypto_median eccsi_verify_first_seen) g3f=$(ratio "$eccsi_f" "$ecdsa_v")
    local ir_floor ir_doc ir_eccsi ir_first ir_ecdsa g3i g3fi g4i st3i st4i
    ir_floor=$(crypto_ir_of spk_floor_libxml2) ir_doc=$(crypto_ir_of spk_doc_protect_unprotect)
    ir_eccsi=$(crypto_ir_of eccsi_verify) ir_first=$(crypto_ir_of eccsi_verify_first_seen)
    ir_ecdsa=$(crypto_ir_of ecdsa_p256_verify)
    g3i=$(ratio "$ir_eccsi" "$ir_ecdsa") g3fi=$(ratio "$ir_first" "$ir_ecdsa")
    g4i=$(ratio "$ir_doc" "$ir_floor")
    st3i=$(goal_check "$g3i" "<=" 1.2) st4i=$(goal_check "$g4i" "<=" 6.0)
    topo_t=$(crypto_median topo_token_per_header) gcm_t=$(crypto_median aes128gcm_per_header)
    local httpd_rps nginx_rps http_note
    httpd_rps=$(http_median mcsec-httpd 3) nginx_rps=$(http_median nginx 3)
    local httpd_cpu nginx_cpu g6 st6 st7
    httpd_cpu=$(http_median mcsec-httpd 6) nginx_cpu=$(http_median nginx 6)
    g6=$(ratio "$httpd_cpu" "$nginx_cpu") st6=$(goal_check "$g6" "<=" 1.3)
    st7=$(goal_check "$i_ir" "<=" 1000000)
    http_note=$(awk -F, '$1 == "mcsec-httpd" { print $5; exit }' "$B_OUT/http.csv" 2>/dev/null)

    local g1r g1i g2r g2i g3 g4 g4b g5 gt
    g1r=$(ratio "$m_rate" "$t_rate") g1i=$(ratio "$t_ir" "$m_ir")
    g2r=$(ratio "$i_rate" "$p_rate") g2i=$(ratio "$p_ir" "$i_ir")
    g3=$(ratio "$eccsi_v" "$ecdsa_v") g4=$(ratio "$spk_doc" "$spk_floor")
    g4b=$(ratio "$spk_body" "$spk_floor") g5=$(ratio "$httpd_rps" "$nginx_rps")
    gt=$(ratio "$topo_t" "$gcm_t")
    local st1r st1i st2r st2i st3 st4 st5 implicit_what="checks + SPK re-protection"
    st1r=$(goal_check "$g1r" ">=" 1.0) st1i=$(goal_check "$g1i" ">=" 1.0)
    st2r=$(goal_check "$g2r" ">=" 0.4) st2i=$(goal_check "$g2i" ">=" 0.4)
    st3=$(goal_check "$g3" "<=" 1.2) st4=$(goal_check "$g4" "<=" 6.0)
    st5=$(goal_check "$g5" ">=" 0.8)
    if [ "$B_TOPO" = 1 ]; then
        implicit_what="$implicit_what + topology hiding"
    else
        implicit_what="$implicit_what; topology hiding NOT included (mcsec.so has none yet)"
    fi
    [ -n "$g5" ] || st5="${http_note:-not measured}"
    [ "$B_TOPO" = 1 ] || { st1r="not measured: mcsec.so has no topology hiding yet"; st1i=$st1r; }

    {
        echo "goal,figure,value,limit,status"
        echo "mcsec topology alone vs topoh,msg/s mcsec/topoh,$g1r,>=1.0,$st1r"
        echo "mcsec topology alone vs topoh,instructions topoh/mcsec,$g1i,>=1.0,$st1i"
        echo "mcsec implicit vs plain relay,msg/s mcsec/plain,$g2r,>=0.4,$st2r"
        echo "mcsec implicit vs plain relay,instructions plain/mcsec,$g2i,>=0.4,$st2i"
        echo "ECCSI verify (signer seen before) vs ECDSA P-256 verify,instructions ECCSI/ECDSA,$g3i,<=1.2,$st3i"
        echo "ECCSI verify (signer seen before) vs ECDSA P-256 verify,time ECCSI/ECDSA,$g3,<=1.2,$st3"
        echo "SPK protect+unprotect vs libxml2 parse+serialize,instructions SPK/libxml2,$g4i,<=6.0,$st4i"
        echo "SPK protect+unprotect vs libxml2 parse+serialize,time SPK/libxml2,$g4,<=6.0,$st4"
        echo "mcsec implicit instructions per message,instructions,$i_ir,<=1000000,$st7"
        echo "mcsec-httpd vs nginx CPU per request,CPU mcsec-httpd/nginx,$g6,<=1.3,$st6"
        echo "mcsec-httpd vs nginx,rps mcsec-httpd/nginx,$g5,>=0.8,$st5"
    } | sed 's/\*\*//g' >"$sum"

    report_plot
    {
        echo "# Benchmark results"
        echo
        echo "\`bench/run${B_ARGS:+ ${B_ARGS[*]}}\` ($B_MODE mode, $B_ROUNDS round(s)), $(date -u '+%Y-%m-%d %H:%M') UTC."
        echo "Raw data, logs and full profiles: \`bench/results/$(basename "$B_OUT")/\` (not committed)."
        echo "Machine: $(nproc) vCPU ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
        echo "shared with other builds and tests while this ran: rates are indicative; the"
        echo "instructions per message (callgrind) are what the goals are judged on."
        echo "Every kamailio: $(kamailio -v | sed -n 's/^version: //p' | sed 's/ *$//'), \`${B_MEM_ARGS[*]}\`"
        echo "(TLSF for shared and private memory, $B_SHM_MB MB / $B_PKG_MB MB), $B_CHILDREN UDP workers for the"
        echo "rates, 1 for callgrind. Profiles, the fixes made and their before/after"
        echo "figures: [PROFILES.md](PROFILES.md) (kept by hand; this file is rewritten by every run)."
        echo
        echo "![plot](RESULTS.png)"
        echo
        echo "## Goals (issues 8 and 23)"
        echo
        echo "| goal | figure | limit | status |"
        echo "|---|---:|---:|---|"
        echo "| mcsec topology hiding alone vs topoh, egress flow: msg/s (mcsec / topoh) | ${g1r:-—} | ≥ 1.0 | $st1r |"
        echo "| mcsec topology hiding alone vs topoh, egress flow: instructions/msg (topoh / mcsec) | ${g1i:-—} | ≥ 1.0 | $st1i |"
        echo "| (for information) same: kamailio CPU time per message at $B_CPU_RATE/s (topoh / mcsec) | ${g1u:-—} | — | real CPU time, see the SIP table |"
        echo "| (for information) the stateful IS proxy cfg with mcsec.so vs topoh's stateless relay: msg/s, instructions (topoh / mcsec) | ${g1sr:-—}, ${g1si:-—} | — | not a goal: tm, sanity and record-route included |"
        echo "| mcsec implicit ($implicit_what) vs plain relay: msg/s (mcsec / plain) | ${g2r:-—} | ≥ 0.4 | $st2r |"
        echo "| same: instructions/msg (plain / mcsec) | ${g2i:-—} | ≥ 0.4 | $st2i |"
        echo "| (for information) same: kamailio CPU time per message at $B_CPU_RATE/s (plain / mcsec) | ${g2u:-—} | — | real CPU time, see the SIP table |"
        echo "| ECCSI verify (signer seen before) / OpenSSL ECDSA P-256 verify, instructions (callgrind, judged; issue 23) | ${g3i:-—} (${ir_eccsi:-—} / ${ir_ecdsa:-—}) | ≤ 1.2 | $st3i |"
        echo "| same, time | ${g3:-—} | ≤ 1.2 | $st3 |"
        echo "| (for information) ECCSI verify of a signer not seen before / ECDSA verify: instructions, time | ${g3fi:-—}, ${g3f:-—} | — | RFC 6507 Y = [HS]PVT + KPAK computed |"
        echo "| SPK protect+unprotect of the 1 KB document / libxml2 parse+serialize, instructions (callgrind, judged; issue 23) | ${g4i:-—} (${ir_doc:-—} / ${ir_floor:-—}) | ≤ 6 | $st4i |"
        echo "| same, time | ${g4:-—} | ≤ 6 | $st4 |"
        echo "| mcsec implicit: instructions per message (issue 23) | ${i_ir:-—} | ≤ 1 000 000 | $st7 |"
        echo "| mcsec-httpd / nginx CPU time per request, proxy process only (issue 23) | ${g6:-—} (${httpd_cpu:-—} / ${nginx_cpu:-—} µs) | ≤ 1.3 | $st6 |"
        echo "| mcsec-httpd / nginx requests/s | ${g5:-—} | ≥ 0.8 | $st5 |"
        echo
        echo "## SIP: MESSAGE with a 1 KB mcptt-info body over UDP"
        echo
        echo "Flow: partner (sipp UAC) → outside socket → core (sipp UAS), the ingress direction"
        echo "where SPK unprotection and EAR checks run; the configurations marked egress run"
        echo "core → inside socket → partner, where topology hiding runs."
        echo
        echo "Rate: the highest rate at which sipp got every 200 with no failed transaction and"
        echo "no retransmission: doubling from $B_RATE_START/s, then $B_BISECT bisection step(s), $B_STEP_SECONDS s per"
        echo "step, one fresh kamailio per configuration and round, configurations alternating"
        echo "within each round; sipp UAC, sipp UAS and kamailio share the $(nproc) cores."
        echo "Instructions: callgrind over all kamailio processes, (run of $B_CG_LONG − run of"
        echo "$B_CG_SHORT messages) / $((B_CG_LONG - B_CG_SHORT)), at $(cpu_rate plain) msg/s for the relays and topology hiding ($(cpu_rate mcsec-implicit)/s for mcsec.so with SPK, $(cpu_rate mcsec-explicit)/s with EARs). A message is one"
        echo "MESSAGE transaction: the request and its 200 reply both cross kamailio. mcsec-topo-relay"
        echo "runs bench/cfg/mcsec-topo-relay.cfg (topoh's stateless relay with mcsec.so); the other mcsec configurations"
        echo "run deploy/kamailio/mcsec-is-proxy.cfg (stateful, tm); mcsec implicit and explicit receive the body"
        echo "SPK-protected ($(stat -c %s "${B_SIP:-}/protected.body" 2>/dev/null) octets, multipart with signature); the others"
        echo "get it in clear ($(stat -c %s "${B_SIP:-}/doc.xml" 2>/dev/null) octets)."
        echo "CPU: after each search, $B_CPU_SETTLE s of quiet, then $B_CPU_SECONDS s at $B_CPU_RATE msg/s (half the knee just found when lower: sip-cpu.csv has the rate) on the same"
        echo "kamailio: its processes' CPU time (user + system, /proc/PID/task/*/schedstat)"
        echo "per message, median over the rounds. It counts what callgrind does not: cache"
        echo "misses, system calls, library dispatch, timers."
        echo
        echo "| configuration | what runs | msg/s per round | median msg/s | × plain | instructions/msg | plain / this | CPU µs/msg | plain / this |"
        echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
        local us
        for config in "${SIP_CONFIGS[@]}"; do
            r=$(sip_median "$config") ir=$(cpu_per_msg "$config") us=$(sip_cpu_us "$config")
            echo "| ${SIP_LABEL[$config]} | ${SIP_NOTE[$config]} | $(sip_rounds "$config") | $(fmt "$r") | $(ratio "$r" "$p_rate") | $(fmt "$ir") | $(ratio "$p_ir" "$ir") | ${us:-—} | $(ratio "$p_us" "$us") |"
        done
        [ "$B_TOPO" = 1 ] ||
            echo "| mcsec topology hiding alone | not measured: mcsec.so has no topology hiding yet | | | | | | | |"
        if [ -n "${B_CPU_WARN:-}" ]; then
            echo
            echo "Callgrind runs where not every message passed cleanly:$B_CPU_WARN."
        fi
        echo
        echo "## Crypto: each operation against its floor in the same process (median of $B_ROUNDS)"
        echo
        echo "| operation | µs | floor | floor µs | ratio |"
        echo "|---|---:|---|---:|---:|"
        echo "| SPK protect_doc + unprotect_doc (1 KB mcptt-info) | ${spk_doc:-—} | libxml2 parse + serialize | ${spk_floor:-—} | ${g4:-—} |"
        echo "| SPK protect_body + unprotect_body (adds the HMAC signature part, multipart) | ${spk_body:-—} | libxml2 parse + serialize | ${spk_floor:-—} | ${g4b:-—} |"
        echo "| ECCSI verify (EAR), signer seen before | ${eccsi_v:-—} | OpenSSL ECDSA P-256 verify | ${ecdsa_v:-—} | ${g3:-—} |"
        echo "| ECCSI verify (EAR), signer not seen before | ${eccsi_f:-—} | OpenSSL ECDSA P-256 verify | ${ecdsa_v:-—} | ${g3f:-—} |"
        echo "| topology token encode + decode (mean of Via, Record-Route, Contact, Call-ID) | ${topo_t:-—} | AES-128-GCM encrypt + decrypt of the same bytes | ${gcm_t:-—} | ${gt:-—} |"
        echo
        echo "## HTTP: mcsec-httpd vs nginx (mTLS reverse proxy, same upstream)"
        echo
        echo "httpload: $B_HTTP_CONNS connections kept alive, closed loop, ${B_HTTP_SECONDS:-?} s per proxy and round,"
        echo "GET of a ~1 KB XML document; client certificate of the partner's CA required by both proxies."
        echo
        echo "| proxy | requests/s per round | median requests/s | median p99 ms | median CPU µs/request (proxy only) | note |"
        echo "|---|---|---:|---:|---:|---|"
        local proxy
        for proxy in nginx mcsec-httpd; do
            echo "| $proxy | $(awk -F, -v p="$proxy" '$1 == p && $3 != "" { printf "%s%s", s, $3; s = " " }' "$B_OUT/http.csv" 2>/dev/null) | $(fmt "$(http_median "$proxy" 3)") | $(http_median "$proxy" 4 | sed 's/^$/—/') | $(http_median "$proxy" 6 | sed 's/^$/—/') | $(awk -F, -v p="$proxy" '$1 == p && $5 != "" { print $5; exit }' "$B_OUT/http.csv" 2>/dev/null) |"
        done
        local miss_impl=0 miss_topo=0
        case "$st2r $st2i" in *missed*) miss_impl=1 ;; esac
        case "$st1r $st1i" in *missed*) miss_topo=1 ;; esac
        if [ "$miss_impl" = 1 ] || [ "$miss_topo" = 1 ]; then
            echo
            echo "## Profiles where a goal is missed"
            echo
            echo "Top 10 functions by own instructions (callgrind_annotate) of the busiest"
            echo "kamailio process (the SIP worker); full lists in \`profile-*.txt\`."
            if [ "$miss_impl" = 1 ]; then
                echo
                echo "### mcsec implicit"
                echo
                report_profile mcsec-implicit
            fi
            if [ "$miss_topo" = 1 ]; then
                echo
                echo "### mcsec topology hiding alone (stateless relay)"
                echo
                report_profile mcsec-topo-relay
            fi
        fi
    } >"$B_OUT/results.md"
    b_log "results: $B_OUT/results.md"
}
