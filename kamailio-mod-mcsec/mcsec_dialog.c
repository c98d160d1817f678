/* In a dialog or not: see mcsec_dialog.h. */
#include <string.h>

#include "core/dprint.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"

#include "mcsec/topo/topo.h"
#include "mcsec_log.h"
#include "mcsec_dialog.h"
#include "mcsec_topo_ctx.h"
#include "mcsec_topo_msg.h"

/* Longest From-tag a dialog token binds (the token must fit the rr
 * module's 512-octet parameter buffer next to ;mcsec-cid=). */
#define DIALOG_TAG_MAX 64

/* The tag of a parsed From or To header, {NULL, 0} when none. */
static mcsec_str_t tag_of(struct to_body *body)
{
    if (body == NULL || body->tag_value.len <= 0) {
        return (mcsec_str_t){"", 0};
    }
    return mcsec_topo_mstr(body->tag_value);
}

/* See mcsec_dialog.h. */
void mcsec_dialog_stage(struct sip_msg *msg, const mcsec_policy_t *policy,
                        const mcsec_verdict_t *verdict)
{
    const rr_api_t *rr = mcsec_topo_rr_api();
    const mcsec_partner_t *partner = verdict->partner;
    if (rr == NULL || policy == NULL || partner == NULL || mcsec_topo_has_totag(msg) ||
        parse_from_header(msg) != 0) {
        return;
    }
    bool broken = false;
    mcsec_topo_t *topo = mcsec_topo_proc(policy, &broken);
    if (topo == NULL) {
        return; /* no topology key: every request is judged as initial */
    }
    mcsec_str_t from_tag = tag_of(get_from(msg));
    mcsec_str_t callid = mcsec_topo_mstr(mcsec_topo_callid(msg));
    if (from_tag.len == 0 || from_tag.len > DIALOG_TAG_MAX || callid.len == 0) {
        return;
    }
    char param[sizeof(MCSEC_TOPO_DIALOG_PARAM) + 2 + 160];
    int prefix = snprintf(param, sizeof(param), ";%s=", MCSEC_TOPO_DIALOG_PARAM);
    size_t len = 0;
    if (mcsec_topo_dialog_token(topo, callid, (mcsec_str_t){partner->name, strlen(partner->name)},
                                from_tag, param + prefix, sizeof(param) - (size_t)prefix,
                                &len) != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "dialog",
                   "cannot make the dialog token for partner %s: its in-dialog requests are judged "
                   "as initial ones",
                   partner->name);
        return;
    }
    str rr_param = {param, prefix + (int)len};
    if (rr->add_rr_param(msg, &rr_param) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "dialog",
                   "cannot add the dialog token to the Record-Route (partner %s)", partner->name);
    }
}

/* See mcsec_dialog.h. */
bool mcsec_dialog_proven(struct sip_msg *msg, const mcsec_policy_t *policy,
                         const mcsec_partner_t *partner)
{
    const rr_api_t *rr = mcsec_topo_rr_api();
    if (rr == NULL || policy == NULL || partner == NULL || !mcsec_topo_has_totag(msg) ||
        parse_from_header(msg) != 0) {
        return false;
    }
    str name = str_init(MCSEC_TOPO_DIALOG_PARAM);
    str value = {NULL, 0};
    if (rr->get_route_param(msg, &name, &value) != 0 || value.len <= 0) {
        return false;
    }
    bool broken = false;
    mcsec_topo_t *topo = mcsec_topo_proc(policy, &broken);
    if (topo == NULL) {
        return false;
    }
    return mcsec_topo_dialog_check(topo, mcsec_topo_mstr(value),
                                   mcsec_topo_mstr(mcsec_topo_callid(msg)),
                                   (mcsec_str_t){partner->name, strlen(partner->name)},
                                   tag_of(get_from(msg)), tag_of(get_to(msg)));
}
