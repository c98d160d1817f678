/* The border's own refusals: see mcsec_refusal.h. */
#include <string.h>

#include "core/dprint.h"
#include "core/parser/parse_via.h"
#include "core/script_cb.h"

#include "mcsec_log.h"
#include "mcsec_refusal.h"

/* Longest Via branch and Call-ID a refusal is recognised by; a request
 * with a longer one gets no answer to a non-partner (fail closed). */
#define REFUSAL_MAX_VALUE 256

typedef struct {
    bool set;
    char branch[REFUSAL_MAX_VALUE];
    int branch_len; /* -1: no branch */
    char callid[REFUSAL_MAX_VALUE];
    int callid_len; /* -1: no Call-ID */
    struct ip_addr src;
    int proto;
} refusal_t;

/* This process's record (see mcsec_refusal.h). */
static refusal_t refusal;

/* Pre-script callback: a new message is being handled. */
static int refusal_clear(struct sip_msg *msg, unsigned int flags, void *param)
{
    (void)msg;
    (void)flags;
    (void)param;
    refusal.set = false;
    return 1;
}

/* See mcsec_refusal.h. */
int mcsec_refusal_mod_init(void)
{
    if (register_script_cb(refusal_clear, PRE_SCRIPT_CB | REQUEST_CB | ONREPLY_CB | FAILURE_CB,
                           0) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "refusal", "cannot register the pre-script callback");
        return -1;
    }
    return 0;
}

/* The top Via's branch of msg, {NULL, -1} when none. */
static str top_branch(struct sip_msg *msg)
{
    str none = {NULL, -1};
    if (msg->via1 == NULL || msg->via1->branch == NULL) {
        return none;
    }
    return msg->via1->branch->value;
}

/* The Call-ID body of msg, {NULL, -1} when none. */
static str callid_of(struct sip_msg *msg)
{
    str none = {NULL, -1};
    if (msg->callid == NULL) {
        return none;
    }
    str v = msg->callid->body;
    while (v.len > 0 && (v.s[v.len - 1] == ' ' || v.s[v.len - 1] == '\t' ||
                         v.s[v.len - 1] == '\r' || v.s[v.len - 1] == '\n')) {
        v.len--;
    }
    return v;
}

/* Copies v into buf; false when it does not fit. */
static bool keep(str v, char *buf, int *len)
{
    if (v.len > REFUSAL_MAX_VALUE) {
        return false;
    }
    if (v.len > 0) {
        memcpy(buf, v.s, (size_t)v.len);
    }
    *len = v.len;
    return true;
}

/* See mcsec_refusal.h. */
void mcsec_refusal_record(struct sip_msg *req)
{
    refusal.set = false;
    if (parse_headers(req, HDR_VIA1_F | HDR_CALLID_F, 0) < 0 && req->via1 == NULL) {
        return; /* no Via: Kamailio cannot answer it anyway */
    }
    if (!keep(top_branch(req), refusal.branch, &refusal.branch_len) ||
        !keep(callid_of(req), refusal.callid, &refusal.callid_len)) {
        mcsec_logf(
            MCSEC_LOG_NOTICE, "refusal",
            "a refused request with an over-long Via branch or Call-ID gets no answer outside");
        return;
    }
    refusal.src = req->rcv.src_ip;
    refusal.proto = req->rcv.proto;
    refusal.set = true;
}

/* Whether v equals the recorded value buf/len (absent = absent). */
static bool same(str v, const char *buf, int len)
{
    return v.len == len && (len <= 0 || memcmp(v.s, buf, (size_t)len) == 0);
}

/* See mcsec_refusal.h. */
bool mcsec_refusal_is_own(struct sip_msg *reply, const struct dest_info *dst)
{
    if (!refusal.set || reply->first_line.type != SIP_REPLY || dst->proto != refusal.proto) {
        return false;
    }
    struct ip_addr to;
    su2ip_addr(&to, (union sockaddr_union *)&dst->to);
    return ip_addr_cmp(&to, &refusal.src) &&
           same(top_branch(reply), refusal.branch, refusal.branch_len) &&
           same(callid_of(reply), refusal.callid, refusal.callid_len);
}
