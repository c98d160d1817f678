/* $mcsec(name): the result of the last mcsec_ingress()/mcsec_egress() on the
 * current message: reason (code string), status (SIP status to answer),
 * partner (name, "-" when none), warning (1 when the partner's policy puts
 * the reason code in a Warning header, else 0). $null before any check of
 * this message. $mcsec(media): 1 when the policy anchors media
 * (system.media, docs/media.md), else 0, on any message. */
#ifndef MCSEC_PV_H
#define MCSEC_PV_H

#include "core/parser/msg_parser.h"
#include "core/pvar.h"

#include "mcsec/sip/check.h"

/* Kamailio pv_export_t table for module_exports. */
extern pv_export_t mcsec_pv_exports[];

/* Records the verdict for msg in this process. */
void mcsec_pv_set_verdict(const struct sip_msg *msg, const mcsec_verdict_t *verdict);

/* Reason code of the last verdict for msg; "" when none. */
const char *mcsec_pv_last_reason(const struct sip_msg *msg);

#endif
