/* Token codec: value <-> base32(key ID || SIV tag || ciphertext) with the
 * kind and the partner-side Call-ID as associated data. */
#include <string.h>

#include <openssl/crypto.h>

#include "topo_internal.h"

static size_t header_len(const mcsec_topo_t *topo, mcsec_topo_kind_t kind)
{
    return topo->config.max_age[kind] ? TOPO_HEADER_MAX : 1;
}

size_t mcsec_topo_token_len(size_t value_len)
{
    return mcsec_base32_len(1 + MCSEC_SIV_TAG_LEN + TOPO_HEADER_MAX + value_len);
}

size_t topo_sealed_len(const mcsec_topo_t *topo, mcsec_topo_kind_t kind, size_t value_len)
{
    return mcsec_base32_len(1 + MCSEC_SIV_TAG_LEN + header_len(topo, kind) + value_len);
}

/* The associated data, one S2V component (OpenSSL's SIV duplicates a CMAC
 * context per component, so one is cheaper than two): the kind name, a NUL,
 * then (except for Call-ID tokens, which are the Call-ID, and element
 * tokens, which outlive a dialog) the partner-side Call-ID. Kind names contain no NUL, so the split
 * is unambiguous. Returns false when the Call-ID is longer than MCSEC_TOPO_MAX_VALUE. */
static bool build_aad(mcsec_topo_kind_t kind, mcsec_str_t callid, uint8_t *buf, mcsec_bytes_t *aad)
{
    const char *name = mcsec_topo_kind_name(kind);
    size_t n = strlen(name) + 1;
    memcpy(buf, name, n);
    if (kind != MCSEC_TOPO_CALLID && kind != MCSEC_TOPO_ELEMENT) {
        if (callid.len > MCSEC_TOPO_MAX_VALUE)
            return false;
        if (callid.len)
            memcpy(buf + n, callid.ptr, callid.len);
        n += callid.len;
    }
    *aad = (mcsec_bytes_t){buf, n};
    return true;
}

mcsec_err_t topo_seal(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                      const uint8_t *value, size_t value_len, char *out, size_t out_size,
                      size_t *out_len)
{
    if (!topo || !out_len || (unsigned)kind >= MCSEC_TOPO_KIND_COUNT || !value || value_len == 0 ||
        value_len > MCSEC_TOPO_MAX_VALUE || (!callid.ptr && callid.len))
        return MCSEC_ERR_ARG;
    size_t hlen = header_len(topo, kind);
    *out_len = topo_sealed_len(topo, kind, value_len);
    if (!out || out_size < *out_len)
        return MCSEC_ERR_ARG;
    int64_t now = topo_now(topo);
    int index = mcsec_topo_keys_current(topo->keys, now);
    if (index < 0)
        return MCSEC_ERR_INVALID;
    uint8_t pt[TOPO_HEADER_MAX + MCSEC_TOPO_MAX_VALUE];
    uint8_t bin[TOPO_BIN_MAX];
    pt[0] = TOPO_FORMAT_V1;
    if (hlen == TOPO_HEADER_MAX) {
        uint32_t minute = (uint32_t)((now < 0 ? 0 : now) / 60);
        pt[0] |= TOPO_FORMAT_TIME;
        pt[1] = (uint8_t)(minute >> 24);
        pt[2] = (uint8_t)(minute >> 16);
        pt[3] = (uint8_t)(minute >> 8);
        pt[4] = (uint8_t)minute;
    }
    memcpy(pt + hlen, value, value_len);
    uint8_t aad_buf[TOPO_AAD_MAX];
    mcsec_bytes_t aad;
    if (!build_aad(kind, callid, aad_buf, &aad))
        return MCSEC_ERR_ARG;
    bin[0] = mcsec_topo_keys_at(topo->keys, (size_t)index)->id;
    mcsec_err_t rc = mcsec_siv_seal(topo->siv[index], &aad, 1, pt, hlen + value_len, bin + 1);
    OPENSSL_cleanse(pt, hlen + value_len);
    if (rc != MCSEC_OK)
        return rc;
    mcsec_base32_encode(bin, 1 + MCSEC_SIV_TAG_LEN + hlen + value_len, out);
    return MCSEC_OK;
}

/* Checks the format octet and issue time of an authentic plaintext;
 * returns the header length or 0 with *fault set. */
static size_t check_header(const mcsec_topo_t *topo, mcsec_topo_kind_t kind, const uint8_t *pt,
                           size_t pt_len, int64_t now, mcsec_topo_fault_t *fault)
{
    *fault = MCSEC_TOPO_FAULT_MALFORMED;
    if ((pt[0] & ~TOPO_FORMAT_TIME) != TOPO_FORMAT_V1)
        return 0;
    uint32_t max_age = topo->config.max_age[kind];
    if (!(pt[0] & TOPO_FORMAT_TIME)) {
        if (max_age) {
            *fault = MCSEC_TOPO_FAULT_EXPIRED; /* minted before a max age was set */
            return 0;
        }
        return pt_len > 1 ? 1 : 0;
    }
    if (pt_len <= TOPO_HEADER_MAX)
        return 0;
    int64_t issued = 60 * (int64_t)((uint32_t)pt[1] << 24 | (uint32_t)pt[2] << 16 |
                                    (uint32_t)pt[3] << 8 | pt[4]);
    if (max_age && (now - issued > (int64_t)max_age || issued > now + TOPO_CLOCK_SKEW)) {
        *fault = MCSEC_TOPO_FAULT_EXPIRED;
        return 0;
    }
    return TOPO_HEADER_MAX;
}

mcsec_err_t topo_open(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                      mcsec_str_t token, uint8_t *value, size_t value_size, size_t *value_len,
                      mcsec_topo_error_t *err)
{
    if (err)
        *err = (mcsec_topo_error_t){MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    if (!topo || !value_len || (unsigned)kind >= MCSEC_TOPO_KIND_COUNT ||
        (!callid.ptr && callid.len) || (!token.ptr && token.len))
        return MCSEC_ERR_ARG;
    *value_len = 0;
    uint8_t bin[TOPO_BIN_MAX];
    uint8_t pt[TOPO_BIN_MAX];
    size_t bin_len = 0;
    if (token.len > mcsec_base32_len(TOPO_BIN_MAX) ||
        mcsec_base32_decode(token.ptr, token.len, bin, sizeof(bin), &bin_len) != MCSEC_OK ||
        bin_len < 1 + MCSEC_SIV_TAG_LEN + 2)
        return topo_bad(err, MCSEC_TOPO_FAULT_MALFORMED);
    int index = mcsec_topo_keys_find(topo->keys, bin[0]);
    if (index < 0)
        return topo_bad(err, MCSEC_TOPO_FAULT_UNKNOWN_KEY);
    int64_t now = topo_now(topo);
    if (!mcsec_topo_keys_decodes(topo->keys, (size_t)index, now, topo->config.prev_key_validity))
        return topo_bad(err, MCSEC_TOPO_FAULT_KEY_RETIRED);
    uint8_t aad_buf[TOPO_AAD_MAX];
    mcsec_bytes_t aad;
    if (!build_aad(kind, callid, aad_buf, &aad))
        return topo_bad(err, MCSEC_TOPO_FAULT_MALFORMED);
    size_t pt_len = bin_len - 1 - MCSEC_SIV_TAG_LEN;
    if (mcsec_siv_open(topo->siv[index], &aad, 1, bin + 1, bin_len - 1, pt) != MCSEC_OK)
        return topo_bad(err, MCSEC_TOPO_FAULT_AUTH);
    mcsec_topo_fault_t fault;
    size_t hlen = check_header(topo, kind, pt, pt_len, now, &fault);
    mcsec_err_t rc = MCSEC_OK;
    if (hlen == 0) {
        rc = topo_bad(err, fault);
    } else {
        *value_len = pt_len - hlen;
        if (!value || value_size < *value_len)
            rc = MCSEC_ERR_ARG;
        else
            memcpy(value, pt + hlen, *value_len);
    }
    OPENSSL_cleanse(pt, pt_len);
    return rc;
}

mcsec_err_t mcsec_topo_token_encode(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                                    mcsec_str_t value, char *out, size_t out_size, size_t *out_len)
{
    return topo_seal(topo, kind, callid, (const uint8_t *)value.ptr, value.len, out, out_size,
                     out_len);
}

mcsec_err_t mcsec_topo_token_decode(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                                    mcsec_str_t token, char *out, size_t out_size, size_t *out_len,
                                    mcsec_topo_error_t *err)
{
    return topo_open(topo, kind, callid, token, (uint8_t *)out, out_size, out_len, err);
}
