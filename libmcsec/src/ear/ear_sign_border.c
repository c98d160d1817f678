/* An EAR signed by this border itself (mcsec/ear/ear.h, "signing as this
 * border"): the keys of now's key period and the fields both proxies fill alike. */
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
    if (keys == NULL || keys->keys == NULL || keys->keys->count == 0 || keys->identity == NULL) {
        return unavailable(detail, detail_size,
                           "no usable border signing keys (system.keys.signing)");
    }
    const mcsec_keyset_entry_t *entry = mcsec_eccsi_keyset_at(keys->keys, now);
    if (entry == NULL) {
        const mcsec_keyset_entry_t *last = &keys->keys->entries[keys->keys->count - 1];
        uint64_t period = 0;
        (void)mcsec_key_period_number(now, last->kms.key_period, last->kms.key_offset, &period);
        snprintf(detail, detail_size,
                 "no border signing keys for key period %" PRIu64 " (newest: %" PRIu64
                 "; mcsecctl kms issue --period)",
                 period, last->period);
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
        mcsec_ear_sign(&ear, entry->signer, raw, sizeof(raw), &raw_len) != MCSEC_OK ||
        mcsec_ear_to_header(raw, raw_len, out, out_size) != MCSEC_OK) {
        return unavailable(detail, detail_size,
                           "cannot sign an EAR for this target (its URI must be 1-1024 octets)");
    }
    return MCSEC_REASON_NONE;
}
