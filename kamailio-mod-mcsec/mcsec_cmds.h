/* The cfg functions mcsec_ingress() and mcsec_egress() and their KEMI
 * exports (module "mcsec": ingress, egress, reason). Each builds the view of
 * the request, lets libmcsec decide, counts, logs a rejection, records the
 * verdict for $mcsec(...) and, on pass, sets $du to the next hop the policy
 * names. They return 1 (pass) or -1 (reject), never 0. */
#ifndef MCSEC_CMDS_H
#define MCSEC_CMDS_H

#include <stdbool.h>

#include "core/kemi.h"
#include "core/sr_module.h"

#include "mcsec/sip/check.h"

extern cmd_export_t mcsec_cmd_exports[];
extern sr_kemi_t mcsec_kemi_exports[];

/* Counts, logs and exposes ($mcsec(...)) the refusal of request msg that
 * a check after mcsec_ingress()/mcsec_egress() decided (mcsec_sdp_set()),
 * and records it for the cfg's answer, as those functions do. */
void mcsec_cmds_refuse(struct sip_msg *msg, const mcsec_verdict_t *verdict, bool egress);

#endif
