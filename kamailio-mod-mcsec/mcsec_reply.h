/* The check of replies (issue 14; docs/gmk.md "Replies").
 *
 * Replies bypass the request route, so what the border checks in requests'
 * bodies must be checked in replies separately: the cfg calls
 * mcsec_reply_check() in its core onreply_route (which runs for every
 * reply Kamailio receives, before tm matches it) and drops the reply when
 * it returns -1 ("if (!mcsec_reply_check()) drop;"). A dropped reply is
 * counted and logged like a refused request and never reaches tm; tm then
 * treats the branch as unanswered (fr_timer; 408 upstream), as for a lost
 * reply, and the callee's retransmission of a good reply still passes.
 *
 * - a reply received on an outside socket (mcsec_outside.h) comes from a
 *   partner: its source must be one of the partner's IS proxies (else
 *   src.not_partner); GKTP payloads in its body are checked in the
 *   ingress roles (the partner's GMS signs for ours);
 * - a reply received on an inside socket goes to the partner whose IS
 *   proxy wrote the Via below ours (received= or host, by IP): its GKTP
 *   payloads are checked in the egress roles. A reply for no partner is
 *   left to the outbound rule of mcsec_topo_out.c;
 * - no usable policy: every reply is dropped (policy.unavailable).
 * The GKTP check is libmcsec's (mcsec_gmk_check_body) with the partner's
 * gmk policy (off, deny, check), freshness and replay as for requests, the
 * replay cache seen through the reply's transaction (mcsec_gmk_reply). */
#ifndef MCSEC_REPLY_H
#define MCSEC_REPLY_H

#include "core/parser/msg_parser.h"

/* 1: the reply goes on; -1: drop it (counted and logged here). */
int mcsec_reply_check(struct sip_msg *msg);

#endif
