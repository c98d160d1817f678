#!/usr/bin/env bash
# The SA comes up between A and B with the NDS/IP algorithms and the
# partners' identities; a SIP MESSAGE (UDP) and an HTTP request (TCP)
# between the service addresses cross it; the capture on the link shows ESP
# packets (not only IKE) and never the marker sent in a plain header.
# usage: test_ipsec_sa_carries_sip_and_http.sh MCSECCTL SOURCE_DIR
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$SRC/tests/ipsec/lib.sh"
ipsec_setup

up b && up a || { fail "charon did not start"; exit 1; }
expect_sa_up "IKE_SA and CHILD_SA" || exit 1
sas a | grep -q 'encr-alg=AES_GCM_16.*dh-group=ECP_' || fail "IKE_SA is not AES-GCM with ECP"
sas a | grep -q 'remote-id=b.mcx.example' || fail "A's peer identity is not b.mcx.example"
sas b | grep -q 'remote-id=a.mcx.example' || fail "B's peer identity is not a.mcx.example"
sas a | grep -q 'child-sas.*mode=TUNNEL protocol=ESP.*encr-alg=AES_GCM_16' ||
  fail "CHILD_SA is not ESP tunnel with AES-GCM"
expect_traffic_protected "SA up"
sas a | grep -q 'packets-out=[1-9]' || fail "A's CHILD_SA counted no outbound packets"
ipsec_finish
