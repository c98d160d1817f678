/* The KMS side of ECCSI (RFC 6507 5.1.1): KSAK/KPAK and SSK/PVT issue. */
#include <string.h>

#include <openssl/crypto.h>

#include "eccsi_internal.h"

/* KPAK = [KSAK]G for a loaded KSAK. */
static mcsec_err_t kpak_of(const eccsi_curve_t *curve, const BIGNUM *ksak,
                           uint8_t kpak[ECCSI_POINT], BN_CTX *bn)
{
    EC_POINT *point = EC_POINT_new(curve->group);
    mcsec_err_t err = MCSEC_ERR_NOMEM;
    if (point != NULL && EC_POINT_mul(curve->group, point, ksak, NULL, NULL, bn) == 1) {
        err = eccsi_point_encode(curve, point, kpak, bn);
    }
    EC_POINT_free(point);
    return err;
}

/* KPAK of the KSAK given, or (given NULL) of a fresh KSAK written to
 * ksak_out; ksak_out is cleansed on failure. */
static mcsec_err_t kms_kpak(const uint8_t *given, uint8_t *ksak_out, uint8_t kpak[ECCSI_POINT])
{
    eccsi_curve_t curve;
    BIGNUM *ksak_bn = NULL;
    BN_CTX *bn = BN_CTX_secure_new();
    mcsec_err_t err = bn != NULL ? eccsi_curve_init(&curve) : MCSEC_ERR_NOMEM;
    if (err != MCSEC_OK) {
        BN_CTX_free(bn);
        return err;
    }
    err = given != NULL ? eccsi_scalar_load(&curve, given, 1, &ksak_bn)
                        : eccsi_random_scalar(&curve, &ksak_bn, bn);
    if (err == MCSEC_OK) {
        err = kpak_of(&curve, ksak_bn, kpak, bn);
    }
    if (given == NULL) {
        if (err == MCSEC_OK && BN_bn2binpad(ksak_bn, ksak_out, ECCSI_N) != ECCSI_N) {
            err = MCSEC_ERR_NOMEM;
        }
        if (err != MCSEC_OK) {
            OPENSSL_cleanse(ksak_out, ECCSI_N);
        }
    }
    BN_clear_free(ksak_bn);
    BN_CTX_free(bn);
    eccsi_curve_clear(&curve);
    return err;
}

mcsec_err_t mcsec_eccsi_kms_kpak(const uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN],
                                 uint8_t kpak[MCSEC_ECCSI_POINT_LEN])
{
    if (ksak == NULL || kpak == NULL) {
        return MCSEC_ERR_ARG;
    }
    return kms_kpak(ksak, NULL, kpak);
}

mcsec_err_t mcsec_eccsi_kms_generate(uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN],
                                     uint8_t kpak[MCSEC_ECCSI_POINT_LEN])
{
    if (ksak == NULL || kpak == NULL) {
        return MCSEC_ERR_ARG;
    }
    return kms_kpak(NULL, ksak, kpak);
}

/* PVT = [v]G, HS = hash(G || KPAK || ID || PVT), SSK = KSAK + HS*v mod q.
 * MCSEC_ERR_INVALID when this v gives SSK = 0 or HS = 0 mod q. */
static mcsec_err_t issue_with(const eccsi_curve_t *curve, const BIGNUM *ksak, const BIGNUM *v,
                              const uint8_t *id, size_t id_len, uint8_t ssk[ECCSI_N],
                              uint8_t pvt[ECCSI_POINT], BN_CTX *bn)
{
    uint8_t kpak[ECCSI_POINT];
    uint8_t hs[ECCSI_N];
    EC_POINT *pvt_point = EC_POINT_new(curve->group);
    mcsec_err_t err = MCSEC_ERR_NOMEM;
    BN_CTX_start(bn);
    BIGNUM *hs_bn = BN_CTX_get(bn);
    BIGNUM *ssk_bn = BN_CTX_get(bn);
    if (pvt_point == NULL || ssk_bn == NULL) {
        goto out;
    }
    BN_set_flags(ssk_bn, BN_FLG_CONSTTIME);
    err = kpak_of(curve, ksak, kpak, bn);
    if (err != MCSEC_OK) {
        goto out;
    }
    err = EC_POINT_mul(curve->group, pvt_point, v, NULL, NULL, bn) == 1
              ? eccsi_point_encode(curve, pvt_point, pvt, bn)
              : MCSEC_ERR_NOMEM;
    if (err == MCSEC_OK) {
        err = eccsi_hash_hs(curve, kpak, id, id_len, pvt, hs);
    }
    if (err != MCSEC_OK) {
        goto out;
    }
    err = MCSEC_ERR_NOMEM;
    if (BN_bin2bn(hs, ECCSI_N, hs_bn) == NULL || BN_nnmod(hs_bn, hs_bn, curve->q, bn) != 1 ||
        BN_mod_mul(ssk_bn, hs_bn, v, curve->q, bn) != 1 ||
        BN_mod_add(ssk_bn, ssk_bn, ksak, curve->q, bn) != 1) {
        goto out;
    }
    if (BN_is_zero(hs_bn) || BN_is_zero(ssk_bn)) {
        err = MCSEC_ERR_INVALID;
        goto out;
    }
    err = BN_bn2binpad(ssk_bn, ssk, ECCSI_N) == ECCSI_N ? MCSEC_OK : MCSEC_ERR_NOMEM;
out:
    if (err != MCSEC_OK) {
        OPENSSL_cleanse(ssk, ECCSI_N);
    }
    if (ssk_bn != NULL) {
        BN_clear(ssk_bn);
    }
    BN_CTX_end(bn);
    EC_POINT_clear_free(pvt_point);
    return err;
}

/* Loads the KSAK and runs issue_with with v (fixed) or fresh ones. */
static mcsec_err_t issue(const uint8_t ksak[ECCSI_N], const uint8_t *id, size_t id_len,
                         const uint8_t *fixed_v, uint8_t ssk[ECCSI_N], uint8_t pvt[ECCSI_POINT])
{
    if (ksak == NULL || (id == NULL && id_len > 0) || ssk == NULL || pvt == NULL) {
        return MCSEC_ERR_ARG;
    }
    eccsi_curve_t curve;
    BIGNUM *ksak_bn = NULL;
    BN_CTX *bn = BN_CTX_secure_new();
    mcsec_err_t err = bn != NULL ? eccsi_curve_init(&curve) : MCSEC_ERR_NOMEM;
    if (err != MCSEC_OK) {
        BN_CTX_free(bn);
        return err;
    }
    err = eccsi_scalar_load(&curve, ksak, 1, &ksak_bn);
    if (err == MCSEC_OK && fixed_v != NULL) {
        BIGNUM *v = NULL;
        err = eccsi_scalar_load(&curve, fixed_v, 1, &v);
        if (err == MCSEC_OK) {
            err = issue_with(&curve, ksak_bn, v, id, id_len, ssk, pvt, bn);
        }
        BN_clear_free(v);
    } else if (err == MCSEC_OK) {
        err = MCSEC_ERR_INVALID;
        for (int attempt = 0; attempt < 8 && err == MCSEC_ERR_INVALID; attempt++) {
            BIGNUM *v = NULL;
            err = eccsi_random_scalar(&curve, &v, bn);
            if (err == MCSEC_OK) {
                err = issue_with(&curve, ksak_bn, v, id, id_len, ssk, pvt, bn);
            }
            BN_clear_free(v);
        }
    }
    BN_clear_free(ksak_bn);
    BN_CTX_free(bn);
    eccsi_curve_clear(&curve);
    return err;
}

mcsec_err_t mcsec_eccsi_kms_issue(const uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN], const uint8_t *id,
                                  size_t id_len, uint8_t ssk[MCSEC_ECCSI_SCALAR_LEN],
                                  uint8_t pvt[MCSEC_ECCSI_POINT_LEN])
{
    return issue(ksak, id, id_len, NULL, ssk, pvt);
}

mcsec_err_t mcsec_eccsi_kms_issue_fixed_v_for_test(const uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN],
                                                   const uint8_t *id, size_t id_len,
                                                   const uint8_t v[MCSEC_ECCSI_SCALAR_LEN],
                                                   uint8_t ssk[MCSEC_ECCSI_SCALAR_LEN],
                                                   uint8_t pvt[MCSEC_ECCSI_POINT_LEN])
{
    if (v == NULL) {
        return MCSEC_ERR_ARG;
    }
    return issue(ksak, id, id_len, v, ssk, pvt);
}
