/* The ear stage: see mcsec_stages.h. */
#include "mcsec_stages.h"

/* Nothing to set up before the fork yet. */
int mcsec_ear_mod_init(void)
{
    return 0;
}

/* Nothing to free yet. */
void mcsec_ear_mod_destroy(void)
{
}

/* Lets every request pass until the stage is built. */
int mcsec_ear_stage(struct sip_msg *msg, const mcsec_policy_t *policy, const mcsec_sipview_t *view,
                    mcsec_verdict_t *verdict, bool egress)
{
    (void)msg;
    (void)policy;
    (void)view;
    (void)verdict;
    (void)egress;
    return 0;
}
