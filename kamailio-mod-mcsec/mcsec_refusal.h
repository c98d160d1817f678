/* The border's own refusals (issue 14, docs/topology.md "What leaves the
 * outside socket").
 *
 * A relayed message that would leave the outside socket for an address of
 * no partner is dropped (SREV_NET_DATA_OUT, mcsec_topo_out.c). The one
 * kind of message that must still reach such an address is the border's
 * own answer to a request it refused (a stranger's request: sl_send_reply
 * or sanity_reply in the cfg); it is built from that request alone and
 * carries nothing of our inside.
 *
 * How it is told from a relayed reply: when mcsec_ingress()/mcsec_egress()
 * or mcsec_reject() refuse a request, this process records the request's
 * top Via branch, Call-ID, source address and transport. Kamailio runs the
 * cfg's reply function and SREV_NET_DATA_OUT synchronously in the same
 * process, so the reply that leaves while this request is still being
 * handled is recognised exactly: a reply whose top Via branch and Call-ID
 * are the recorded ones, sent over the recorded transport to the recorded
 * source IP. The record is cleared before the script handles the next
 * message in this process (pre-script callback for requests, replies and
 * failure routes), so it never outlives the refusal; timer processes (tm
 * retransmissions) never record one. Anything else for a non-partner is
 * dropped, fail closed. Per-process state in the Kamailio convention (one
 * message at a time per process). */
#ifndef MCSEC_REFUSAL_H
#define MCSEC_REFUSAL_H

#include <stdbool.h>

#include "core/ip_addr.h"
#include "core/parser/msg_parser.h"

/* mod_init: registers the pre-script callback that clears the record.
 * 0 or -1. */
int mcsec_refusal_mod_init(void);

/* Records req, a request the border refuses and is about to answer. */
void mcsec_refusal_record(struct sip_msg *req);

/* Whether reply (a message parsed by mcsec_topo_parse) is the answer to
 * the request recorded in this process, sent to dst. */
bool mcsec_refusal_is_own(struct sip_msg *reply, const struct dest_info *dst);

#endif
