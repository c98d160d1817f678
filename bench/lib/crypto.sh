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
    crypto_callgrind
}

# crypto_ir BIN ITER FUNCTION CALLS: instructions per call of FUNCTION (not
# inlined in the bench) in one run of BIN ITER under callgrind, counted only
# inside FUNCTION (--toggle-collect) and divided by the CALLS it made.
crypto_ir() {
    local out=$B_WORK/crypto/cg-$(basename "$1")-$3.out total
    valgrind --tool=callgrind --toggle-collect="$3" --callgrind-out-file="$out" \
        "$1" "$2" >/dev/null 2>&1 || return 1
    total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    [ -n "$total" ] && awk -v t="$total" -v n="$4" 'BEGIN { printf "%.0f", t / n }'
}

# crypto_callgrind: the judged figures of the crypto goals, instructions per
# operation (callgrind, once): spk_bench's floor and protect+unprotect (each
# called ITER + 1 times), eccsi_bench's verify of a known signer (50 + ITER),
# of a first-seen one (ITER) and ECDSA verify (50 + ITER). Writes crypto-ir.csv.
crypto_callgrind() {
    local n=50 spk=$B_BUILD/bench/spk_bench eccsi=$B_BUILD/bench/eccsi_bench
    echo "metric,ir_per_op" >"$B_OUT/crypto-ir.csv"
    command -v valgrind >/dev/null || return 0
    b_log "crypto: callgrind instructions per operation"
    {
        echo "spk_floor_libxml2,$(crypto_ir "$spk" $n floor_once $((n + 1)))"
        echo "spk_doc_protect_unprotect,$(crypto_ir "$spk" $n doc_once $((n + 1)))"
        echo "eccsi_verify,$(crypto_ir "$eccsi" $n verify_known $((n + 50)))"
        echo "eccsi_verify_first_seen,$(crypto_ir "$eccsi" $n verify_first_seen $n)"
        echo "ecdsa_p256_verify,$(crypto_ir "$eccsi" $n ecdsa_verify_once $((n + 50)))"
    } >>"$B_OUT/crypto-ir.csv"
}

# crypto_ir_of METRIC: instructions per operation from crypto-ir.csv.
crypto_ir_of() {
    awk -F, -v m="$1" '$1 == m && $2 != "" { print $2 }' "$B_OUT/crypto-ir.csv" 2>/dev/null
}

# crypto_median METRIC: median over the rounds of crypto.csv.
crypto_median() {
    # shellcheck disable=SC2046
    median $(awk -F, -v m="$1" '$2 == m { print $3 }' "$B_OUT/crypto.csv" 2>/dev/null)
}
