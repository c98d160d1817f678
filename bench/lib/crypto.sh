# shellcheck shell=bash
# bench/run, crypto part: the micro-benchmarks, each against its floor in
# the same process (spk_bench: libxml2 parse+serialize; eccsi_bench: OpenSSL
# ECDSA P-256; topo_bench: AES-128-GCM on the same bytes), B_ROUNDS times.
# Writes crypto.csv (round,metric,us) and the raw outputs.

# crypto_iter BASE: BASE / B_CRYPTO_SCALE, at least 5.
crypto_iter() {
    local n=$(($1 / B_CRYPTO_SCALE))
    [ "$n" -lt 5 ] && n=5
    echo "$n"
}

crypto_run() {
    local round out bin
    local d=$B_WORK/crypto
    mkdir -p "$d"
    echo "round,metric,us" >"$B_OUT/crypto.csv"
    for round in $(seq 1 "$B_ROUNDS"); do
        b_log "crypto round $round/$B_ROUNDS"
        out=$d/spk-$round.txt
        if "$B_BUILD/bench/spk_bench" "$(crypto_iter 3000)" >"$out" 2>&1; then
            awk -v r="$round" '
                /^floor / { print r ",spk_floor_libxml2," $(NF - 1) }
                /^doc /   { print r ",spk_doc_protect_unprotect," $(NF - 3) }
                /^body /  { print r ",spk_body_protect_unprotect," $(NF - 3) }' \
                "$out" >>"$B_OUT/crypto.csv"
        else
            B_FAILS=$((B_FAILS + 1))
            b_warn "spk_bench failed: $(tail -n 3 "$out")"
        fi
        out=$d/eccsi-$round.txt
        if "$B_BUILD/bench/eccsi_bench" "$(crypto_iter 2000)" >"$out" 2>&1; then
            awk -v r="$round" '
                /^ECCSI sign /         { print r ",eccsi_sign," $3 }
                /^ECCSI verify /       { print r ",eccsi_verify," $3 }
                /^ECCSI first-seen /   { print r ",eccsi_verify_first_seen," $4 }
                /^ECDSA P-256 sign /   { print r ",ecdsa_p256_sign," $4 }
                /^ECDSA P-256 verify / { print r ",ecdsa_p256_verify," $4 }' \
                "$out" >>"$B_OUT/crypto.csv"
        else
            B_FAILS=$((B_FAILS + 1))
            b_warn "eccsi_bench failed: $(tail -n 3 "$out")"
        fi
        out=$d/topo-$round.txt
        if "$B_BUILD/bench/topo_bench" "$(crypto_iter 20000)" >"$out" 2>&1; then
            awk -v r="$round" '
                /^mean\/header / { print r ",topo_token_per_header," $2; print r ",aes128gcm_per_header," $3 }' \
                "$out" >>"$B_OUT/crypto.csv"
        else
            B_FAILS=$((B_FAILS + 1))
            b_warn "topo_bench failed: $(tail -n 3 "$out")"
        fi
    done
    for bin in spk eccsi topo; do
        cp "$d/$bin-1.txt" "$B_OUT/$bin-bench.txt" 2>/dev/null
    done
}

# crypto_median METRIC: median over the rounds of crypto.csv.
crypto_median() {
    # shellcheck disable=SC2046
    median $(awk -F, -v m="$1" '$2 == m { print $3 }' "$B_OUT/crypto.csv" 2>/dev/null)
}
