/* TS 33.220 Annex B KDF with HMAC-SHA-256 (kdf.h). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mcsec/spk/kdf.h"

mcsec_err_t mcsec_kdf(const uint8_t *key, size_t key_len, uint8_t fc,
                      const mcsec_kdf_param_t *params, size_t param_count, uint8_t *out,
                      size_t out_len)
{
    if (!key || key_len == 0 || key_len > 64 || !out || out_len == 0 ||
        out_len > MCSEC_KDF_MAX_OUT || param_count > MCSEC_KDF_MAX_PARAMS ||
        (param_count > 0 && !params))
        return MCSEC_ERR_ARG;
    for (size_t i = 0; i < param_count; i++)
        if (params[i].len > 0xffffu || (params[i].len > 0 && !params[i].ptr))
            return MCSEC_ERR_ARG;

    mcsec_err_t rc = MCSEC_ERR_NOMEM;
    uint8_t mac[MCSEC_KDF_MAX_OUT];
    size_t mac_len = 0;
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    OSSL_PARAM digest[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
                           OSSL_PARAM_construct_end()};
    if (!ctx || !EVP_MAC_init(ctx, key, key_len, digest) || !EVP_MAC_update(ctx, &fc, 1))
        goto out;
    for (size_t i = 0; i < param_count; i++) {
        uint8_t len_be[2] = {(uint8_t)(params[i].len >> 8), (uint8_t)params[i].len};
        if ((params[i].len && !EVP_MAC_update(ctx, params[i].ptr, params[i].len)) ||
            !EVP_MAC_update(ctx, len_be, sizeof(len_be)))
            goto out;
    }
    if (!EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) || mac_len != sizeof(mac))
        goto out;
    memcpy(out, mac + sizeof(mac) - out_len, out_len);
    rc = MCSEC_OK;
out:
    OPENSSL_cleanse(mac, sizeof(mac));
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    return rc;
}

mcsec_err_t mcsec_kdf_xpk(const uint8_t *xpk, size_t xpk_len, uint8_t fc, uint32_t xpk_id,
                          const char *uri, size_t uri_len, uint8_t out[MCSEC_XPK_KEY_LEN])
{
    if (fc != MCSEC_KDF_FC_XPK_CONF && fc != MCSEC_KDF_FC_XPK_INTEG)
        return MCSEC_ERR_ARG;
    uint8_t id_be[4] = {(uint8_t)(xpk_id >> 24), (uint8_t)(xpk_id >> 16), (uint8_t)(xpk_id >> 8),
                        (uint8_t)xpk_id};
    mcsec_kdf_param_t params[2] = {{(const uint8_t *)uri, uri_len}, {id_be, sizeof(id_be)}};
    return mcsec_kdf(xpk, xpk_len, fc, params, 2, out, MCSEC_XPK_KEY_LEN);
}

mcsec_err_t mcsec_kdf_user_salt(const uint8_t *gmk, size_t gmk_len, const char *uri, size_t uri_len,
                                uint32_t *salt)
{
    if (!salt)
        return MCSEC_ERR_ARG;
    uint8_t low[4];
    mcsec_kdf_param_t p0 = {(const uint8_t *)uri, uri_len};
    mcsec_err_t rc = mcsec_kdf(gmk, gmk_len, MCSEC_KDF_FC_USER_SALT, &p0, 1, low, sizeof(low));
    if (rc != MCSEC_OK)
        return rc;
    *salt = (((uint32_t)low[0] << 24) | ((uint32_t)low[1] << 16) | ((uint32_t)low[2] << 8) |
             (uint32_t)low[3]) &
            0x0fffffffu;
    OPENSSL_cleanse(low, sizeof(low));
    return MCSEC_OK;
}

mcsec_err_t mcsec_kdf_guk_id(const uint8_t *gmk, size_t gmk_len, uint32_t gmk_id, const char *uri,
                             size_t uri_len, uint32_t *guk_id)
{
    uint32_t salt = 0;
    if (!guk_id)
        return MCSEC_ERR_ARG;
    mcsec_err_t rc = mcsec_kdf_user_salt(gmk, gmk_len, uri, uri_len, &salt);
    if (rc != MCSEC_OK)
        return rc;
    *guk_id = (gmk_id & 0xf0000000u) | ((gmk_id ^ salt) & 0x0fffffffu);
    return MCSEC_OK;
}
