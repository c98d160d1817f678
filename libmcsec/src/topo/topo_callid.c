/* Call-ID hiding: "<token>@<border host>". The token is the Call-ID, so its
 * only associated data is its kind. */
#include <string.h>

#include "topo_internal.h"

bool mcsec_topo_callid_needs_hiding(const mcsec_topo_t *topo, mcsec_str_t callid)
{
    if (!topo || !callid.ptr || callid.len == 0)
        return false;
    return topo->config.callid_always || memchr(callid.ptr, '@', callid.len) != NULL;
}

/* Length of the token part of a Call-ID of ours, or 0. */
static size_t token_part(const mcsec_topo_t *topo, mcsec_str_t callid)
{
    const mcsec_str_t host = topo->config.border_host;
    if (!callid.ptr || callid.len < host.len + 2)
        return 0;
    size_t at = callid.len - host.len - 1;
    if (callid.ptr[at] != '@' || !topo_ieq(callid.ptr + at + 1, host.len, host.ptr, host.len))
        return 0;
    return at;
}

bool mcsec_topo_callid_is_token(const mcsec_topo_t *topo, mcsec_str_t callid)
{
    return topo && token_part(topo, callid) > 0;
}

mcsec_err_t mcsec_topo_hide_callid(mcsec_topo_t *topo, mcsec_str_t callid, char *out,
                                   size_t out_size, size_t *out_len)
{
    if (!topo || !out_len || !callid.ptr || callid.len == 0 || callid.len > MCSEC_TOPO_MAX_VALUE)
        return MCSEC_ERR_ARG;
    const mcsec_str_t host = topo->config.border_host;
    size_t token_len = topo_sealed_len(topo, MCSEC_TOPO_CALLID, callid.len);
    *out_len = token_len + 1 + host.len;
    if (!out || out_size < *out_len)
        return MCSEC_ERR_ARG;
    size_t sealed = 0;
    mcsec_err_t rc = topo_seal(topo, MCSEC_TOPO_CALLID, (mcsec_str_t){"", 0},
                               (const uint8_t *)callid.ptr, callid.len, out, token_len, &sealed);
    if (rc != MCSEC_OK)
        return rc;
    out[token_len] = '@';
    memcpy(out + token_len + 1, host.ptr, host.len);
    return MCSEC_OK;
}

mcsec_err_t mcsec_topo_restore_callid(mcsec_topo_t *topo, mcsec_str_t callid, char *out,
                                      size_t out_size, size_t *out_len, mcsec_topo_error_t *err)
{
    if (err)
        *err = (mcsec_topo_error_t){MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    if (!topo || !out_len)
        return MCSEC_ERR_ARG;
    *out_len = 0;
    size_t token_len = token_part(topo, callid);
    if (token_len == 0)
        return topo_bad(err, MCSEC_TOPO_FAULT_MALFORMED);
    return topo_open(topo, MCSEC_TOPO_CALLID, (mcsec_str_t){"", 0},
                     (mcsec_str_t){callid.ptr, token_len}, (uint8_t *)out, out_size, out_len, err);
}
