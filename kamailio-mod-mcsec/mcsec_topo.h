/* Topology hiding in mcsec.so (issue 3): the adapter between Kamailio and
 * libmcsec's token transforms (mcsec/topo.h). docs/topology.md explains the
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
 * same key file decodes every token. */
#ifndef MCSEC_TOPO_MOD_H
#define MCSEC_TOPO_MOD_H

#include <stdbool.h>

#include "core/events.h"
#include "core/parser/msg_parser.h"
#include "modules/rr/api.h"

#include "mcsec/sip/check.h"
#include "mcsec/policy/policy.h"
#include "mcsec/topo/topo.h"
#include "mcsec/spk/xmlprot.h"
#include "mcsec_topo_msg.h"

/* The internal header that marks a request from a partner whose tokens did
 * not decode (never sent to a partner; a partner's copy is removed). */
#define MCSEC_TOPO_FAULT_HDR "Mcsec-Topo-Fault"
/* The internal header that keeps the request-URI as the partner sent it
 * (our token URI) when SREV_NET_DATA_IN restored it: the EAR stage checks
 * the EAR's target against what the partner signed. Added only by us (a
 * partner's copy is removed), deleted by the ingress stage before the
 * request goes inside. */
#define MCSEC_TOPO_RURI_HDR "Mcsec-Topo-Ruri"
/* Via parameter (partner's Via) and Record-Route parameter (ours) that
 * carry the partner-side Call-ID token of a dialog. */
#define MCSEC_TOPO_CID_PARAM "mcsec-cid"

/* The request-URI as the partner sent it, when SREV_NET_DATA_IN restored
 * it from one of our tokens: true with *uri set (a view into msg) only for
 * a partner with topology hiding on (for others the header is not ours). */
bool mcsec_topo_received_ruri(struct sip_msg *msg, const mcsec_partner_t *partner, str *uri);

/* mod_init (main process, before the fork): registers the network event
 * callbacks, asks tcp_read to clone receive buffers (they are rewritten in
 * place) and binds the rr module's API when rr is loaded. 0 or -1. */
int mcsec_topo_mod_init(void);

/* mod_destroy: frees this process's token context. */
void mcsec_topo_mod_destroy(void);

/* The stage run by mcsec_ingress()/mcsec_egress() after the policy check
 * passed (see mcsec_stages.h for the convention: 0 goes on, -1 rejects
 * with verdict->reason and a detail). Egress: replaces the Call-ID with its
 * token (or the token the dialog's Route names) and adds ;mcsec-cid= to the
 * Record-Route the cfg adds next. Ingress: rejects a request that
 * SREV_NET_DATA_IN marked as carrying a bad token (topo.bad_token) and
 * deletes (a lump) the MCSEC_TOPO_RURI_HDR it added, which stays readable
 * in the parsed headers for the EAR stage that follows. Does
 * nothing for partners without topology hiding. */
int mcsec_topo_stage(struct sip_msg *msg, const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                     bool egress);

/* mcptt-info element hiding (mcsec_topo_body.c). For a clear body of a
 * request to (egress) or from the partner of verdict: when the partner has
 * topology on with hide_elements and the body is mcptt-info or
 * multipart/mixed with mcptt-info parts, the listed elements' URIs are
 * tokenized (egress) or restored (ingress); every other octet of a
 * multipart body stays (libmcsec mcsec_topo_hide_body_elements). Returns 0
 * with out->data NULL when nothing changed, 0 with *out the new body
 * (malloc'd, freed with mcsec_body_free) when it did, -1 with a rejection
 * (topo.bad_token, sip.malformed for refused XML, policy.unavailable). The
 * SPK stage calls it on the clear body between its steps. */
int mcsec_topo_body_elements(const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                             const char *content_type, const uint8_t *data, size_t len, bool egress,
                             mcsec_body_t *out);

/* The same on the message body itself, for partners with SPK off (with
 * SPK on it does nothing: the SPK stage does it on the clear body).
 * Called by mcsec_topo_stage(); 0 or -1 as there. */
int mcsec_topo_body_stage(struct sip_msg *msg, const mcsec_policy_t *policy,
                          mcsec_verdict_t *verdict, bool egress);

/* ---- shared between the mcsec_topo*.c files ---------------------------- */

/* Element hiding for the body of a reply msg parsed by mcsec_topo_parse
 * (replies are never SPK-protected; the network events call this): to the
 * partner of verdict (egress) or from it. A new body is queued in edits
 * with the Content-Length value to match (a message without one keeps
 * none). Returns 0 (also when nothing changed) or -1 with verdict->reason
 * (topo.bad_token, sip.malformed, policy.unavailable) and detail. */
int mcsec_topo_reply_body(struct sip_msg *msg, const mcsec_policy_t *policy,
                          mcsec_verdict_t *verdict, bool egress, mcsec_topo_edits_t *edits);

/* The rr module's API (bound in mod_init), NULL when rr is not loaded. */
const rr_api_t *mcsec_topo_rr_api(void);

/* This process's token context for policy, rebuilt when the policy or its
 * generation changed. NULL when the policy names no topology key file, or
 * when it cannot be built (then *broken is true and the reason was
 * logged once per build). */
mcsec_topo_t *mcsec_topo_proc(const mcsec_policy_t *policy, bool *broken);

/* The partner (index, or -1) a message received from ip:port belongs to
 * when topology hiding is on for it (binary compare, no address text).
 * Outgoing messages are judged by socket and IP instead
 * (mcsec_topo_net_out). */
int mcsec_topo_partner(const mcsec_policy_t *policy, const struct ip_addr *ip, unsigned port);

/* SREV_NET_DATA_IN and SREV_NET_DATA_OUT callbacks (mcsec_topo_in.c,
 * mcsec_topo_out.c). Always return 0 (Kamailio ignores the value). */
int mcsec_topo_net_in(sr_event_param_t *evp);
int mcsec_topo_net_out(sr_event_param_t *evp);

#endif
