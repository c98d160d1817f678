/* Egress sign_on_behalf: see mcsec_ear_sign.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/mem/mem.h"

#include "mcsec/ear.h"
#include "mcsec/uid.h"
#include "mcsec_ear_sign.h"

/* Writes text into detail; returns POLICY_UNAVAILABLE (the border cannot
 * sign: not the sender's fault, still no pass). */
static mcsec_reason_t sign_fail(char *detail, size_t detail_size, const char *text)
{
    snprintf(detail, detail_size, "%s", text);
    return MCSEC_REASON_POLICY_UNAVAILABLE;
}

/* Appends "name: value\r\n" after the last header through a lump. Returns
 * 0 or -1. */
static int append_header(struct sip_msg *msg, const char *name, const char *value)
{
    if (parse_headers(msg, HDR_EOH_F, 0) < 0 || msg->unparsed == NULL) {
        return -1;
    }
    size_t name_len = strlen(name);
    size_t value_len = strlen(value);
    size_t len = name_len + 2 + value_len + 2;
    char *line = pkg_malloc(len);
    if (line == NULL) {
        PKG_MEM_ERROR;
        return -1;
    }
    memcpy(line, name, name_len);
    memcpy(line + name_len, ": ", 2);
    memcpy(line + name_len + 2, value, value_len);
    memcpy(line + name_len + 2 + value_len, "\r\n", 2);
    struct lump *anchor = anchor_lump(msg, (int)(msg->unparsed - msg->buf), 0, 0);
    if (anchor == NULL || insert_new_lump_before(anchor, line, (int)len, 0) == NULL) {
        pkg_free(line);
        return -1;
    }
    return 0; /* the lump owns line now */
}

/* Signs and attaches the EAR; see the header. */
mcsec_reason_t mcsec_ear_sign_on_behalf(struct sip_msg *msg, const mcsec_partner_t *partner,
                                        const mcsec_ear_keys_t *keys, mcsec_str_t request_uri,
                                        int64_t now, char *detail, size_t detail_size)
{
    if (keys == NULL || keys->signer == NULL || keys->sign_identity == NULL) {
        return sign_fail(detail, detail_size,
                         "no usable border signing keys (system.keys.signing)");
    }
    uint64_t period = 0;
    if (mcsec_key_period_number(now, keys->own.kms.key_period, keys->own.kms.key_offset, &period) !=
            MCSEC_OK ||
        period != keys->signer_period) {
        snprintf(detail, detail_size,
                 "border signing keys are for key period %" PRIu64 ", now is %" PRIu64,
                 keys->signer_period, period);
        return MCSEC_REASON_POLICY_UNAVAILABLE;
    }
    mcsec_ear_t ear;
    memset(&ear, 0, sizeof(ear));
    ear.date = (uint64_t)now;
    ear.source_role = MCSEC_EAR_ROLE_BORDER_PROXY;
    ear.source_id = (mcsec_str_t){keys->sign_identity, strlen(keys->sign_identity)};
    ear.target_id = request_uri;
    bool to_border = partner->identity != NULL &&
                     mcsec_ear_uri_equal(
                         request_uri, (mcsec_str_t){partner->identity, strlen(partner->identity)});
    ear.target_role = to_border ? MCSEC_EAR_ROLE_BORDER_PROXY : MCSEC_EAR_ROLE_MC_SERVER;
    ear.has_request = false;
    uint8_t raw[MCSEC_EAR_MAX_LEN];
    char value[MCSEC_EAR_HEADER_MAX];
    size_t raw_len = 0;
    if (mcsec_ear_new_id(ear.ear_id) != MCSEC_OK ||
        mcsec_ear_sign(&ear, keys->signer, raw, sizeof(raw), &raw_len) != MCSEC_OK ||
        mcsec_ear_to_header(raw, raw_len, value, sizeof(value)) != MCSEC_OK) {
        return sign_fail(detail, detail_size,
                         "cannot sign an EAR for this request-URI (length 1-1024 octets)");
    }
    const char *name = partner->ear.header != NULL && partner->ear.header[0] != '\0'
                           ? partner->ear.header
                           : "MCX-EAR";
    if (append_header(msg, name, value) != 0) {
        return sign_fail(detail, detail_size, "cannot add the EAR header");
    }
    return MCSEC_REASON_NONE;
}
