/* $mcsec(reason|status|partner|warning): see mcsec_pv.h. */
#include <string.h>
#include <unistd.h>

#include "core/dprint.h"

#include "mcsec/util/reason.h"
#include "mcsec_log.h"
#include "mcsec_media.h"
#include "mcsec_pv.h"
#include "mcsec_shm_policy.h"

enum {
    MCSEC_PV_REASON = 1,
    MCSEC_PV_STATUS,
    MCSEC_PV_PARTNER,
    MCSEC_PV_WARNING,
    MCSEC_PV_MEDIA,
    MCSEC_PV_PARTNER_SET
};

/* Per-process cache: the last verdict and the message it belongs to. */
static struct {
    unsigned int msg_id;
    int msg_pid;
    int set;
    mcsec_reason_t reason;
    char partner[128];
    int warning;
} last_verdict;

/* True when the recorded verdict belongs to msg. */
static int verdict_is_for(const struct sip_msg *msg)
{
    return msg != NULL && last_verdict.set && last_verdict.msg_id == msg->id &&
           last_verdict.msg_pid == msg->pid;
}

/* Records the verdict for msg. */
void mcsec_pv_set_verdict(const struct sip_msg *msg, const mcsec_verdict_t *verdict)
{
    last_verdict.msg_id = msg->id;
    last_verdict.msg_pid = msg->pid;
    last_verdict.set = 1;
    last_verdict.reason = verdict->reason;
    last_verdict.warning = verdict->partner != NULL && verdict->partner->sip.warning_reason;
    const char *name =
        verdict->partner != NULL && verdict->partner->name != NULL ? verdict->partner->name : "-";
    size_t len = strlen(name);
    if (len >= sizeof(last_verdict.partner)) {
        len = sizeof(last_verdict.partner) - 1;
    }
    memcpy(last_verdict.partner, name, len);
    last_verdict.partner[len] = '\0';
}

/* Reason code of the last verdict for msg, "" when none. */
const char *mcsec_pv_last_reason(const struct sip_msg *msg)
{
    return verdict_is_for(msg) ? mcsec_reason_code(last_verdict.reason) : "";
}

/* Parses the name in $mcsec(name); fails the config check on unknown names. */
static int pv_parse_mcsec_name(pv_spec_t *sp, str *in)
{
    static const struct {
        const char *name;
        int key;
    } names[] = {{"reason", MCSEC_PV_REASON},   {"status", MCSEC_PV_STATUS},
                 {"partner", MCSEC_PV_PARTNER}, {"warning", MCSEC_PV_WARNING},
                 {"media", MCSEC_PV_MEDIA},     {"partner_set", MCSEC_PV_PARTNER_SET}};
    if (sp == NULL || in == NULL || in->len <= 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if ((size_t)in->len == strlen(names[i].name) &&
            strncmp(in->s, names[i].name, (size_t)in->len) == 0) {
            sp->pvp.pvn.type = PV_NAME_INTSTR;
            sp->pvp.pvn.u.isname.type = 0;
            sp->pvp.pvn.u.isname.name.n = names[i].key;
            return 0;
        }
    }
    mcsec_logf(MCSEC_LOG_ERROR, "pv",
               "unknown $mcsec(%.*s): use reason, status, partner, partner_set, warning or media",
               in->len, in->s);
    return -1;
}

/* Returns the value of $mcsec(name) for msg. */
static int pv_get_mcsec(struct sip_msg *msg, pv_param_t *param, pv_value_t *res)
{
    if (param != NULL && param->pvn.u.isname.name.n == MCSEC_PV_MEDIA) {
        /* 1 when the policy anchors media (system.media), else 0 */
        return pv_get_sintval(msg, param, res, mcsec_media_enabled() ? 1 : 0);
    }
    if (param == NULL || !verdict_is_for(msg)) {
        return pv_get_null(msg, param, res);
    }
    switch (param->pvn.u.isname.name.n) {
    case MCSEC_PV_REASON:
        return pv_get_strzval(msg, param, res, (char *)mcsec_reason_code(last_verdict.reason));
    case MCSEC_PV_STATUS:
        return pv_get_sintval(msg, param, res, mcsec_reason_sip_status(last_verdict.reason));
    case MCSEC_PV_PARTNER:
        return pv_get_strzval(msg, param, res, last_verdict.partner);
    case MCSEC_PV_WARNING:
        return pv_get_sintval(msg, param, res, last_verdict.warning);
    case MCSEC_PV_PARTNER_SET: {
        /* the partner's dispatcher set (mcsec_egress_ds.h): position + 1 */
        const mcsec_policy_t *policy = mcsec_proc_policy();
        const mcsec_partner_t *partner =
            policy ? mcsec_policy_partner_by_name(policy, last_verdict.partner) : NULL;
        if (partner == NULL) {
            return pv_get_null(msg, param, res);
        }
        return pv_get_sintval(msg, param, res, (int)(partner - policy->partners) + 1);
    }
    default:
        return pv_get_null(msg, param, res);
    }
}

pv_export_t mcsec_pv_exports[] = {
    {{"mcsec", sizeof("mcsec") - 1}, PVT_OTHER, pv_get_mcsec, 0, pv_parse_mcsec_name, 0, 0, 0},
    {{0, 0}, 0, 0, 0, 0, 0, 0, 0}};
