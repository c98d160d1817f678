/* Topology hiding: module hooks and the request-route stage, which runs the
 * body part it owns (mcsec_topo_body.c). The token context is this
 * process's (mcsec_topo_ctx.c). See mcsec_topo.h and docs/topology.md. */
#include <stdio.h>
#include <string.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/events.h"
#include "core/tcp_options.h"
#include "modules/rr/api.h"

#include "mcsec_log.h"
#include "mcsec_topo.h"
#include "mcsec_topo_body.h"
#include "mcsec_topo_ctx.h"
#include "mcsec_topo_msg.h"
#include "mcsec_topo_net.h"

/* See mcsec_topo.h. */
bool mcsec_topo_received_ruri(struct sip_msg *msg, const mcsec_partner_t *partner, str *uri)
{
    if (partner == NULL || !partner->topology.enabled) {
        return false;
    }
    for (struct hdr_field *hf = msg->headers; hf != NULL; hf = hf->next) {
        if (mcsec_topo_hdr_is(hf, MCSEC_TOPO_RURI_HDR)) {
            *uri = mcsec_topo_trim(hf->body);
            return uri->len > 0;
        }
    }
    return false;
}

/* See mcsec_topo.h. */
int mcsec_topo_mod_init(void)
{
    if (sr_event_register_cb(SREV_NET_DATA_IN, mcsec_topo_net_in) != 0 ||
        sr_event_register_cb(SREV_NET_DATA_OUT, mcsec_topo_net_out) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: cannot register the network event callbacks");
        return -1;
    }
    /* SREV_NET_DATA_IN rewrites the receive buffer in place. */
    tcp_set_clone_rcvbuf(1);
    mcsec_topo_ctx_mod_init();
    return 0;
}

/* See mcsec_topo.h. */
void mcsec_topo_mod_destroy(void)
{
    mcsec_topo_ctx_destroy();
}

/* Sets a rejection. */
static int reject(mcsec_verdict_t *verdict, mcsec_reason_t reason, const char *why)
{
    verdict->reason = reason;
    snprintf(verdict->detail, sizeof(verdict->detail), "topology: %s", why);
    return -1;
}

/* Ingress: the mark SREV_NET_DATA_IN left on a request whose tokens did not
 * decode becomes a topo.bad_token rejection. */
static int stage_ingress(struct sip_msg *msg, mcsec_verdict_t *verdict)
{
    for (struct hdr_field *hf = msg->headers; hf != NULL; hf = hf->next) {
        if (mcsec_topo_hdr_is(hf, MCSEC_TOPO_RURI_HDR) &&
            del_lump(msg, mcsec_topo_off(msg, hf->name.s), hf->len, 0) == NULL) {
            return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "internal header lump");
        }
        if (mcsec_topo_hdr_is(hf, MCSEC_TOPO_FAULT_HDR)) {
            str why = mcsec_topo_trim(hf->body);
            char text[96];
            snprintf(text, sizeof(text), "%.*s", why.len > 80 ? 80 : why.len, why.s);
            return reject(verdict, MCSEC_REASON_TOPO_BAD_TOKEN, text);
        }
    }
    return 0;
}

/* Replaces the Call-ID body with value (a lump). */
static int replace_callid(struct sip_msg *msg, const char *value, size_t len)
{
    str old = mcsec_topo_callid(msg);
    char *copy = pkg_malloc(len);
    if (copy == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "memory", "out of private memory");
        return -1;
    }
    memcpy(copy, value, len);
    struct lump *l = del_lump(msg, mcsec_topo_off(msg, old.s), old.len, HDR_CALLID_T);
    if (l == NULL || insert_new_lump_after(l, copy, (int)len, HDR_CALLID_T) == NULL) {
        pkg_free(copy);
        return -1;
    }
    return 0;
}

/* In-dialog request from inside: the Call-ID token this dialog uses on
 * the partner side, from the ;mcsec-cid= of the Route loose_route
 * processed (our own Record-Route), checked by decoding it, so a key
 * rotation during the dialog changes nothing. Returns 1 with the token
 * Call-ID in out; 0 when the Route has no such parameter (the dialog was
 * started by the partner: its Call-ID stays); 2 when the parameter does
 * not decode to this Call-ID (a fresh token is made instead); -1 when it
 * does not fit. */
static int dialog_callid_token(struct sip_msg *msg, mcsec_topo_t *topo, const char *host,
                               str callid, char *out, size_t out_size, size_t *out_len)
{
    str name = str_init(MCSEC_TOPO_CID_PARAM);
    str value = {NULL, 0};
    const rr_api_t *rr = mcsec_topo_rr_api();
    if (rr == NULL || rr->get_route_param(msg, &name, &value) != 0 || value.len <= 0) {
        return 0;
    }
    size_t host_len = strlen(host);
    if ((size_t)value.len + 1 + host_len > out_size) {
        return -1;
    }
    memcpy(out, value.s, (size_t)value.len);
    out[value.len] = '@';
    memcpy(out + value.len + 1, host, host_len);
    *out_len = (size_t)value.len + 1 + host_len;
    char clear[MCSEC_TOPO_MAX_VALUE + 64];
    size_t clear_len = 0;
    mcsec_topo_error_t err = {MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    if (mcsec_topo_restore_callid(topo, (mcsec_str_t){out, *out_len}, clear, sizeof(clear),
                                  &clear_len, &err) != MCSEC_OK ||
        clear_len != (size_t)callid.len || memcmp(clear, callid.s, clear_len) != 0) {
        /* A Route of another dialog or an old key: make a fresh token. */
        return 2;
    }
    return 1;
}

/* Whether the request came with a Route header: an in-dialog request of
 * a dialog through the border always does (our Record-Route). */
static bool has_route(struct sip_msg *msg)
{
    return parse_headers(msg, HDR_ROUTE_F, 0) == 0 && msg->route != NULL;
}

/* Egress: Call-ID token, and ;mcsec-cid= on the Record-Route to come. An
 * in-dialog request without any Route belongs to no dialog through the
 * border (a stray ACK or BYE): its Call-ID follows the rule of initial
 * requests, so an inside Call-ID never leaves unhidden. */
static int stage_egress(struct sip_msg *msg, const mcsec_policy_t *policy,
                        const mcsec_partner_t *partner, mcsec_topo_t *topo,
                        mcsec_verdict_t *verdict)
{
    str callid = mcsec_topo_callid(msg);
    if (callid.len <= 0) {
        return reject(verdict, MCSEC_REASON_SIP_MALFORMED, "no Call-ID");
    }
    mcsec_str_t cid = mcsec_topo_mstr(callid);
    char token[MCSEC_TOPO_MAX_VALUE * 2];
    size_t token_len = 0;
    bool initial = !mcsec_topo_has_totag(msg);
    bool by_rule = initial; /* tokenized only when the Call-ID needs it */
    if (!initial) {
        int found = dialog_callid_token(msg, topo, policy->system.topology_host, callid, token,
                                        sizeof(token), &token_len);
        if (found == 0) {
            if (has_route(msg)) {
                return 0; /* a dialog the partner started: its Call-ID stays */
            }
            by_rule = true;
        }
        if (found == 1) {
            return replace_callid(msg, token, token_len) == 0
                       ? 0
                       : reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "Call-ID lump");
        }
        if (found < 0) {
            return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "Route Call-ID too long");
        }
    }
    if (by_rule && !partner->topology.tokenize_callid &&
        !mcsec_topo_callid_needs_hiding(topo, cid)) {
        return 0;
    }
    if (mcsec_topo_hide_callid(topo, cid, token, sizeof(token), &token_len) != MCSEC_OK) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "Call-ID cannot be tokenized");
    }
    if (replace_callid(msg, token, token_len) != 0) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "Call-ID lump");
    }
    const rr_api_t *rr = mcsec_topo_rr_api();
    if (initial && rr != NULL) {
        /* ";mcsec-cid=" + the token part (before '@'). */
        const char *at = memchr(token, '@', token_len);
        size_t part = at != NULL ? (size_t)(at - token) : token_len;
        char param[sizeof(MCSEC_TOPO_CID_PARAM) + 2 + sizeof(token)];
        int n = snprintf(param, sizeof(param), ";%s=%.*s", MCSEC_TOPO_CID_PARAM, (int)part, token);
        str rr_param = {param, n};
        if (n <= 0 || (size_t)n >= sizeof(param) || rr->add_rr_param(msg, &rr_param) != 0) {
            return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "Record-Route parameter");
        }
    }
    return 0;
}

/* See mcsec_topo.h. */
int mcsec_topo_stage(struct sip_msg *msg, const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                     bool egress)
{
    const mcsec_partner_t *partner = verdict->partner;
    if (policy == NULL || partner == NULL || !partner->topology.enabled) {
        return 0;
    }
    bool broken = false;
    mcsec_topo_t *topo = mcsec_topo_proc(policy, &broken);
    if (topo == NULL) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE,
                      "the topology key is not usable (see the log)");
    }
    int rc =
        egress ? stage_egress(msg, policy, partner, topo, verdict) : stage_ingress(msg, verdict);
    return rc != 0 ? rc : mcsec_topo_body_stage(msg, policy, verdict, egress);
}
