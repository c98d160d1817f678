/* Fills libmcsec's view of a SIP request (mcsec_sip_request_t) from a
 * Kamailio sip_msg. Views point into the message, or into the view struct
 * for the textual addresses; nothing is allocated. */
#ifndef MCSEC_SIPVIEW_H
#define MCSEC_SIPVIEW_H

#include <stdbool.h>

#include "core/ip_addr.h"
#include "core/parser/msg_parser.h"

#include "mcsec/sip/check.h"

/* P-Asserted-Identity headers handed to libmcsec: one more than the shared
 * limit, so that mcsec_check_identity refuses the excess by the rule both
 * borders use (mcsec/sip/check.h); still more is refused here as malformed. */
#define MCSEC_SIPVIEW_MAX_PAI (MCSEC_MAX_ASSERTED_IDS + 1)

typedef struct {
    mcsec_sip_request_t req;
    mcsec_str_t asserted_ids[MCSEC_SIPVIEW_MAX_PAI];
    char src_ip[IP_ADDR_MAX_STR_SIZE];
} mcsec_sipview_t;

/* Fills view from msg, a request or a reply (a reply has no method,
 * request-URI nor next hop). Egress requests also fill the next hop ($du when set, else
 * the request-URI). Returns 0, or -1 when Kamailio cannot parse what the
 * check needs (headers, request-URI, P-Asserted-Identity, $du): the caller
 * rejects as sip.malformed. The view is valid while msg is unchanged. */
int mcsec_sipview_fill(struct sip_msg *msg, bool egress, mcsec_sipview_t *view);

#endif
