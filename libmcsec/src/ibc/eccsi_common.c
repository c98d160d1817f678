/* ECCSI building blocks: the P-256 group, point coding, the two hashes of
 * RFC 6507 and the identity point Y = [HS]PVT + KPAK. */
#include <string.h>

#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "eccsi_internal.h"

mcsec_err_t eccsi_curve_init(eccsi_curve_t *curve)
{
    memset(curve, 0, sizeof(*curve));
    curve->group = EC_GROUP_new_by_curve_name_ex(NULL, NULL, NID_X9_62_prime256v1);
    curve->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (curve->group == NULL || curve->sha256 == NULL) {
        eccsi_curve_clear(curve);
        return MCSEC_ERR_NOMEM;
    }
    curve->q = EC_GROUP_get0_order(curve->group);
    const EC_POINT *g = EC_GROUP_get0_generator(curve->group);
    if (curve->q == NULL || g == NULL ||
        EC_POINT_point2oct(curve->group, g, POINT_CONVERSION_UNCOMPRESSED, curve->g,
                           sizeof(curve->g), NULL) != sizeof(curve->g)) {
        eccsi_curve_clear(curve);
        return MCSEC_ERR_NOMEM;
    }
    return MCSEC_OK;
}

void eccsi_curve_clear(eccsi_curve_t *curve)
{
    EC_GROUP_free(curve->group);
    EVP_MD_free(curve->sha256);
    memset(curve, 0, sizeof(*curve));
}

mcsec_err_t eccsi_point_decode(const eccsi_curve_t *curve, const uint8_t in[ECCSI_POINT],
                               EC_POINT **out, BN_CTX *bn)
{
    *out = NULL;
    /* Only the uncompressed form: the profile fixes 65 octets, and refusing
     * the others leaves no second encoding of the same signature. */
    if (in[0] != POINT_CONVERSION_UNCOMPRESSED) {
        return MCSEC_ERR_INVALID;
    }
    EC_POINT *point = EC_POINT_new(curve->group);
    if (point == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    /* oct2point refuses coordinates >= p and points off the curve. */
    if (EC_POINT_oct2point(curve->group, point, in, ECCSI_POINT, bn) != 1 ||
        EC_POINT_is_at_infinity(curve->group, point) ||
        EC_POINT_is_on_curve(curve->group, point, bn) != 1) {
        EC_POINT_free(point);
        return MCSEC_ERR_INVALID;
    }
    *out = point;
    return MCSEC_OK;
}

mcsec_err_t eccsi_point_encode(const eccsi_curve_t *curve, const EC_POINT *point,
                               uint8_t out[ECCSI_POINT], BN_CTX *bn)
{
    if (EC_POINT_is_at_infinity(curve->group, point)) {
        return MCSEC_ERR_INVALID;
    }
    if (EC_POINT_point2oct(curve->group, point, POINT_CONVERSION_UNCOMPRESSED, out, ECCSI_POINT,
                           bn) != ECCSI_POINT) {
        return MCSEC_ERR_NOMEM;
    }
    return MCSEC_OK;
}

/* SHA-256 over up to four parts. */
static mcsec_err_t sha256_parts(const eccsi_curve_t *curve, const uint8_t *const parts[],
                                const size_t lens[], size_t count, uint8_t out[ECCSI_N])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int out_len = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, curve->sha256, NULL) == 1;
    for (size_t i = 0; ok && i < count; i++) {
        ok = EVP_DigestUpdate(md, parts[i], lens[i]) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, out, &out_len) == 1 && out_len == ECCSI_N;
    EVP_MD_CTX_free(md);
    return ok ? MCSEC_OK : MCSEC_ERR_NOMEM;
}

mcsec_err_t eccsi_hash_hs(const eccsi_curve_t *curve, const uint8_t kpak[ECCSI_POINT],
                          const uint8_t *id, size_t id_len, const uint8_t pvt[ECCSI_POINT],
                          uint8_t hs[ECCSI_N])
{
    const uint8_t *parts[] = {curve->g, kpak, id, pvt};
    const size_t lens[] = {ECCSI_POINT, ECCSI_POINT, id_len, ECCSI_POINT};
    return sha256_parts(curve, parts, lens, 4, hs);
}

mcsec_err_t eccsi_hash_he(const eccsi_curve_t *curve, const uint8_t hs[ECCSI_N],
                          const uint8_t r[ECCSI_N], const uint8_t *msg, size_t msg_len,
                          uint8_t he[ECCSI_N])
{
    const uint8_t *parts[] = {hs, r, msg};
    const size_t lens[] = {ECCSI_N, ECCSI_N, msg_len};
    return sha256_parts(curve, parts, lens, 3, he);
}

mcsec_err_t eccsi_scalar_load(const eccsi_curve_t *curve, const uint8_t in[ECCSI_N], int secret,
                              BIGNUM **out)
{
    *out = secret ? BN_secure_new() : BN_new();
    if (*out == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    if (secret) {
        BN_set_flags(*out, BN_FLG_CONSTTIME);
    }
    if (BN_bin2bn(in, ECCSI_N, *out) == NULL) {
        BN_clear_free(*out);
        *out = NULL;
        return MCSEC_ERR_NOMEM;
    }
    if (BN_is_zero(*out) || BN_cmp(*out, curve->q) >= 0) {
        BN_clear_free(*out);
        *out = NULL;
        return MCSEC_ERR_INVALID;
    }
    return MCSEC_OK;
}

mcsec_err_t eccsi_identity_point(const eccsi_curve_t *curve, const EC_POINT *kpak,
                                 const EC_POINT *pvt, const uint8_t hs[ECCSI_N], EC_POINT *y,
                                 BN_CTX *bn)
{
    BIGNUM *hs_bn = BN_bin2bn(hs, ECCSI_N, NULL);
    /* PVT has order q (cofactor 1), so reducing HS changes nothing. */
    int ok = hs_bn != NULL && BN_nnmod(hs_bn, hs_bn, curve->q, bn) == 1 &&
             EC_POINT_mul(curve->group, y, NULL, pvt, hs_bn, bn) == 1 &&
             EC_POINT_add(curve->group, y, y, kpak, bn) == 1;
    BN_free(hs_bn);
    return ok ? MCSEC_OK : MCSEC_ERR_NOMEM;
}

mcsec_err_t eccsi_random_scalar(const eccsi_curve_t *curve, BIGNUM **out, BN_CTX *bn)
{
    BIGNUM *k = BN_secure_new();
    if (k == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    BN_set_flags(k, BN_FLG_CONSTTIME);
    do {
        if (BN_priv_rand_range_ex(k, curve->q, 0, bn) != 1) {
            BN_clear_free(k);
            return MCSEC_ERR_NOMEM;
        }
    } while (BN_is_zero(k));
    *out = k;
    return MCSEC_OK;
}
