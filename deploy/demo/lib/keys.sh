# shellcheck shell=bash
# Two-system demo: keys and policies, all made at run time under $WORK
# (sourced by deploy/demo/two-system-demo.sh). Nothing here is fit for
# production: the CAs and KMSs are throw-away test ones.
#
#   $WORK/pki/ca-X.{pem,key}, border-X.{pem,key}   CA and border certificate
#        of system X (pki; SAN = X.mcx.example, the IKE and TLS identity)
#   $WORK/X/keys/shared.spk    the SPK shared by A and B (each border holds
#        its own copy; "<SPK-ID> <key>", purpose tag 3, mode 0600)
#   $WORK/kms-X/               system X's test KMS (mcsecctl kms init)
#   $WORK/X/keys/signing/      border X's ECCSI keys (mcsecctl kms issue)
#   $WORK/X/mcserver-ear/      the ECCSI keys of X's MC server
#   $WORK/X/keys/topology.key  topology-hiding key (mcsecctl key gen), when
#                              the module does topology hiding
#   $WORK/X/policy.yaml        the border policy of system X
#   DEMO_SIP_METHODS           the partners' sip.methods (default INVITE, ACK, BYE,
#                              CANCEL, MESSAGE, OPTIONS; the media test adds
#                              UPDATE, PRACK)

A_ID=sip:border@a.mcx.example
B_ID=sip:border@b.mcx.example
A_SERVER=sip:mcptt@a.mcx.example
B_SERVER=sip:mcptt@b.mcx.example

# ctl ARGS...: mcsecctl, output to the key log; dies on failure.
ctl() {
    "$MCSECCTL" "$@" >>"$WORK/keys.log" 2>&1 || die "mcsecctl $* failed: $(tail -n 3 "$WORK/keys.log")"
}

keys_pki() {
    mkdir -p "$WORK/pki"
    # pki loads only what it needs (the default list names absent plugins).
    printf 'pki {\n  load = random nonce pem pkcs1 pkcs8 x509 pubkey openssl\n}\n' >"$WORK/pki.conf"
    local side
    for side in a b; do
        STRONGSWAN_CONF=$WORK/pki.conf pki --gen --type ecdsa --size 256 --outform pem \
            >"$WORK/pki/ca-$side.key" || return 1
        STRONGSWAN_CONF=$WORK/pki.conf pki --self --ca --lifetime 30 --in "$WORK/pki/ca-$side.key" \
            --type ecdsa --dn "C=XX, O=mcsec demo, CN=System ${side^^} CA" --outform pem \
            >"$WORK/pki/ca-$side.pem" || return 1
        STRONGSWAN_CONF=$WORK/pki.conf pki --gen --type ecdsa --size 256 --outform pem \
            >"$WORK/pki/border-$side.key" || return 1
        STRONGSWAN_CONF=$WORK/pki.conf pki --pub --in "$WORK/pki/border-$side.key" --type ecdsa |
            STRONGSWAN_CONF=$WORK/pki.conf pki --issue --lifetime 30 \
                --cacert "$WORK/pki/ca-$side.pem" --cakey "$WORK/pki/ca-$side.key" \
                --dn "C=XX, O=mcsec demo, CN=$side.mcx.example" --san "$side.mcx.example" \
                --flag serverAuth --flag clientAuth --outform pem \
                >"$WORK/pki/border-$side.pem" || return 1
    done
    chmod 600 "$WORK"/pki/*.key
}

# keys_spk: one SPK (28-bit random ID behind the purpose tag 3, 128-bit
# key), written to each border's own file.
keys_spk() {
    SPK_ID=3$(rand_hex 4 | cut -c2-8)
    local key side
    key=$(rand_hex 16)
    for side in a b; do
        mkdir -p "$WORK/$side/keys"
        (
            umask 077
            printf '# SPK shared by system-a and system-b (demo, made %s)\n%s %s\n' \
                "$(date -u +%FT%TZ)" "$SPK_ID" "$key" >"$WORK/$side/keys/shared.spk"
        )
        chmod 600 "$WORK/$side/keys/shared.spk"
    done
}

# keys_ear: a KMS per system; the border's and the MC server's ECCSI keys.
keys_ear() {
    local side id srv
    for side in a b; do
        if [ $side = a ]; then id=$A_ID srv=$A_SERVER; else id=$B_ID srv=$B_SERVER; fi
        ctl kms init --out "$WORK/kms-$side" --kms-uri "kms.$side.mcx.example"
        ctl kms issue --kms "$WORK/kms-$side" --id "$id" --out "$WORK/$side/keys/signing"
        ctl kms issue --kms "$WORK/kms-$side" --id "$srv" --out "$WORK/$side/mcserver-ear"
        chmod 700 "$WORK/$side/keys/signing"
    done
}

keys_topology() {
    local side
    for side in a b; do
        ctl key gen --topology --out "$WORK/$side/keys/topology.key"
    done
}

# write_policy SIDE: $WORK/SIDE/policy.yaml. The partner is explicit (EAR),
# shares the SPK (required), and, when TOPOLOGY=1, our topology is hidden.
write_policy() {
    local self=$1 other svc in core gw o_svc o_gw topo_key=""
    # DEMO_SPK_MODE: both partners' spk.mode (default required; "off" only to
    # see, by hand, that the tests notice clear elements inside the SA).
    local spk_mode=${DEMO_SPK_MODE:-required}
    if [ "$self" = a ]; then
        other=b svc=$A_SVC in=$A_IN core=$A_CORE gw=$A_GW o_svc=$B_SVC o_gw=$B_GW
    else
        other=a svc=$B_SVC in=$B_IN core=$B_CORE gw=$B_GW o_svc=$A_SVC o_gw=$A_GW
    fi
    : "$in"
    [ "$TOPOLOGY" = 1 ] && topo_key="
    topology: $WORK/$self/keys/topology.key"
    cat >"$WORK/$self/policy.yaml" <<POLICY
# Border policy of system $self, written by deploy/demo/two-system-demo.sh.
version: 1

system:
  name: system-$self
  identity: sip:border@$self.mcx.example
  domains: [$self.mcx.example, "*.$self.mcx.example"]
  addresses:
    is_proxy: "$(hostport "$svc" 5060)"     # SIP-3, inside the IPsec tunnel
    http_proxy: "$(hostport "$svc" 8443)"   # HTTP-3, inside the IPsec tunnel
    gateway: "$gw"              # IPsec gateway, outside the tunnel
  sip:
    core: "$(hostport "$core" 5070)"
    inside_peers: ["$core"]        # only our MC server may use the inside socket
    transport: tcp                 # protected bodies outgrow a datagram
  ear:
    sign_identity: sip:border@$self.mcx.example
$(http_policy_system "$self")
$(declare -F media_policy_system >/dev/null && media_policy_system "$self")
  keys:
    cert: $WORK/pki/border-$self.pem
    key: $WORK/pki/border-$self.key
    signing: $WORK/$self/keys/signing$topo_key

logging:
  level: info
  log_passed: true

partners:
  - name: system-$other
    identity: sip:border@$other.mcx.example
    domains: [$other.mcx.example, "*.$other.mcx.example"]
    addresses:
      is_proxy: ["$o_svc"]         # any port of the partner's service address
      http_proxy: "$(hostport "$o_svc" 8443)"
      gateway: "$o_gw"
    auth: explicit
    sip:
      methods: [${DEMO_SIP_METHODS:-INVITE, ACK, BYE, CANCEL, MESSAGE, OPTIONS}]
      content_types: [application/sdp, application/vnd.3gpp.mcptt-info+xml,
                      application/vnd.3gpp.mcvideo-info+xml,
                      application/vnd.3gpp.mcdata-info+xml,
                      application/vnd.3gpp.mcdata-signalling,
                      application/vnd.3gpp.mcdata-payload,
                      application/vnd.3gpp.mcptt-signed+xml, multipart/mixed,
                      text/plain]
      max_body: 16384
      warning_reason: true
    spk:
      mode: $spk_mode
    ear:
      source_roles: [2, 3, 4]
      request_types: [3]           # group calls
      sign_on_behalf: true
$(http_policy_partner "$self")
$(declare -F media_policy_partner >/dev/null && media_policy_partner "$self")
    keys:
      spk: $WORK/$self/keys/shared.spk
      kms: $WORK/kms-$other/kms.pub
      ca: $WORK/pki/ca-$other.pem
POLICY
}

# keys_and_policies: everything above, checked (policy check, policy pair)
# and rendered for IPsec (swanctl.conf, nft.conf).
keys_and_policies() {
    keys_pki || die "pki could not make the certificates"
    keys_spk
    keys_ear
    [ "$TOPOLOGY" = 1 ] && keys_topology
    local side
    for side in a b; do
        mkdir -p "$WORK/$side/ipsec"
        write_policy "$side"
        "$MCSECCTL" policy check "$WORK/$side/policy.yaml" >"$WORK/$side/policy.check" 2>&1 ||
            die "policy of system $side refused: $(cat "$WORK/$side/policy.check")"
        "$MCSECCTL" ipsec render --policy "$WORK/$side/policy.yaml" --backend "$BACKEND" \
            -o "$WORK/$side/ipsec/swanctl.conf" 2>"$WORK/$side/render.err" ||
            die "ipsec render for system $side: $(cat "$WORK/$side/render.err")"
        "$MCSECCTL" ipsec render --policy "$WORK/$side/policy.yaml" --backend "$BACKEND" --nft \
            -o "$WORK/$side/ipsec/nft.conf" 2>"$WORK/$side/render.err" ||
            die "ipsec render --nft for system $side: $(cat "$WORK/$side/render.err")"
    done
    "$MCSECCTL" policy pair "$WORK/a/policy.yaml" "$WORK/b/policy.yaml" >"$WORK/pair.out" 2>&1 ||
        die "the two policies disagree (mcsecctl policy pair): $(cat "$WORK/pair.out")"
}
