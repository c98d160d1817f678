/* A refused 2xx to an INVITE: the dialog it opened is ended on the side
 * that sent it (docs/replies.md).
 *
 * The border turns the refused 2xx into a 502 (mcsec_reply_502.h), so the
 * side that asked never sees the dialog; the side that answered has it
 * confirmed and must not be left with it half open (RFC 3261 13.3.1.4,
 * 15). From the 2xx (before the 502 rewrite) tm's dialog API builds the
 * dialog as its caller's side sees it (new_dlg_uac + dlg_response_uac:
 * Call-ID, tags, remote target, route set), the route set cut after the
 * border's own Record-Route entries (what is left leads to the sender),
 * and tm sends an ACK (without a transaction, RFC 3261 13.2.2.4) and a
 * BYE (a local transaction) from the address the 2xx arrived on (on the
 * transport the next hop names). Towards a
 * partner the Call-ID is the one the partner knows: the topology token
 * when mcsec_egress() tokenized the dialog's Call-ID (docs/topology.md).
 * tm's hop-by-hop ACK of the 502 reaches the sender too (it names the same
 * dialog); the e2e ACK is what RFC 3261 asks of a 2xx. */
#ifndef MCSEC_REPLY_BYE_H
#define MCSEC_REPLY_BYE_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"

#include "mcsec/policy/policy.h"

/* Binds tm's API (mod_init). Without tm (a stateless cfg) 0 is returned
 * and mcsec_reply_bye() fails; -1 when tm is there but cannot be bound. */
int mcsec_reply_bye_mod_init(void);

/* For msg, a refused 2xx to an INVITE from (egress false: a partner) or to
 * (egress true: our core) the partner: sends the ACK and the BYE back to
 * its sender. 0, or -1 (logged) when they cannot be built or sent. */
int mcsec_reply_bye(struct sip_msg *msg, const mcsec_policy_t *policy,
                    const mcsec_partner_t *partner, bool egress);

#endif
