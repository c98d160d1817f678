/* An EAR signed by this border itself (mcsec/ear/ear.h, "signing as this
 * border"): the key-period check and the fields both proxies fill alike. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mcsec/ear/ear.h"
#include "mcsec/ibc/uid.h"

static mcsec_reason_t unavailable(char *detail, size_t detail_size, const char *text)
{
    snprintf(detail, detail_size, "%s", text);
    return MCSEC_REASON_POLICY_UNAVAILABLE;
}

mcsec_reason_t mcsec_ear_sign_as_border(const mcsec_ear_border_keys_t *keys, mcsec_str_t target_id,
                                        mcsec_ear_role_t target_role, int64_t now, char *out,
                                        size_t out_size, char *detail, size_t detail_size)
{
    if (keys == NULL || keys->signer == NULL || keys->identity == NULL || keys->kms == NULL) {
        return unavailable(detail, detail_size,
                           "no usable border signing keys (system.keys.signing)");
    }
    uint64_t period = 0;
    if (mcsec_key_period_number(now, keys->kms->key_period, keys->kms->key_offset, &period) !=
            MCSEC_OK ||
        period != keys->period) {
        snprintf(detail, detail_size,
                 "border signing keys are for key period %" PRIu64 ", now is %" PRIu64,
                 keys->period, period);
        return MCSEC_REASON_POLICY_UNAVAILABLE;
    }
    mcsec_ear_t ear;
    memset(&ear, 0, sizeof(ear));
    ear.date = (uint64_t)now;
    ear.source_role = MCSEC_EAR_ROLE_BORDER_PROXY;
    ear.source_id = (mcsec_str_t){keys->identity, strlen(keys->identity)};
    ear.target_role = (uint8_t)target_role;
    ear.target_id = target_id;
    ear.has_request = false;
    uint8_t raw[MCSEC_EAR_MAX_LEN];
    size_t raw_len = 0;
    if (mcsec_ear_new_id(ear.ear_id) != MCSEC_OK ||
        mcsec_ear_sign(&ear, keys->signer, raw, sizeof(raw), &raw_len) != MCSEC_OK ||
        mcsec_ear_to_header(raw, raw_len, out, out_size) != MCSEC_OK) {
        return unavailable(detail, detail_size,
                           "cannot sign an EAR for this target (its URI must be 1-1024 octets)");
    }
    return MCSEC_REASON_NONE;
}
