/* SREV_NET_DATA_OUT: hides our inside in every message that leaves the
 * outside socket for a partner IS proxy with topology hiding on, whatever
 * its destination port, and drops relayed messages that would leave it
 * for an address of no partner. See mcsec_topo_net.h, mcsec_topo.h,
 * mcsec_outside.h and mcsec_refusal.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/parser/parse_cseq.h"
#include "core/ip_addr.h"
#include "core/mem/mem.h"
#include "core/parser/contact/parse_contact.h"
#include "core/parser/parse_rr.h"
#include "core/parser/parse_uri.h"

#include "mcsec/sip/check.h"
#include "mcsec/util/reason.h"
#include "mcsec/topo/topo.h"
#include "mcsec_counters.h"
#include "mcsec_log.h"
#include "mcsec_outside.h"
#include "mcsec_refusal.h"
#include "mcsec_shm_policy.h"
#include "mcsec_topo_body.h"
#include "mcsec_topo_ctx.h"
#include "mcsec_topo_msg.h"
#include "mcsec_topo_net.h"

/* What one outgoing message needs. */
typedef struct {
    struct sip_msg *msg;
    mcsec_topo_t *topo;
    const mcsec_partner_t *partner;
    int partner_index;
    const mcsec_policy_t *policy;
    struct socket_info *send_sock; /* NULL when unknown */
    mcsec_str_t callid;            /* the partner-side Call-ID (associated data) */
    mcsec_topo_edits_t *edits;
    char callid_buf[MCSEC_TOPO_MAX_VALUE]; /* a reply's token Call-ID */
} out_ctx_t;

/* Replaces [start, end) by the output of a libmcsec transform written
 * straight into the arena. Returns 0 or -1. */
typedef mcsec_err_t (*transform_f)(out_ctx_t *ctx, mcsec_str_t value, char *out, size_t out_size,
                                   size_t *out_len);

static int edit_transform(out_ctx_t *ctx, int start, int end, mcsec_str_t value,
                          transform_f transform)
{
    size_t avail = 0;
    char *space = mcsec_topo_edit_space(ctx->edits, &avail);
    size_t len = 0;
    mcsec_err_t rc = transform(ctx, value, space, avail, &len);
    if (rc != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: cannot tokenize a value (%s)",
                   mcsec_err_str(rc));
        return -1;
    }
    mcsec_topo_edit_commit(ctx->edits, start, end, len);
    return 0;
}

/* Transforms with the shape transform_f. */
static mcsec_err_t hide_rr(out_ctx_t *ctx, mcsec_str_t v, char *o, size_t n, size_t *l)
{
    return mcsec_topo_hide_route(ctx->topo, MCSEC_TOPO_RR, v, ctx->callid, o, n, l);
}
static mcsec_err_t hide_path(out_ctx_t *ctx, mcsec_str_t v, char *o, size_t n, size_t *l)
{
    return mcsec_topo_hide_route(ctx->topo, MCSEC_TOPO_PATH, v, ctx->callid, o, n, l);
}
static mcsec_err_t hide_contact(out_ctx_t *ctx, mcsec_str_t v, char *o, size_t n, size_t *l)
{
    return mcsec_topo_hide_contact(ctx->topo, v, ctx->callid, o, n, l);
}

/* Whether hosts a and b are the same text, either of them possibly an IPv6
 * reference in brackets (RFC 3261 25.1: a URI's host is "[2001:db8::1]",
 * a socket's address_str is "2001:db8::1"). */
static bool same_host(str a, str b)
{
    if (a.len >= 2 && a.s[0] == '[' && a.s[a.len - 1] == ']') {
        a.s++;
        a.len -= 2;
    }
    if (b.len >= 2 && b.s[0] == '[' && b.s[b.len - 1] == ']') {
        b.s++;
        b.len -= 2;
    }
    return a.len > 0 && a.len == b.len && strncasecmp(a.s, b.s, (size_t)a.len) == 0;
}

/* Whether a route entry's URI names the socket the message leaves from
 * (the border's own outside Record-Route, which must stay readable). */
static bool is_send_socket(const out_ctx_t *ctx, const rr_t *entry)
{
    const struct socket_info *sock = ctx->send_sock;
    struct sip_uri uri;
    if (sock == NULL || parse_uri(entry->nameaddr.uri.s, entry->nameaddr.uri.len, &uri) != 0) {
        return false;
    }
    unsigned port = uri.port_no != 0 ? uri.port_no : (uri.type == SIPS_URI_T ? 5061 : 5060);
    bool host_match = same_host(uri.host, sock->address_str) ||
                      (sock->useinfo.name.len > 0 && same_host(uri.host, sock->useinfo.name));
    unsigned sock_port =
        sock->useinfo.port_no > 0 ? (unsigned)sock->useinfo.port_no : (unsigned)sock->port_no;
    return host_match && (port == sock->port_no || port == sock_port);
}

/* Record-Route (or Path) entries. Requests: every entry except the one of
 * our outside socket. Replies: the entries above our outside socket's
 * (those of our side); all of them when ours is not there. */
static int hide_routes(out_ctx_t *ctx, enum _hdr_types_t type, bool reply)
{
    transform_f transform = type == HDR_PATH_T ? hide_path : hide_rr;
    for (struct hdr_field *hf = ctx->msg->headers; hf != NULL; hf = hf->next) {
        if (hf->type != type) {
            continue;
        }
        if (parse_rr(hf) < 0) {
            mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: cannot parse a %.*s header", hf->name.len,
                       hf->name.s);
            return -1;
        }
        for (rr_t *entry = hf->parsed; entry != NULL; entry = entry->next) {
            if (type == HDR_RECORDROUTE_T && is_send_socket(ctx, entry)) {
                if (reply) {
                    return 0;
                }
                continue;
            }
            str text = {entry->nameaddr.name.s, entry->len};
            text = mcsec_topo_trim(text);
            int start = mcsec_topo_off(ctx->msg, text.s);
            if (edit_transform(ctx, start, start + text.len, mcsec_topo_mstr(text), transform) !=
                0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Every Contact (our MC servers'), except "*". */
static int hide_contacts(out_ctx_t *ctx)
{
    for (struct hdr_field *hf = ctx->msg->headers; hf != NULL; hf = hf->next) {
        if (hf->type != HDR_CONTACT_T) {
            continue;
        }
        if (hf->parsed == NULL && parse_contact(hf) < 0) {
            mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: cannot parse a Contact header");
            return -1;
        }
        contact_body_t *body = hf->parsed;
        if (body->star) {
            continue;
        }
        for (contact_t *c = body->contacts; c != NULL; c = c->next) {
            str text = {c->name.s, c->len};
            text = mcsec_topo_trim(text);
            int start = mcsec_topo_off(ctx->msg, text.s);
            if (edit_transform(ctx, start, start + text.len, mcsec_topo_mstr(text), hide_contact) !=
                0) {
                return -1;
            }
        }
    }
    return 0;
}

/* The border's own rejection reason (cfg: Warning: 399 HOST "<reason
 * code>", when the partner's sip.warning_reason is on) is the one Warning
 * a partner may see: a Warning of exactly that shape whose text is one of
 * our reason codes is rewritten with our topology host as the agent;
 * every other Warning is stripped like the rest. Returns true when hf was
 * rewritten. */
static bool keep_reason_warning(out_ctx_t *ctx, struct hdr_field *hf)
{
    str body = mcsec_topo_trim(hf->body);
    if (!mcsec_topo_hdr_is(hf, "Warning") || body.len < 8 || strncmp(body.s, "399 ", 4) != 0) {
        return false;
    }
    const char *open = memchr(body.s, '"', (size_t)body.len);
    if (open == NULL || body.s[body.len - 1] != '"' || open == body.s + body.len - 1) {
        return false;
    }
    char code[64];
    int code_len = (int)(body.s + body.len - 1 - (open + 1));
    if (code_len <= 0 || code_len >= (int)sizeof(code)) {
        return false;
    }
    memcpy(code, open + 1, (size_t)code_len);
    code[code_len] = '\0';
    mcsec_reason_t reason = mcsec_reason_from_code(code);
    if (reason == MCSEC_REASON_NONE || reason == MCSEC_REASON_COUNT) {
        return false;
    }
    char line[160];
    int n = snprintf(line, sizeof(line), "Warning: 399 %s \"%s\"\r\n",
                     ctx->policy->system.topology_host, code);
    if (n <= 0 || (size_t)n >= sizeof(line)) {
        return false;
    }
    int start = mcsec_topo_off(ctx->msg, hf->name.s);
    mcsec_topo_edit_add(ctx->edits, start, start + hf->len, line, (size_t)n);
    return true;
}

/* Headers the policy strips, and our internal marker. */
static void strip_headers(out_ctx_t *ctx)
{
    for (struct hdr_field *hf = ctx->msg->headers; hf != NULL; hf = hf->next) {
        if (keep_reason_warning(ctx, hf)) {
            continue;
        }
        if (mcsec_topo_hdr_is(hf, MCSEC_TOPO_FAULT_HDR) ||
            mcsec_topo_header_stripped(mcsec_topo_mstr(hf->name),
                                       &ctx->partner->topology.strip_headers)) {
            int start = mcsec_topo_off(ctx->msg, hf->name.s);
            mcsec_topo_edit_add(ctx->edits, start, start + hf->len, NULL, 0);
        }
    }
}

/* The partner's topology.rewrite_headers (a header stripped anyway is
 * left to strip_headers): IP literals and host names of our domains in
 * their values become the topology host. Returns 0 or -1. */
static int rewrite_headers(out_ctx_t *ctx)
{
    const mcsec_strlist_t *list = &ctx->partner->topology.rewrite_headers;
    if (list->count == 0) {
        return 0;
    }
    for (struct hdr_field *hf = ctx->msg->headers; hf != NULL; hf = hf->next) {
        mcsec_str_t name = mcsec_topo_mstr(hf->name);
        /* header_stripped(name, list) is true for a listed name, and for
         * the built-in list (Warning too), which strip_headers handled. */
        if (mcsec_topo_hdr_is(hf, MCSEC_TOPO_FAULT_HDR) ||
            mcsec_topo_header_stripped(name, &ctx->partner->topology.strip_headers) ||
            !mcsec_topo_header_stripped(name, list) || hf->body.len <= 0) {
            continue;
        }
        size_t avail = 0;
        char *space = mcsec_topo_edit_space(ctx->edits, &avail);
        size_t len = 0;
        bool changed = false;
        mcsec_err_t rc =
            mcsec_topo_rewrite_hosts(ctx->topo, mcsec_topo_mstr(hf->body),
                                     &ctx->policy->system.domains, space, avail, &len, &changed);
        if (rc != MCSEC_OK) {
            mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: cannot rewrite header %.*s (%s)",
                       hf->name.len, hf->name.s, mcsec_err_str(rc));
            return -1;
        }
        if (changed) {
            int start = mcsec_topo_off(ctx->msg, hf->body.s);
            mcsec_topo_edit_commit(ctx->edits, start, start + hf->body.len, len);
        }
    }
    return 0;
}

/* Requests: the Vias below the border's own collapse into one token Via. */
static int hide_vias(out_ctx_t *ctx)
{
    mcsec_str_t values[64];
    size_t n = 0;
    struct hdr_field *first = NULL;
    int insert_at = -1;
    for (struct hdr_field *hf = ctx->msg->headers; hf != NULL; hf = hf->next) {
        if (hf->type != HDR_VIA_T || hf->parsed == NULL) {
            continue;
        }
        struct via_body *vb = hf->parsed;
        if (first == NULL) {
            first = hf;
            if (vb->next == NULL) {
                continue;
            }
            /* Our Via shares its header with others: cut them off it. */
            str ours = mcsec_topo_via_text(hf, vb);
            int from = mcsec_topo_off(ctx->msg, ours.s + ours.len);
            str body = mcsec_topo_trim(hf->body);
            mcsec_topo_edit_add(ctx->edits, from, mcsec_topo_off(ctx->msg, body.s + body.len), NULL,
                                0);
            insert_at = mcsec_topo_off(ctx->msg, hf->name.s + hf->len);
            vb = vb->next;
        } else {
            if (insert_at < 0) {
                insert_at = mcsec_topo_off(ctx->msg, hf->name.s);
            }
            int start = mcsec_topo_off(ctx->msg, hf->name.s);
            mcsec_topo_edit_add(ctx->edits, start, start + hf->len, NULL, 0);
        }
        for (; vb != NULL; vb = vb->next) {
            if (n == sizeof(values) / sizeof(values[0])) {
                mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: too many Vias");
                return -1;
            }
            values[n++] = mcsec_topo_mstr(mcsec_topo_via_text(hf, vb));
        }
    }
    if (n == 0) {
        return 0; /* a request of the border itself (tm's CANCEL, ACK) */
    }
    static const char name[] = "Via: ";
    size_t avail = 0;
    char *space = mcsec_topo_edit_space(ctx->edits, &avail);
    if (avail < sizeof(name) + 2) {
        return -1;
    }
    memcpy(space, name, sizeof(name) - 1);
    size_t len = 0;
    mcsec_err_t rc = mcsec_topo_hide_vias(ctx->topo, values, n, ctx->callid,
                                          space + sizeof(name) - 1, avail - sizeof(name) - 1, &len);
    if (rc != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: cannot tokenize the Vias (%s)",
                   mcsec_err_str(rc));
        return -1;
    }
    len += sizeof(name) - 1;
    space[len++] = '\r';
    space[len++] = '\n';
    mcsec_topo_edit_commit(ctx->edits, insert_at, insert_at, len);
    return 0;
}

/* Replies: the partner's top Via carries ;mcsec-cid=<token> when its
 * request came with our Call-ID token: the reply gets the token back and
 * the parameter goes. */
static int reply_callid(out_ctx_t *ctx)
{
    char *buf = ctx->callid_buf;
    size_t buf_size = sizeof(ctx->callid_buf);
    struct via_param *param = mcsec_topo_via_param(ctx->msg->via1, MCSEC_TOPO_CID_PARAM);
    if (param == NULL) {
        return 0;
    }
    const char *host = ctx->policy->system.topology_host;
    int n = snprintf(buf, buf_size, "%.*s@%s", param->value.len, param->value.s, host);
    if (n <= 0 || (size_t)n >= buf_size || param->value.len <= 0) {
        return -1;
    }
    /* The parameter with its ';' (param->start is just after it). */
    int start = mcsec_topo_off(ctx->msg, param->start) - 1;
    mcsec_topo_edit_add(ctx->edits, start, start + 1 + param->size, NULL, 0);
    str old = mcsec_topo_callid(ctx->msg);
    int cid_start = mcsec_topo_off(ctx->msg, old.s);
    mcsec_topo_edit_add(ctx->edits, cid_start, cid_start + old.len, buf, (size_t)n);
    ctx->callid = (mcsec_str_t){buf, (size_t)n};
    return 0;
}

/* Egress rewrite of one Refer-To or Replaces value (see hide_refer). */
static mcsec_err_t hide_refer_value(void *arg, bool refer_to, mcsec_str_t value, char *out,
                                    size_t out_size, size_t *out_len, bool *changed)
{
    const out_ctx_t *ctx = arg;
    const mcsec_topo_refer_rule_t rule = {&ctx->partner->domains,
                                          ctx->partner->topology.tokenize_callid};
    return refer_to
               ? mcsec_topo_hide_refer_to(ctx->topo, value, &rule, out, out_size, out_len, changed)
               : mcsec_topo_hide_replaces(ctx->topo, value, &rule, out, out_size, out_len, changed);
}

/* Requests: a Refer-To target inside becomes a token URI, the Call-ID a
 * Replaces names (header, or escaped in the Refer-To) becomes the token
 * that dialog carries on the partner side. Returns 0 or -1. */
static int hide_refer(out_ctx_t *ctx)
{
    bool refer_to = false;
    mcsec_err_t rc =
        mcsec_topo_edit_refer_headers(ctx->msg, ctx->edits, hide_refer_value, ctx, &refer_to);
    if (rc != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: cannot hide a %s header (%s)",
                   refer_to ? "Refer-To" : "Replaces", mcsec_err_str(rc));
        return -1;
    }
    return 0;
}

/* Replies: the listed mcptt-info elements of the body (replies bypass the
 * request route, where requests get theirs). Returns 0 or -1. */
static int hide_reply_body(out_ctx_t *ctx)
{
    mcsec_verdict_t verdict = {MCSEC_REASON_NONE, ctx->partner, ctx->partner_index, ""};
    if (mcsec_topo_reply_body(ctx->msg, ctx->policy, &verdict, true, ctx->edits) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: reply body to partner %s: %s (%s)",
                   ctx->partner->name, verdict.detail, mcsec_reason_code(verdict.reason));
        return -1;
    }
    return 0;
}

/* Collects every edit of one message. */
static int hide_message(out_ctx_t *ctx)
{
    ctx->callid = mcsec_topo_mstr(mcsec_topo_callid(ctx->msg));
    bool reply = ctx->msg->first_line.type == SIP_REPLY;
    if (reply) {
        if (reply_callid(ctx) != 0 || hide_reply_body(ctx) != 0) {
            return -1;
        }
    } else if (hide_vias(ctx) != 0 || hide_refer(ctx) != 0) {
        return -1;
    }
    if (hide_routes(ctx, HDR_RECORDROUTE_T, reply) != 0 ||
        hide_routes(ctx, HDR_PATH_T, reply) != 0 || hide_contacts(ctx) != 0) {
        return -1;
    }
    strip_headers(ctx);
    return rewrite_headers(ctx);
}

/* Drops the message: msg_send_buffer() refuses a NULL buffer. */
static void drop(str *obuf)
{
    pkg_free(obuf->s);
    obuf->s = NULL;
    obuf->len = 0;
}

/* A relayed message for an address of no partner (or for any address
 * while this process has no usable policy) left the outside socket:
 * dropped, counted in the unmatched row and logged. */
static void drop_stray(str *obuf, struct sip_msg *msg, const struct dest_info *dst,
                       mcsec_reason_t reason, const char *why)
{
    bool reply = msg != NULL && msg->first_line.type == SIP_REPLY;
    str method = {NULL, 0};
    unsigned status = 0;
    if (reply) {
        status = msg->first_line.u.reply.statuscode;
        if (msg->cseq != NULL && msg->cseq->parsed != NULL) {
            method = get_cseq(msg)->method;
        }
    } else if (msg != NULL) {
        method = msg->first_line.u.request.method;
    }
    int index = mcsec_counters_method(method.s, method.len > 0 ? (size_t)method.len : 0);
    const char *name = mcsec_counters_method_name(index);
    char ip[IP_ADDR_MAX_STR_SIZE] = "?";
    struct ip_addr to;
    su2ip_addr(&to, (union sockaddr_union *)&dst->to);
    int ip_len = ip_addr2sbuf(&to, ip, sizeof(ip) - 1);
    ip[ip_len > 0 ? ip_len : 0] = '\0';
    char where[IP_ADDR_MAX_STR_SIZE + 8];
    snprintf(where, sizeof(where), "%s:%u", ip, su_getport((union sockaddr_union *)&dst->to));
    char detail[160];
    snprintf(detail, sizeof(detail), "%s on the outside socket", why);
    mcsec_verdict_log_t line = {
        .egress = true,
        .reply = reply,
        .partner = "",
        .reason = (int)reason,
        .method = name,
        .method_len = strlen(name),
        .status = status,
        .dst = where,
        .detail = detail,
        .outcome = "dropped",
    };
    mcsec_log_verdict(&line);
    mcsec_counters_message(-1, true, reply, index, reason);
    drop(obuf);
}

/* See mcsec_topo_net.h. What leaves the outside socket (or goes to a
 * partner's IP from any socket) is outbound: to a partner with topology
 * hiding on it is hidden, whatever its destination port; to a partner
 * without it, it goes as it is; to any other address only the border's
 * own refusals go (mcsec_refusal.h), everything else is dropped and
 * counted (dst.not_partner; policy.unavailable without a usable policy). */
int mcsec_topo_net_out(sr_event_param_t *evp)
{
    str *obuf = (str *)evp->data;
    const struct dest_info *dst = evp->dst;
    if (obuf == NULL || obuf->s == NULL || dst == NULL) {
        return 0;
    }
    struct socket_info *send_sock = mcsec_outside_send_socket(dst);
    const mcsec_policy_t *policy = mcsec_proc_policy();
    int partner_index = -1;
    if (policy != NULL) {
        struct ip_addr ip;
        su2ip_addr(&ip, (union sockaddr_union *)&dst->to);
        int family = ip.af == AF_INET6 ? AF_INET6 : ip.af == AF_INET ? AF_INET : -1;
        partner_index = mcsec_partner_by_dest(
            policy, family, ip.u.addr, (uint16_t)su_getport((union sockaddr_union *)&dst->to));
    }
    if (!mcsec_outside_is(send_sock) && partner_index == -1) {
        return 0; /* towards our inside */
    }
    if (partner_index >= 0 && !policy->partners[partner_index].topology.enabled) {
        return 0; /* the partner's policy does not hide */
    }
    if (obuf->len <= 4) {
        return 0; /* a keepalive (CRLF, CRLFCRLF): nothing to hide */
    }
    struct sip_msg msg;
    int parse_rc = mcsec_topo_parse(&msg, obuf->s, obuf->len);
    if (partner_index < 0) {
        if (parse_rc == 0 && mcsec_refusal_is_own(&msg, dst)) {
            mcsec_topo_unparse(&msg);
            return 0; /* our own refusal of this address's request */
        }
        drop_stray(obuf, parse_rc == 0 ? &msg : NULL, dst,
                   policy == NULL ? MCSEC_REASON_POLICY_UNAVAILABLE : MCSEC_REASON_DST_NOT_PARTNER,
                   policy == NULL ? "no usable policy"
                   : partner_index == MCSEC_PARTNER_AMBIGUOUS
                       ? "address shared by partners"
                       : "relayed to an address of no partner");
        mcsec_topo_unparse(&msg);
        return 0;
    }
    const mcsec_partner_t *partner = &policy->partners[partner_index];
    if (parse_rc != 0) {
        mcsec_topo_unparse(&msg);
        mcsec_logf(MCSEC_LOG_ERROR, "topo",
                   "topo: cannot parse a message to partner %s (step %d): dropped", partner->name,
                   -parse_rc);
        drop(obuf);
        return 0;
    }
    bool broken = false;
    mcsec_topo_t *topo = mcsec_topo_proc(policy, &broken);
    if (topo == NULL) {
        mcsec_topo_unparse(&msg);
        mcsec_logf(MCSEC_LOG_ERROR, "topo",
                   "topo: no usable topology key: message to partner %s dropped", partner->name);
        drop(obuf);
        return 0;
    }
    mcsec_topo_edits_t edits;
    if (mcsec_topo_edits_init(&edits, (size_t)obuf->len * 2 + 16384) != 0) {
        mcsec_topo_unparse(&msg);
        drop(obuf);
        return 0;
    }
    out_ctx_t ctx; /* no initializer: callid_buf needs no zeroing */
    ctx.msg = &msg;
    ctx.topo = topo;
    ctx.partner = partner;
    ctx.partner_index = partner_index;
    ctx.policy = policy;
    ctx.send_sock = send_sock;
    ctx.callid = (mcsec_str_t){NULL, 0};
    ctx.edits = &edits;
    char *nbuf = NULL;
    int nlen = -1;
    if (hide_message(&ctx) == 0 && !edits.failed) {
        int size = mcsec_topo_edits_result_len(&edits, obuf->len) + 1;
        nbuf = pkg_malloc((size_t)size);
        if (nbuf != NULL) {
            nlen = mcsec_topo_edits_apply(&edits, obuf->s, obuf->len, nbuf, size);
        }
    }
    mcsec_topo_edits_free(&edits);
    mcsec_topo_unparse(&msg);
    if (nlen < 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "topo",
                   "topo: cannot hide the topology of a message to partner %s: dropped",
                   partner->name);
        if (nbuf != NULL) {
            pkg_free(nbuf);
        }
        drop(obuf);
        return 0;
    }
    pkg_free(obuf->s);
    obuf->s = nbuf;
    obuf->len = nlen;
    return 0;
}
