/* ACK and BYE for a refused 2xx to an INVITE: see mcsec_reply_bye.h. */
#include <string.h>

#include "core/dprint.h"
#include "core/forward.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_rr.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "core/socket_info.h"
#include "core/sr_module.h"
#include "core/ut.h"
#include "modules/tm/tm_load.h"

#include "mcsec/topo/topo.h"
#include "mcsec_log.h"
#include "mcsec_reply_bye.h"
#include "mcsec_topo_ctx.h"
#include "mcsec_topo_msg.h"

/* tm's API, bound once in mod_init before the fork (read-only after). */
static struct tm_binds tmb;
static bool tm_bound;

/* See mcsec_reply_bye.h. */
int mcsec_reply_bye_mod_init(void)
{
    if (find_export("load_tm", NO_SCRIPT, 0) == NULL) {
        /* A stateless relay (bench/cfg) has no transactions to end. */
        mcsec_logf(MCSEC_LOG_NOTICE, "reply",
                   "tm is not loaded: refused 2xx replies end no dialog");
        return 0;
    }
    if (load_tm_api(&tmb) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "reply", "cannot bind tm's API");
        return -1;
    }
    tm_bound = true;
    return 0;
}

/* Drops the route set entries up to the last one that names this border
 * (our Record-Route entries and those of our side before them, in the
 * order the caller's side uses them). */
static void cut_route_set(dlg_t *dlg)
{
    rr_t *last_self = NULL;
    for (rr_t *r = dlg->route_set; r != NULL; r = r->next) {
        struct sip_uri uri;
        if (parse_uri(r->nameaddr.uri.s, r->nameaddr.uri.len, &uri) == 0 &&
            check_self(&uri.host, uri.port_no, 0) == 1) {
            last_self = r;
        }
    }
    if (last_self == NULL) {
        return;
    }
    rr_t *ours = dlg->route_set;
    dlg->route_set = last_self->next;
    last_self->next = NULL;
    shm_free_rr(&ours);
}

/* The Call-ID of the dialog as the partner knows it (see the header);
 * token is the buffer for a token. */
static str partner_callid(const mcsec_policy_t *policy, const mcsec_partner_t *partner, str callid,
                          char *token, size_t size)
{
    if (!partner->topology.enabled) {
        return callid;
    }
    bool broken = false;
    mcsec_topo_t *topo = mcsec_topo_proc(policy, &broken);
    mcsec_str_t cid = mcsec_topo_mstr(callid);
    size_t len = 0;
    if (topo == NULL ||
        (!partner->topology.tokenize_callid && !mcsec_topo_callid_needs_hiding(topo, cid)) ||
        mcsec_topo_hide_callid(topo, cid, token, size, &len) != MCSEC_OK) {
        return callid;
    }
    return (str){token, (int)len};
}

/* The socket beside arrived (same address and port) for the transport the
 * next hop names (UDP when it names none): the side the 2xx came from, so
 * the sender's policy judges the ACK and BYE by the address it knows. */
static struct socket_info *side_socket(struct socket_info *arrived, const str *next_hop)
{
    struct sip_uri uri;
    if (arrived == NULL || next_hop == NULL || parse_uri(next_hop->s, next_hop->len, &uri) < 0) {
        return arrived;
    }
    unsigned short proto = uri.proto != PROTO_NONE ? uri.proto : PROTO_UDP;
    if (proto == arrived->proto) {
        return arrived;
    }
    struct socket_info *beside = grep_sock_info(&arrived->address_str, arrived->port_no, proto);
    return beside != NULL ? beside : arrived;
}

/* Sends one in-dialog request (ACK or BYE) of dlg; 0 or -1. */
static int send_within(dlg_t *dlg, const char *method)
{
    str name = {(char *)method, (int)strlen(method)};
    uac_req_t req;
    set_uac_req(&req, &name, NULL, NULL, dlg, 0, NULL, NULL);
    return tmb.t_request_within(&req) < 0 ? -1 : 0;
}

/* See mcsec_reply_bye.h. */
int mcsec_reply_bye(struct sip_msg *msg, const mcsec_policy_t *policy,
                    const mcsec_partner_t *partner, bool egress)
{
    if (!tm_bound || parse_from_header(msg) < 0 || msg->to == NULL || msg->cseq == NULL ||
        msg->callid == NULL) {
        return -1;
    }
    struct to_body *from = get_from(msg);
    struct to_body *to = get_to(msg);
    unsigned int cseq = 0;
    if (to->tag_value.len <= 0 || str2int(&get_cseq(msg)->number, &cseq) < 0) {
        return -1;
    }
    char token[MCSEC_TOPO_MAX_VALUE * 2];
    str callid =
        egress ? mcsec_topo_callid(msg)
               : partner_callid(policy, partner, mcsec_topo_callid(msg), token, sizeof(token));
    dlg_t *dlg = NULL;
    if (tmb.new_dlg_uac(&callid, &from->tag_value, cseq, &from->uri, &to->uri, &dlg) < 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "reply", "cannot build the dialog of a refused 2xx");
        return -1;
    }
    int rc = -1;
    if (tmb.dlg_response_uac(dlg, msg, IS_TARGET_REFRESH) == 0 && dlg->state == DLG_CONFIRMED) {
        cut_route_set(dlg);
        if (tmb.calculate_hooks(dlg) >= 0) {
            dlg->send_sock = side_socket(msg->rcv.bind_address, dlg->hooks.next_hop);
            if (send_within(dlg, "ACK") == 0 && send_within(dlg, "BYE") == 0) {
                rc = 0;
            }
        }
    }
    if (rc != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "reply",
                   "cannot send ACK and BYE for a refused 2xx (Call-ID %.*s)", callid.len,
                   callid.s);
    }
    tmb.free_dlg(dlg);
    return rc;
}
