/* Topology hiding in mcsec.so (issue 3): the adapter between Kamailio and
 * libmcsec's token transforms (mcsec/topo/topo.h). docs/topology.md explains the
 * whole design; in short:
 *
 * - Messages that leave an outside socket (mcsec_outside.h) for a
 *   partner's IP, whatever the port, are rewritten in Kamailio's
 *   SREV_NET_DATA_OUT event; relayed ones for any other address are
 *   dropped (mcsec_refusal.h). Every message, whoever built it: relayed, tm's
 *   retransmissions, tm's CANCEL and ACK, local replies): Vias below the
 *   border's own collapse into one token Via, Record-Route and Path entries
 *   of our side and every Contact become tokens, the leaking headers go.
 * - Messages from a partner IS proxy are restored in SREV_NET_DATA_IN,
 *   before Kamailio parses them (tm then matches replies on the border's
 *   own Via branch, which was never touched). A request with a bad token is
 *   left as it is and marked with an internal header, so that the request
 *   route answers 400 topo.bad_token; a reply with a bad token is dropped.
 * - The Call-ID of requests we send is replaced in the request route
 *   (mcsec_egress() calls the stage below) so tm's stored request, from
 *   which it builds CANCEL and non-2xx ACK, already carries the token.
 *   Dialogs started inside record-route ;mcsec-cid=<token>, so in-dialog
 *   requests from inside find their partner-side Call-ID in their Route;
 *   requests from the partner whose Call-ID was a token get
 *   ;mcsec-cid=<token> on the partner's Via, echoed by every reply.
 *
 * Per-process state only (one mcsec_topo_t per Kamailio process, rebuilt
 * when the policy generation moves), so a restart or a second node with the
 * same key file decodes every token.
 *
 * The files call one way (a tree; none calls back up):
 *   mcsec_topo.c       this header: module hooks and the request-route
 *                      stage, which owns and runs the body part
 *   mcsec_topo_body.c  mcptt-info element hiding (mcsec_topo_body.h);
 *                      also run by the SPK stage and the network events
 *   mcsec_topo_in.c    SREV_NET_DATA_IN, mcsec_topo_out.c SREV_NET_DATA_OUT
 *                      (mcsec_topo_net.h; registered by mcsec_topo.c)
 *   mcsec_topo_ctx.c   this process's token context and the rr API
 *                      (mcsec_topo_ctx.h), which everything above uses
 *   mcsec_topo_msg.c   parsing, edit lists, the wire names
 *                      (mcsec_topo_msg.h)
 * stage -> body -> ctx; in, out -> body, ctx; mcsec_dialog.c -> ctx. */
#ifndef MCSEC_TOPO_MOD_H
#define MCSEC_TOPO_MOD_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"

#include "mcsec/sip/check.h"
#include "mcsec/policy/policy.h"

/* The request-URI as the partner sent it, when SREV_NET_DATA_IN restored
 * it from one of our tokens: true with *uri set (a view into msg) only for
 * a partner with topology hiding on (for others the header is not ours). */
bool mcsec_topo_received_ruri(struct sip_msg *msg, const mcsec_partner_t *partner, str *uri);

/* mod_init (main process, before the fork): registers the network event
 * callbacks (mcsec_topo_net.h), asks tcp_read to clone receive buffers
 * (they are rewritten in place) and binds the rr module's API when rr is
 * loaded (mcsec_topo_ctx.h). 0 or -1. */
int mcsec_topo_mod_init(void);

/* mod_destroy: frees this process's token context (mcsec_topo_ctx.h). */
void mcsec_topo_mod_destroy(void);

/* The stage run by mcsec_ingress()/mcsec_egress() after the policy check
 * passed (see mcsec_stages.h for the convention: 0 goes on, -1 rejects
 * with verdict->reason and a detail). Egress: replaces the Call-ID with its
 * token (or the token the dialog's Route names) and adds ;mcsec-cid= to the
 * Record-Route the cfg adds next. Ingress: rejects a request that
 * SREV_NET_DATA_IN marked as carrying a bad token (topo.bad_token) and
 * deletes (a lump) the MCSEC_TOPO_RURI_HDR it added, which stays readable
 * in the parsed headers for the EAR stage that follows. Then
 * the body part it owns (mcsec_topo_body_stage(), mcsec_topo_body.h).
 * Does nothing for partners without topology hiding. */
int mcsec_topo_stage(struct sip_msg *msg, const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                     bool egress);

#endif
