/* Via hiding: the Vias below the border's own collapse into one Via that
 * carries them as a token parameter; replies bring it back untouched. */
#include <string.h>

#include <openssl/crypto.h>

#include "topo_internal.h"

#define VIA_PREFIX "SIP/2.0/UDP "
#define VIA_BRANCH ";branch=z9hG4bK"
#define VIA_PARAM ";" MCSEC_TOPO_VIA_PARAM "="
#define BRANCH_CHARS 16 /* token characters 2..17: SIV tag bits only */

mcsec_err_t mcsec_topo_hide_vias(mcsec_topo_t *topo, const mcsec_str_t *vias, size_t n,
                                 mcsec_str_t callid, char *out, size_t out_size, size_t *out_len)
{
    if (!topo || !vias || n == 0 || !out_len)
        return MCSEC_ERR_ARG;
    size_t plain_len = 0;
    for (size_t i = 0; i < n; i++) {
        /* Each value framed by a 2-octet length, so any bytes survive. */
        if (!vias[i].ptr || vias[i].len == 0 || vias[i].len > MCSEC_TOPO_MAX_VALUE ||
            plain_len + 2 + vias[i].len > MCSEC_TOPO_MAX_VALUE)
            return MCSEC_ERR_ARG;
        plain_len += 2 + vias[i].len;
    }
    size_t token_len = topo_sealed_len(topo, MCSEC_TOPO_VIA, plain_len);
    const mcsec_str_t host = topo->config.border_host;
    *out_len = strlen(VIA_PREFIX) + host.len + strlen(VIA_BRANCH) + BRANCH_CHARS +
               strlen(VIA_PARAM) + token_len;
    if (!out || out_size < *out_len)
        return MCSEC_ERR_ARG;
    uint8_t plain[MCSEC_TOPO_MAX_VALUE];
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        plain[pos++] = (uint8_t)(vias[i].len >> 8);
        plain[pos++] = (uint8_t)vias[i].len;
        memcpy(plain + pos, vias[i].ptr, vias[i].len);
        pos += vias[i].len;
    }
    char *token = out + *out_len - token_len;
    size_t sealed_len = 0;
    mcsec_err_t rc =
        topo_seal(topo, MCSEC_TOPO_VIA, callid, plain, plain_len, token, token_len, &sealed_len);
    OPENSSL_cleanse(plain, plain_len);
    if (rc != MCSEC_OK)
        return rc;
    size_t o = 0;
    topo_put(out, out_size, &o, VIA_PREFIX, strlen(VIA_PREFIX));
    topo_put(out, out_size, &o, host.ptr, host.len);
    topo_put(out, out_size, &o, VIA_BRANCH, strlen(VIA_BRANCH));
    topo_put(out, out_size, &o, token + 2, BRANCH_CHARS);
    topo_put(out, out_size, &o, VIA_PARAM, strlen(VIA_PARAM));
    return MCSEC_OK;
}

static bool is_lws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool mcsec_topo_via_token(mcsec_str_t via, mcsec_str_t *token)
{
    static const char name[] = MCSEC_TOPO_VIA_PARAM;
    const size_t name_len = sizeof(name) - 1;
    if (!via.ptr || !token)
        return false;
    bool quoted = false;
    for (size_t i = 0; i < via.len; i++) {
        char c = via.ptr[i];
        if (quoted) {
            if (c == '\\')
                i++;
            else if (c == '"')
                quoted = false;
            continue;
        }
        if (c == '"') {
            quoted = true;
            continue;
        }
        if (c == ',')
            return false; /* only the first via-parm of a value is looked at */
        if (c != ';')
            continue;
        size_t p = i + 1;
        while (p < via.len && is_lws(via.ptr[p]))
            p++;
        if (p + name_len > via.len || !topo_ieq(via.ptr + p, name_len, name, name_len))
            continue;
        p += name_len;
        while (p < via.len && is_lws(via.ptr[p]))
            p++;
        if (p == via.len || via.ptr[p] != '=')
            continue;
        p++;
        while (p < via.len && is_lws(via.ptr[p]))
            p++;
        size_t start = p;
        while (p < via.len && is_token_char(via.ptr[p]))
            p++;
        *token = (mcsec_str_t){via.ptr + start, p - start};
        return true;
    }
    return false;
}

mcsec_err_t mcsec_topo_restore_vias(mcsec_topo_t *topo, mcsec_str_t token, mcsec_str_t callid,
                                    char *buf, size_t buf_size, mcsec_str_t *items,
                                    size_t max_items, size_t *count, mcsec_topo_error_t *err)
{
    if (!count)
        return MCSEC_ERR_ARG;
    *count = 0;
    uint8_t plain[TOPO_BIN_MAX];
    size_t plain_len = 0;
    mcsec_err_t rc =
        topo_open(topo, MCSEC_TOPO_VIA, callid, token, plain, sizeof(plain), &plain_len, err);
    if (rc != MCSEC_OK)
        return rc;
    size_t n = 0;
    for (size_t pos = 0; pos < plain_len; n++) {
        size_t len = plain_len - pos < 2 ? 0 : (size_t)plain[pos] << 8 | plain[pos + 1];
        if (len == 0 || len > plain_len - pos - 2) {
            OPENSSL_cleanse(plain, plain_len);
            return topo_bad(err, MCSEC_TOPO_FAULT_MALFORMED);
        }
        pos += 2 + len;
    }
    rc = MCSEC_OK;
    if (n > max_items || !items || !buf || buf_size < plain_len - 2 * n)
        rc = MCSEC_ERR_ARG;
    else {
        size_t o = 0;
        for (size_t pos = 0, i = 0; pos < plain_len; i++) {
            size_t len = (size_t)plain[pos] << 8 | plain[pos + 1];
            memcpy(buf + o, plain + pos + 2, len);
            items[i] = (mcsec_str_t){buf + o, len};
            o += len;
            pos += 2 + len;
        }
    }
    *count = n;
    OPENSSL_cleanse(plain, plain_len);
    return rc;
}
