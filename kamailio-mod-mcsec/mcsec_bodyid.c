/* The body identity stage (mcsec/bodyid/bodyid.h; docs/policy-reference.md
 * "Identities inside bodies"): see mcsec_stages.h for the stage contract.
 *
 * Every request to or from a partner that passed the SPK stage has the MC
 * service IDs of its clear body judged by libmcsec (mcsec_bodyid_check):
 * ingress after the shared unprotect (before any internal re-protection),
 * egress after the internal unprotect and before the shared protect, which
 * is the copy mcsec_spk_clear_body() keeps when the SPK stage rewrote the
 * message, else the message's own body. The request's group is its
 * request-URI as received; the EAR facts are what the EAR stage verified
 * for this request (migration). A refusal is body.foreign_id or
 * body.internal_id_spoof with the library's detail; run_check counts,
 * logs and answers it. mcsec-httpd runs the same check (http-proxy/). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mcsec/bodyid/bodyid.h"
#include "mcsec_spk_body.h"
#include "mcsec_stages.h"

/* See mcsec_stages.h. */
int mcsec_bodyid_stage(struct sip_msg *msg, const mcsec_policy_t *policy,
                       const mcsec_sipview_t *view, mcsec_verdict_t *verdict, bool egress,
                       const mcsec_bodyid_ear_t *ear, bool reply)
{
    const mcsec_partner_t *partner = verdict->partner;
    if (policy == NULL || partner == NULL || verdict->partner_index < 0) {
        return 0;
    }
    mcsec_spk_sip_body_t body;
    int has_body = mcsec_spk_clear_body_get(msg, &body);
    if (has_body == 0) {
        return 0;
    }
    if (has_body < 0) {
        verdict->reason = MCSEC_REASON_BODY_FOREIGN_ID;
        snprintf(verdict->detail, sizeof(verdict->detail),
                 "body or Content-Type cannot be read: identities not checked");
        return -1;
    }
    const mcsec_bodyid_ctx_t ctx = {.policy = policy,
                                    .partner = partner,
                                    .egress = egress,
                                    .group = reply ? (mcsec_str_t){"", 0} : view->req.ruri,
                                    .ear = ear,
                                    .now = (int64_t)time(NULL),
                                    .reply = reply};
    mcsec_reason_t reason =
        mcsec_bodyid_check(&ctx, body.content_type, strlen(body.content_type), body.data, body.len,
                           verdict->detail, sizeof(verdict->detail));
    if (reason != MCSEC_REASON_NONE) {
        verdict->reason = reason;
        return -1;
    }
    return 0;
}
