/* Topology hiding of mcptt-info elements (topology.hide_elements): the SIP
 * URIs in the listed elements of a clear mcptt-info body, or of the
 * mcptt-info parts of a multipart/mixed body, become element tokens towards
 * the partner and come back from it. The transform is libmcsec's
 * (mcsec_topo_hide_body_elements); this file picks the body and maps
 * failures to reasons. Requests: the SPK stage calls it between its two
 * steps when the partner has SPK on (the body is clear only there);
 * otherwise the topology stage, which owns this part, calls
 * mcsec_topo_body_stage() on the message body. Replies: with SPK on,
 * the SPK stage of replies (mcsec_reply_check(), docs/replies.md) calls it
 * the same way; otherwise the network events call mcsec_topo_reply_body()
 * on the raw message. The token context comes from mcsec_topo_ctx.h; nothing here
 * calls the stage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"

#include "mcsec_spk_body.h"
#include "mcsec_topo_body.h"
#include "mcsec_topo_ctx.h"

static int reject(mcsec_verdict_t *verdict, mcsec_reason_t reason, const char *why)
{
    verdict->reason = reason;
    snprintf(verdict->detail, sizeof(verdict->detail), "topology: elements: %s", why);
    return -1;
}

/* See mcsec_topo_body.h. */
int mcsec_topo_body_elements(const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                             const char *content_type, const uint8_t *data, size_t len, bool egress,
                             mcsec_body_t *out)
{
    memset(out, 0, sizeof(*out));
    const mcsec_partner_t *partner = verdict->partner;
    if (policy == NULL || partner == NULL || !partner->topology.enabled ||
        partner->topology.hide_elements.count == 0 || content_type == NULL || len == 0) {
        return 0;
    }
    bool broken = false;
    mcsec_topo_t *topo = mcsec_topo_proc(policy, &broken);
    if (topo == NULL) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE,
                      "the topology key is not usable (see the log)");
    }
    mcsec_topo_error_t err = {MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    uint8_t *xml = NULL;
    size_t xml_len = 0;
    mcsec_err_t rc = mcsec_topo_hide_body_elements(
        topo, content_type, data, len, &partner->topology.hide_elements, &partner->domains,
        egress ? MCSEC_TOPO_EGRESS : MCSEC_TOPO_INGRESS, &xml, &xml_len, &err);
    if (rc == MCSEC_ERR_INVALID && err.reason == MCSEC_REASON_TOPO_BAD_TOKEN) {
        return reject(verdict, MCSEC_REASON_TOPO_BAD_TOKEN, mcsec_topo_fault_str(err.fault));
    }
    if (rc == MCSEC_ERR_PARSE) {
        return reject(verdict, MCSEC_REASON_SIP_MALFORMED,
                      "mcptt-info (or the multipart body around it) is not acceptable");
    }
    if (rc != MCSEC_OK) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, mcsec_err_str(rc));
    }
    if (xml == NULL) {
        return 0;
    }
    out->content_type = strdup(content_type);
    if (out->content_type == NULL) {
        free(xml);
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "out of memory");
    }
    out->data = xml;
    out->len = xml_len;
    return 0;
}

/* Reads msg's body and runs the element transform on it: 0 with *out
 * filled (out->data NULL when nothing changed or there is no body) and
 * *body the body read, or -1 with the verdict set. */
static int transform_msg_body(struct sip_msg *msg, const mcsec_policy_t *policy,
                              mcsec_verdict_t *verdict, bool egress, mcsec_spk_sip_body_t *body,
                              mcsec_body_t *out)
{
    memset(out, 0, sizeof(*out));
    int has_body = mcsec_spk_body_get(msg, body);
    if (has_body == 0) {
        return 0;
    }
    if (has_body < 0) {
        return reject(verdict, MCSEC_REASON_SIP_MALFORMED, "body cannot be read");
    }
    return mcsec_topo_body_elements(policy, verdict, body->content_type, body->data, body->len,
                                    egress, out);
}

/* See mcsec_topo_body.h. */
int mcsec_topo_body_stage(struct sip_msg *msg, const mcsec_policy_t *policy,
                          mcsec_verdict_t *verdict, bool egress)
{
    const mcsec_partner_t *partner = verdict->partner;
    if (partner == NULL || partner->spk.mode != MCSEC_SPK_OFF ||
        partner->topology.hide_elements.count == 0) {
        return 0; /* with SPK on, the SPK stage rewrites the clear body */
    }
    mcsec_spk_sip_body_t body;
    mcsec_body_t out;
    if (transform_msg_body(msg, policy, verdict, egress, &body, &out) != 0) {
        return -1;
    }
    int rc = 0;
    if (out.data != NULL && mcsec_spk_body_replace(msg, &out) != 0) {
        rc = reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "cannot replace the body");
    }
    mcsec_body_free(&out);
    return rc;
}

/* See mcsec_topo_body.h. */
int mcsec_topo_reply_body(struct sip_msg *msg, const mcsec_policy_t *policy,
                          mcsec_verdict_t *verdict, bool egress, mcsec_topo_edits_t *edits)
{
    const mcsec_partner_t *partner = verdict->partner;
    if (partner == NULL || partner->spk.mode != MCSEC_SPK_OFF ||
        partner->topology.hide_elements.count == 0) {
        return 0; /* with SPK on, the SPK stage of replies rewrites the clear body */
    }
    mcsec_spk_sip_body_t body;
    mcsec_body_t out;
    if (transform_msg_body(msg, policy, verdict, egress, &body, &out) != 0) {
        return -1;
    }
    if (out.data == NULL) {
        return 0;
    }
    int start = mcsec_topo_off(msg, (const char *)body.data);
    mcsec_topo_edit_add(edits, start, start + (int)body.len, (const char *)out.data, out.len);
    if (msg->content_length != NULL) {
        str number = mcsec_topo_trim(msg->content_length->body);
        char digits[24];
        int n = snprintf(digits, sizeof(digits), "%zu", out.len);
        int at = mcsec_topo_off(msg, number.s);
        mcsec_topo_edit_add(edits, at, at + number.len, digits, (size_t)n);
    }
    mcsec_body_free(&out);
    if (edits->failed) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "the new body does not fit");
    }
    return 0;
}
