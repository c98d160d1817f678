/* Egress sign_on_behalf: see mcsec_ear_sign.h. */
#include <stdio.h>
#include <string.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/mem/mem.h"

#include "mcsec/ear/ear.h"
#include "mcsec_log.h"
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
        mcsec_logf(MCSEC_LOG_ERROR, "memory", "out of private memory");
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
    /* No keys at all reads as keys without a signer: "no usable keys". */
    const mcsec_ear_border_keys_t border =
        keys != NULL
            ? (mcsec_ear_border_keys_t){.keys = &keys->signing, .identity = keys->sign_identity}
            : (mcsec_ear_border_keys_t){0};
    bool to_border = partner->identity != NULL &&
                     mcsec_ear_uri_equal(
                         request_uri, (mcsec_str_t){partner->identity, strlen(partner->identity)});
    char value[MCSEC_EAR_HEADER_MAX];
    mcsec_reason_t reason = mcsec_ear_sign_as_border(
        &border, request_uri, to_border ? MCSEC_EAR_ROLE_BORDER_PROXY : MCSEC_EAR_ROLE_MC_SERVER,
        now, value, sizeof(value), detail, detail_size);
    if (reason != MCSEC_REASON_NONE) {
        return reason;
    }
    const char *name = partner->ear.header != NULL && partner->ear.header[0] != '\0'
                           ? partner->ear.header
                           : "MCX-EAR";
    if (append_header(msg, name, value) != 0) {
        return sign_fail(detail, detail_size, "cannot add the EAR header");
    }
    return MCSEC_REASON_NONE;
}
