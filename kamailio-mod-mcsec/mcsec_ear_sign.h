/* Egress sign_on_behalf: the border makes and attaches an EAR for a request
 * our MC server sent without one (the partner allowed it in its policy).
 * Such an EAR proves only that the request passed our border, not which of
 * our servers sent it (docs/ear.md). */
#ifndef MCSEC_EAR_SIGN_H
#define MCSEC_EAR_SIGN_H

#include <stdint.h>

#include "core/parser/msg_parser.h"

#include "mcsec/sip/check.h"
#include "mcsec/policy/policy.h"
#include "mcsec_ear_keys.h"

/* Signs an EAR with the keys of now's key period (keys->signing) as
 * keys->sign_identity (role 4, border
 * proxy) for target = request_uri (target role 4 when it is the partner
 * border's identity, else 2, MC server), dated now, without a request
 * payload, and appends "HEADER: value" to msg with a lump (visible once the
 * message is built). Returns MCSEC_REASON_NONE, or POLICY_UNAVAILABLE with
 * detail filled when no usable signer or key period fits, or the header
 * cannot be added. */
mcsec_reason_t mcsec_ear_sign_on_behalf(struct sip_msg *msg, const mcsec_partner_t *partner,
                                        const mcsec_ear_keys_t *keys, mcsec_str_t request_uri,
                                        int64_t now, char *detail, size_t detail_size);

#endif
