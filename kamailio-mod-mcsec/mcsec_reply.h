/* The check of replies (docs/replies.md; GKTP payloads: docs/gmk.md
 * "Replies").
 *
 * Replies bypass the request route, so the cfg calls mcsec_reply_check()
 * in its core onreply_route (which runs for every reply Kamailio receives,
 * before tm matches it) and drops the reply when it returns -1
 * ("if (!mcsec_reply_check()) drop;").
 *
 * - a reply received on an outside socket (mcsec_outside.h) comes from a
 *   partner: its source must be one of the partner's IS proxies (else
 *   src.not_partner, dropped); the checks run in the ingress roles;
 * - a reply received on an inside socket goes to the partner whose IS
 *   proxy wrote the Via below ours (received= or host, by IP): the checks
 *   run in the egress roles. A reply for no partner is left to the
 *   outbound rule of mcsec_topo_out.c;
 * - the checks, in order: libmcsec's mcsec_check_sip_reply() (asserted
 *   identity when present, content type, size, every MIME part), the
 *   shared-SPK stage of requests (mcsec_spk_stage: ingress unprotect with
 *   spk.missing when required, egress protect; the new body through
 *   lumps, which tm applies to the relayed reply), the GKTP check on the
 *   clear body (mcsec_gmk_reply, the replay cache seen through the
 *   reply's transaction);
 * - a refused reply is counted and logged; a final one (200-699) from or
 *   to a known partner is turned into a 502 in place (mcsec_reply_502.h)
 *   and goes on to tm (1 is returned); a 1xx, a stranger's reply and any
 *   reply without a usable policy (policy.unavailable) are dropped (-1).
 */
#ifndef MCSEC_REPLY_H
#define MCSEC_REPLY_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"

#include "mcsec/sip/check.h"

/* 1: the reply goes on; -1: drop it (counted and logged here). */
int mcsec_reply_check(struct sip_msg *msg);

/* The refusal of reply msg with verdict as mcsec_reply_check() refuses
 * (counted, logged; a final reply from or to a known partner turned into
 * a 502 in place): 1 when it goes on (as the 502), -1 to drop it. Also for
 * checks after mcsec_reply_check() (mcsec_sdp_set(), mcsec_reject()). */
int mcsec_reply_refuse(struct sip_msg *msg, const mcsec_verdict_t *verdict, bool egress);

#endif
