/* Topology hiding of mcptt-info elements (topology.hide_elements;
 * docs/topology.md): the body part of the topology adapter
 * (mcsec_topo_body.c). Owned by the topology stage (mcsec_topo.c), which
 * runs it on a request's body; the SPK stage runs it on the clear body
 * between its steps, the network events (mcsec_topo_in.c,
 * mcsec_topo_out.c) on replies. It calls only down: the token context
 * (mcsec_topo_ctx.h), the message helpers (mcsec_topo_msg.h) and the
 * body access of the SPK adapter (mcsec_spk_body.h); never the stage. */
#ifndef MCSEC_TOPO_BODY_H
#define MCSEC_TOPO_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/parser/msg_parser.h"

#include "mcsec_spk_body.h"
#include "mcsec_topo_msg.h"

/* For a clear body of a request to (egress) or from the partner of
 * verdict: when the partner has topology on with hide_elements and the
 * body is mcptt-info or multipart/mixed with mcptt-info parts, the listed
 * elements' URIs are tokenized (egress) or restored (ingress); every other
 * octet of a multipart body stays (libmcsec mcsec_topo_hide_body_elements).
 * Returns 0 with out->data NULL when nothing changed, 0 with *out the new
 * body (malloc'd, freed with mcsec_body_free) when it did, -1 with a
 * rejection (topo.bad_token, sip.malformed for refused XML,
 * policy.unavailable). The SPK stage calls it on the clear body between
 * its steps. */
int mcsec_topo_body_elements(const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                             const char *content_type, const uint8_t *data, size_t len, bool egress,
                             mcsec_body_t *out);

/* The same on the message body itself, for partners with SPK off (with
 * SPK on it does nothing: the SPK stage does it on the clear body).
 * Called by mcsec_topo_stage() (mcsec_topo.h); 0, or -1 with
 * verdict->reason and detail. */
int mcsec_topo_body_stage(struct sip_msg *msg, const mcsec_policy_t *policy,
                          mcsec_verdict_t *verdict, bool egress);

/* Element hiding for the body of a reply msg parsed by mcsec_topo_parse
 * (the network events call this): to the partner of verdict (egress) or
 * from it. With the partner's SPK on it does nothing: the SPK stage of
 * replies does it on the clear body (docs/replies.md). A new body is queued in edits
 * with the Content-Length value to match (a message without one keeps
 * none). Returns 0 (also when nothing changed) or -1 with verdict->reason
 * (topo.bad_token, sip.malformed, policy.unavailable) and detail. */
int mcsec_topo_reply_body(struct sip_msg *msg, const mcsec_policy_t *policy,
                          mcsec_verdict_t *verdict, bool egress, mcsec_topo_edits_t *edits);

#endif
