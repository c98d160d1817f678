/* SREV_NET_DATA_IN: restores our tokens in every message from a partner IS
 * proxy with topology hiding on, before Kamailio parses it. See
 * mcsec_topo_net.h and mcsec_topo.h. */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/mem/mem.h"
#include "core/parser/parse_rr.h"

#include "mcsec/topo/topo.h"
#include "mcsec_counters.h"
#include "mcsec_log.h"
#include "mcsec_shm_policy.h"
#include "mcsec_topo_body.h"
#include "mcsec_topo_ctx.h"
#include "mcsec_topo_msg.h"
#include "mcsec_topo_net.h"

/* What one incoming message needs. */
typedef struct {
    struct sip_msg *msg;
    mcsec_topo_t *topo;
    mcsec_str_t callid; /* as on the wire: the associated data */
    mcsec_topo_edits_t *edits;
    mcsec_topo_error_t err;
    const char *failed_kind; /* which token failed, for the log */
    const mcsec_policy_t *policy;
    int partner_index;
    mcsec_reason_t reply_reason; /* why a reply is dropped (else topo.bad_token) */
    char reply_detail[160];
} in_ctx_t;

/* Restores one value into the arena and records the edit; on failure
 * records which kind failed. Returns 0 or -1. */
static int restore_edit(in_ctx_t *ctx, int start, int end, mcsec_err_t rc, size_t len,
                        const char *kind)
{
    if (rc != MCSEC_OK) {
        ctx->failed_kind = kind;
        if (ctx->err.reason == MCSEC_REASON_NONE) {
            ctx->err.reason = MCSEC_REASON_TOPO_BAD_TOKEN;
        }
        return -1;
    }
    mcsec_topo_edit_commit(ctx->edits, start, end, len);
    return 0;
}

/* Request-URI token -> the Contact URI of our MC server, or the URI a
 * dialog-independent token (element, Refer-To target) stands for. */
static int restore_ruri(in_ctx_t *ctx)
{
    str uri = ctx->msg->first_line.u.request.uri;
    mcsec_str_t token;
    if (!mcsec_topo_uri_token(ctx->topo, mcsec_topo_mstr(uri), &token)) {
        return 0;
    }
    size_t avail = 0;
    size_t len = 0;
    char *space = mcsec_topo_edit_space(ctx->edits, &avail);
    mcsec_err_t rc = mcsec_topo_restore_target_uri(ctx->topo, mcsec_topo_mstr(uri), ctx->callid,
                                                   space, avail, &len, &ctx->err);
    int start = mcsec_topo_off(ctx->msg, uri.s);
    if (restore_edit(ctx, start, start + uri.len, rc, len, "request-URI") != 0) {
        return -1;
    }
    /* Keep the URI the partner sent (and signed an EAR for, if any). */
    char line[2 * MCSEC_TOPO_MAX_VALUE + sizeof(MCSEC_TOPO_RURI_HDR) + 8];
    int n = snprintf(line, sizeof(line), "%s: %.*s\r\n", MCSEC_TOPO_RURI_HDR, uri.len, uri.s);
    if (n <= 0 || (size_t)n >= sizeof(line)) {
        ctx->failed_kind = "request-URI";
        ctx->err = (mcsec_topo_error_t){MCSEC_REASON_TOPO_BAD_TOKEN, MCSEC_TOPO_FAULT_MALFORMED};
        return -1;
    }
    int at = mcsec_topo_off(ctx->msg, ctx->msg->headers->name.s);
    mcsec_topo_edit_add(ctx->edits, at, at, line, (size_t)n);
    return 0;
}

/* Route (requests) or Record-Route (replies) entries that are our tokens. */
static int restore_routes(in_ctx_t *ctx, enum _hdr_types_t type)
{
    for (struct hdr_field *hf = ctx->msg->headers; hf != NULL; hf = hf->next) {
        if (hf->type != type) {
            continue;
        }
        if (parse_rr(hf) < 0) {
            ctx->failed_kind = "unparsable route";
            ctx->err.reason = MCSEC_REASON_TOPO_BAD_TOKEN;
            ctx->err.fault = MCSEC_TOPO_FAULT_MALFORMED;
            return -1;
        }
        for (rr_t *entry = hf->parsed; entry != NULL; entry = entry->next) {
            str text = mcsec_topo_trim((str){entry->nameaddr.name.s, entry->len});
            mcsec_str_t token;
            if (!mcsec_topo_uri_token(ctx->topo, mcsec_topo_mstr(text), &token)) {
                continue;
            }
            size_t avail = 0;
            size_t len = 0;
            char *space = mcsec_topo_edit_space(ctx->edits, &avail);
            mcsec_err_t rc =
                mcsec_topo_restore_route(ctx->topo, MCSEC_TOPO_RR, mcsec_topo_mstr(text),
                                         ctx->callid, space, avail, &len, &ctx->err);
            int start = mcsec_topo_off(ctx->msg, text.s);
            if (restore_edit(ctx, start, start + text.len, rc, len, "route") != 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Call-ID token -> our Call-ID. For a request, the token part goes on the
 * partner's top Via (;mcsec-cid=), so that every reply, relayed or local,
 * gets the token back in SREV_NET_DATA_OUT. */
static int restore_callid(in_ctx_t *ctx, bool request)
{
    if (!mcsec_topo_callid_is_token(ctx->topo, ctx->callid)) {
        return 0;
    }
    size_t avail = 0;
    size_t len = 0;
    char *space = mcsec_topo_edit_space(ctx->edits, &avail);
    mcsec_err_t rc =
        mcsec_topo_restore_callid(ctx->topo, ctx->callid, space, avail, &len, &ctx->err);
    str old = mcsec_topo_callid(ctx->msg);
    int start = mcsec_topo_off(ctx->msg, old.s);
    if (restore_edit(ctx, start, start + old.len, rc, len, "Call-ID") != 0) {
        return -1;
    }
    if (request) {
        const char *at = memchr(ctx->callid.ptr, '@', ctx->callid.len);
        size_t part = at != NULL ? (size_t)(at - ctx->callid.ptr) : ctx->callid.len;
        str top = mcsec_topo_via_text(ctx->msg->h_via1, ctx->msg->via1);
        char param[MCSEC_TOPO_MAX_VALUE];
        int n = snprintf(param, sizeof(param), ";%s=%.*s", MCSEC_TOPO_CID_PARAM, (int)part,
                         ctx->callid.ptr);
        if (n <= 0 || (size_t)n >= sizeof(param)) {
            return -1;
        }
        int end = mcsec_topo_off(ctx->msg, top.s + top.len);
        mcsec_topo_edit_add(ctx->edits, end, end, param, (size_t)n);
    }
    return 0;
}

/* Replies: the token Via below the border's own becomes the original Vias
 * again (separate header lines when it had its own line). */
static int restore_vias(in_ctx_t *ctx)
{
    bool first = true;
    for (struct hdr_field *hf = ctx->msg->headers; hf != NULL; hf = hf->next) {
        if (hf->type != HDR_VIA_T || hf->parsed == NULL) {
            continue;
        }
        for (struct via_body *vb = hf->parsed; vb != NULL; vb = vb->next) {
            if (first) {
                first = false; /* the border's own Via */
                continue;
            }
            str text = mcsec_topo_via_text(hf, vb);
            mcsec_str_t token;
            if (!mcsec_topo_via_token(mcsec_topo_mstr(text), &token)) {
                continue;
            }
            char buf[MCSEC_TOPO_MAX_VALUE];
            mcsec_str_t items[64];
            size_t count = 0;
            mcsec_err_t rc = mcsec_topo_restore_vias(ctx->topo, token, ctx->callid, buf,
                                                     sizeof(buf), items, 64, &count, &ctx->err);
            if (rc != MCSEC_OK) {
                ctx->failed_kind = "Via";
                if (ctx->err.reason == MCSEC_REASON_NONE) {
                    ctx->err.reason = MCSEC_REASON_TOPO_BAD_TOKEN;
                }
                return -1;
            }
            bool own_line = vb == hf->parsed && vb->next == NULL;
            size_t avail = 0;
            char *space = mcsec_topo_edit_space(ctx->edits, &avail);
            size_t o = 0;
            for (size_t i = 0; i < count; i++) {
                const char *sep = own_line ? "Via: " : (i > 0 ? ", " : "");
                size_t sep_len = strlen(sep);
                if (o + sep_len + items[i].len + 2 > avail) {
                    return -1;
                }
                memcpy(space + o, sep, sep_len);
                o += sep_len;
                memcpy(space + o, items[i].ptr, items[i].len);
                o += items[i].len;
                if (own_line) {
                    space[o++] = '\r';
                    space[o++] = '\n';
                }
            }
            int start = mcsec_topo_off(ctx->msg, own_line ? hf->name.s : text.s);
            int end = own_line ? start + hf->len : start + text.len;
            mcsec_topo_edit_commit(ctx->edits, start, end, o);
        }
    }
    return 0;
}

/* Ingress rewrite of one Refer-To or Replaces value (see restore_refer). */
static mcsec_err_t restore_refer_value(void *arg, bool refer_to, mcsec_str_t value, char *out,
                                       size_t out_size, size_t *out_len, bool *changed)
{
    in_ctx_t *ctx = arg;
    return refer_to ? mcsec_topo_restore_refer_to(ctx->topo, value, ctx->callid, out, out_size,
                                                  out_len, changed, &ctx->err)
                    : mcsec_topo_restore_replaces(ctx->topo, value, out, out_size, out_len, changed,
                                                  &ctx->err);
}

/* Requests: our token in a Refer-To target and the Call-ID tokens in
 * Replaces (header, or escaped in the Refer-To) come back. 0 or -1 with
 * the failing kind recorded. */
static int restore_refer(in_ctx_t *ctx)
{
    bool refer_to = false;
    if (mcsec_topo_edit_refer_headers(ctx->msg, ctx->edits, restore_refer_value, ctx, &refer_to) ==
        MCSEC_OK) {
        return 0;
    }
    ctx->failed_kind = refer_to ? "Refer-To" : "Replaces";
    if (ctx->err.reason == MCSEC_REASON_NONE) {
        ctx->err.reason = MCSEC_REASON_TOPO_BAD_TOKEN;
    }
    return -1;
}

/* Replies: our element tokens in the body come back. A failure sets the
 * reason the reply is dropped for. */
static int restore_reply_body(in_ctx_t *ctx)
{
    const mcsec_partner_t *partner = &ctx->policy->partners[ctx->partner_index];
    mcsec_verdict_t verdict = {MCSEC_REASON_NONE, partner, ctx->partner_index, ""};
    if (mcsec_topo_reply_body(ctx->msg, ctx->policy, &verdict, false, ctx->edits) != 0) {
        ctx->reply_reason = verdict.reason;
        snprintf(ctx->reply_detail, sizeof(ctx->reply_detail), "%s", verdict.detail);
        ctx->failed_kind = "element";
        return -1;
    }
    return 0;
}

/* Removes every Mcsec-Topo-Fault and Mcsec-Topo-Ruri header the partner
 * sent: only ours may reach mcsec_ingress(). */
static void strip_fault_headers(in_ctx_t *ctx)
{
    for (struct hdr_field *hf = ctx->msg->headers; hf != NULL; hf = hf->next) {
        if (mcsec_topo_hdr_is(hf, MCSEC_TOPO_FAULT_HDR) ||
            mcsec_topo_hdr_is(hf, MCSEC_TOPO_RURI_HDR)) {
            int start = mcsec_topo_off(ctx->msg, hf->name.s);
            mcsec_topo_edit_add(ctx->edits, start, start + hf->len, NULL, 0);
        }
    }
}

/* Collects the edits; -1 when a token did not decode. */
static int restore_message(in_ctx_t *ctx)
{
    if (ctx->msg->first_line.type == SIP_REQUEST) {
        if (restore_ruri(ctx) != 0 || restore_routes(ctx, HDR_ROUTE_T) != 0 ||
            restore_callid(ctx, true) != 0 || restore_refer(ctx) != 0) {
            return -1;
        }
    } else if (restore_vias(ctx) != 0 || restore_routes(ctx, HDR_RECORDROUTE_T) != 0 ||
               restore_callid(ctx, false) != 0 || restore_reply_body(ctx) != 0) {
        return -1;
    }
    strip_fault_headers(ctx);
    return 0;
}

/* A request whose tokens failed: unchanged but for the partner's fault
 * headers, plus ours naming the failure, for mcsec_ingress(). */
static void mark_bad_request(in_ctx_t *ctx)
{
    ctx->edits->count = 0;
    ctx->edits->arena_used = 0;
    ctx->edits->failed = false;
    strip_fault_headers(ctx);
    char line[160];
    int n =
        snprintf(line, sizeof(line), "%s: %s token: %s\r\n", MCSEC_TOPO_FAULT_HDR,
                 ctx->failed_kind ? ctx->failed_kind : "a", mcsec_topo_fault_str(ctx->err.fault));
    if (n > 0 && (size_t)n < sizeof(line)) {
        int at = mcsec_topo_off(ctx->msg, ctx->msg->headers->name.s);
        mcsec_topo_edit_add(ctx->edits, at, at, line, (size_t)n);
    }
}

/* Writes the edited message back into the receive buffer (at most
 * BUF_SIZE octets, as topoh does). Returns 0 or -1. */
static int write_back(mcsec_topo_edits_t *edits, str *buf)
{
    int size = mcsec_topo_edits_result_len(edits, buf->len) + 1;
    if (size > BUF_SIZE) {
        return -1;
    }
    char *nbuf = pkg_malloc((size_t)size);
    if (nbuf == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "memory", "out of private memory");
        return -1;
    }
    int nlen = mcsec_topo_edits_apply(edits, buf->s, buf->len, nbuf, size);
    if (nlen >= 0) {
        memcpy(buf->s, nbuf, (size_t)nlen + 1);
        buf->len = nlen;
    }
    pkg_free(nbuf);
    return nlen >= 0 ? 0 : -1;
}

/* The partner (index, or -1) a message received from ip:port belongs to
 * when topology hiding is on for it (binary compare, no address text).
 * Outgoing messages are judged by socket and IP instead
 * (mcsec_topo_net_out). */
static int topo_partner(const mcsec_policy_t *policy, const struct ip_addr *ip, unsigned port)
{
    int family = ip->af == AF_INET6 ? AF_INET6 : ip->af == AF_INET ? AF_INET : -1;
    int index = mcsec_partner_by_addr(policy, family, ip->u.addr, (uint16_t)port);
    if (index < 0 || !policy->partners[index].topology.enabled) {
        return -1;
    }
    return index;
}

/* See mcsec_topo_net.h. */
int mcsec_topo_net_in(sr_event_param_t *evp)
{
    str *buf = (str *)evp->data;
    if (buf == NULL || buf->s == NULL || buf->len <= 4 || evp->rcv == NULL) {
        return 0;
    }
    const mcsec_policy_t *policy = mcsec_proc_policy();
    if (policy == NULL) {
        return 0;
    }
    int partner_index = topo_partner(policy, &evp->rcv->src_ip, evp->rcv->src_port);
    if (partner_index < 0) {
        return 0;
    }
    bool broken = false;
    mcsec_topo_t *topo = mcsec_topo_proc(policy, &broken);
    if (topo == NULL) {
        return 0; /* mcsec_ingress() rejects with policy.unavailable */
    }
    struct sip_msg msg;
    mcsec_topo_edits_t edits;
    if (mcsec_topo_parse(&msg, buf->s, buf->len) != 0 ||
        mcsec_topo_edits_init(&edits, (size_t)buf->len + 8192) != 0) {
        /* Kamailio's own parser and the cfg's checks deal with it. */
        mcsec_topo_unparse(&msg);
        return 0;
    }
    in_ctx_t ctx = {&msg,
                    topo,
                    mcsec_topo_mstr(mcsec_topo_callid(&msg)),
                    &edits,
                    {MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE},
                    NULL,
                    policy,
                    partner_index,
                    MCSEC_REASON_TOPO_BAD_TOKEN,
                    ""};
    bool request = msg.first_line.type == SIP_REQUEST;
    bool bad = restore_message(&ctx) != 0 || edits.failed;
    if (bad && !request) {
        const mcsec_partner_t *partner = &policy->partners[partner_index];
        if (ctx.reply_detail[0] == '\0') {
            snprintf(ctx.reply_detail, sizeof(ctx.reply_detail), "%s token: %s",
                     ctx.failed_kind ? ctx.failed_kind : "a", mcsec_topo_fault_str(ctx.err.fault));
        }
        mcsec_verdict_log_t line = {
            .egress = false,
            .reply = true,
            .partner = partner->name,
            .reason = (int)ctx.reply_reason,
            .method = "other",
            .method_len = 5,
            .status = msg.first_line.u.reply.statuscode,
            .detail = ctx.reply_detail,
            .outcome = "dropped",
        };
        mcsec_log_verdict(&line);
        mcsec_counters_message(partner_index, false, true, mcsec_counters_method(NULL, 0),
                               ctx.reply_reason);
        buf->len = 0; /* Kamailio drops what it cannot parse */
        buf->s[0] = '\0';
    } else {
        if (bad) {
            mark_bad_request(&ctx);
        }
        if (edits.count > 0 && write_back(&edits, buf) != 0) {
            mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: restored message too large: dropped");
            buf->len = 0;
            buf->s[0] = '\0';
        }
    }
    mcsec_topo_edits_free(&edits);
    mcsec_topo_unparse(&msg);
    return 0;
}
