#!/bin/bash
# Topology hiding together with explicit authentication in dialogs (issues
# 3 and 5): both borders sign EARs on behalf of their cores, in dialogs too
# (ear.in_dialog), and check the other's. An in-dialog request from B's core
# is addressed to border A's token URI (the Contact A hid); border B signs
# an EAR whose target is that token URI; border A restores the request-URI
# on arrival and must still check the target against the token URI the
# partner signed. Dialogs both ways (re-INVITE, UPDATE, BYE from each side)
# complete with no EAR rejection, the capture between the borders holds the
# EARs and none of either inside, and the border's internal Mcsec-Topo-Ruri
# header never reaches a core.
. "$(dirname "$0")/test_topo_lib.sh"
two_init "$@"

for sys in a b; do
    "$MCSEC_CTL" kms init --out "$T_DIR/kms-$sys" --kms-uri "kms.$sys.mcx.example" \
        >>"$T_DIR/keys.log" 2>&1 || t_die "mcsecctl kms init kms-$sys"
    "$MCSEC_CTL" kms issue --kms "$T_DIR/kms-$sys" --id "sip:border@$sys.mcx.example" \
        --out "$T_DIR/border-$sys" >>"$T_DIR/keys.log" 2>&1 || t_die "mcsecctl kms issue border-$sys"
    topo_key "$T_DIR/$sys-topology.key"
done
for sys in a b; do
    topo_policy $sys "$T_DIR/policy-$sys.yaml" "$T_DIR/$sys-topology.key" EAR_DIR="$T_DIR"
    border_start $sys "$T_DIR/policy-$sys.yaml"
done
capture_start "$T_DIR/sip3.pcap"

topo_cross ear-dialog-a-to-b a topo_caller.xml topo_callee.xml
topo_cross ear-dialog-b-to-a b topo_caller.xml topo_callee.xml

capture_stop
topo_capture_clean "$T_DIR/sip3.pcap"
# Each dialog: INVITE, two re-INVITEs, two UPDATEs and a BYE, all signed.
n_req=$(grep -a -o -E '(INVITE|UPDATE|BYE) sip:' "$T_DIR/sip3.pcap" | wc -l)
n_tok=$(grep -a -o -E '(INVITE|UPDATE|BYE) sip:[a-z2-7]+@border\.[ab]\.mcx\.example' \
    "$T_DIR/sip3.pcap" | wc -l)
n_ear=$(grep -a -c '^MCX-EAR:' "$T_DIR/sip3.pcap")
t_check "in-dialog requests were addressed to token URIs ($n_tok of $n_req)" test "$n_tok" -ge 8
assert_eq "every request between the borders carried an EAR" "$n_req" "$n_ear"
t_check "no Mcsec-Topo-* header reached a core" \
    test -z "$(grep -l -i 'Mcsec-Topo' "$T_DIR"/sipp-*.msg)"
for sys in a b; do
    border_use $sys
    for reason in ear.wrong_target ear.missing ear.bad_signature topo.bad_token; do
        assert_eq "border $sys counted no $reason" 0 "$(stat_get '*' $reason)"
    done
done
t_finish
