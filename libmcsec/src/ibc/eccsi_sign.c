/* ECCSI signing (RFC 6507 5.2.1) and the SSK/PVT check of 5.1.2.
 * The SSK and j are secrets: they live in constant-time flagged BIGNUMs,
 * enter the curve only through EC_POINT_mul with the generator, are
 * inverted by Fermat with a constant-time exponentiation, and are wiped
 * when freed. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "eccsi_internal.h"

struct mcsec_eccsi_signer {
    eccsi_curve_t curve;
    BIGNUM *ssk;
    BN_MONT_CTX *mont_q; /* for the constant-time inversion mod q */
    BIGNUM *q_minus_2;
    uint8_t hs[ECCSI_N];
    uint8_t pvt[ECCSI_POINT];
};

/* RFC 6507 5.1.2: [SSK]G = KPAK + [HS]PVT. */
static mcsec_err_t check_keys(const eccsi_curve_t *curve, const uint8_t kpak_octets[ECCSI_POINT],
                              const uint8_t pvt_octets[ECCSI_POINT], const BIGNUM *ssk,
                              const uint8_t hs[ECCSI_N], BN_CTX *bn)
{
    EC_POINT *kpak = NULL;
    EC_POINT *pvt = NULL;
    EC_POINT *y = EC_POINT_new(curve->group);
    EC_POINT *ssk_g = EC_POINT_new(curve->group);
    mcsec_err_t err = y != NULL && ssk_g != NULL ? MCSEC_OK : MCSEC_ERR_NOMEM;
    if (err == MCSEC_OK) {
        err = eccsi_point_decode(curve, kpak_octets, &kpak, bn);
    }
    if (err == MCSEC_OK) {
        err = eccsi_point_decode(curve, pvt_octets, &pvt, bn);
    }
    if (err == MCSEC_OK) {
        err = eccsi_identity_point(curve, kpak, pvt, hs, y, bn);
    }
    if (err == MCSEC_OK) {
        err = EC_POINT_mul(curve->group, ssk_g, ssk, NULL, NULL, bn) == 1 ? MCSEC_OK
                                                                          : MCSEC_ERR_NOMEM;
    }
    if (err == MCSEC_OK) {
        err = EC_POINT_cmp(curve->group, ssk_g, y, bn) == 0 ? MCSEC_OK : MCSEC_ERR_INVALID;
    }
    EC_POINT_free(kpak);
    EC_POINT_free(pvt);
    EC_POINT_free(y);
    EC_POINT_clear_free(ssk_g);
    return err;
}

mcsec_err_t mcsec_eccsi_signer_new(const uint8_t kpak[MCSEC_ECCSI_POINT_LEN], const uint8_t *id,
                                   size_t id_len, const uint8_t ssk[MCSEC_ECCSI_SCALAR_LEN],
                                   const uint8_t pvt[MCSEC_ECCSI_POINT_LEN],
                                   mcsec_eccsi_signer_t **out)
{
    if (kpak == NULL || (id == NULL && id_len > 0) || ssk == NULL || pvt == NULL || out == NULL) {
        return MCSEC_ERR_ARG;
    }
    *out = NULL;
    mcsec_eccsi_signer_t *signer = calloc(1, sizeof(*signer));
    if (signer == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    BN_CTX *bn = BN_CTX_new();
    mcsec_err_t err = bn != NULL ? eccsi_curve_init(&signer->curve) : MCSEC_ERR_NOMEM;
    if (err == MCSEC_OK) {
        err = eccsi_scalar_load(&signer->curve, ssk, 1, &signer->ssk);
    }
    if (err == MCSEC_OK) {
        err = eccsi_hash_hs(&signer->curve, kpak, id, id_len, pvt, signer->hs);
    }
    if (err == MCSEC_OK) {
        err = check_keys(&signer->curve, kpak, pvt, signer->ssk, signer->hs, bn);
    }
    if (err == MCSEC_OK) {
        signer->mont_q = BN_MONT_CTX_new();
        signer->q_minus_2 = BN_dup(signer->curve.q);
        if (signer->mont_q == NULL || signer->q_minus_2 == NULL ||
            BN_MONT_CTX_set(signer->mont_q, signer->curve.q, bn) != 1 ||
            BN_sub_word(signer->q_minus_2, 2) != 1) {
            err = MCSEC_ERR_NOMEM;
        }
    }
    BN_CTX_free(bn);
    if (err != MCSEC_OK) {
        mcsec_eccsi_signer_free(signer);
        return err;
    }
    memcpy(signer->pvt, pvt, ECCSI_POINT);
    *out = signer;
    return MCSEC_OK;
}

void mcsec_eccsi_signer_free(mcsec_eccsi_signer_t *signer)
{
    if (signer == NULL) {
        return;
    }
    BN_clear_free(signer->ssk);
    BN_MONT_CTX_free(signer->mont_q);
    BN_free(signer->q_minus_2);
    eccsi_curve_clear(&signer->curve);
    OPENSSL_cleanse(signer, sizeof(*signer));
    free(signer);
}

/* One signing attempt with the given j. MCSEC_ERR_INVALID means "this j
 * cannot be used" (r = 0, r >= q or HE + r*SSK = 0): draw another. */
static mcsec_err_t sign_with(const mcsec_eccsi_signer_t *signer, const uint8_t *msg, size_t msg_len,
                             const BIGNUM *j, uint8_t sig[MCSEC_ECCSI_SIG_LEN], BN_CTX *bn)
{
    const eccsi_curve_t *curve = &signer->curve;
    const BIGNUM *q = curve->q;
    mcsec_err_t err = MCSEC_ERR_NOMEM;
    uint8_t r_octets[ECCSI_N];
    uint8_t he[ECCSI_N];
    EC_POINT *jpoint = EC_POINT_new(curve->group);
    BN_CTX_start(bn);
    BIGNUM *r = BN_CTX_get(bn);
    BIGNUM *he_bn = BN_CTX_get(bn);
    BIGNUM *t = BN_CTX_get(bn);
    BIGNUM *t_inv = BN_CTX_get(bn);
    BIGNUM *s = BN_CTX_get(bn);
    if (jpoint == NULL || s == NULL) {
        goto out;
    }
    BN_set_flags(t, BN_FLG_CONSTTIME);
    BN_set_flags(t_inv, BN_FLG_CONSTTIME);
    BN_set_flags(s, BN_FLG_CONSTTIME);
    /* 1-2. J = [j]G, r = Jx. */
    if (EC_POINT_mul(curve->group, jpoint, j, NULL, NULL, bn) != 1 ||
        EC_POINT_get_affine_coordinates(curve->group, jpoint, r, NULL, bn) != 1) {
        goto out;
    }
    if (BN_is_zero(r) || BN_cmp(r, q) >= 0) {
        err = MCSEC_ERR_INVALID;
        goto out;
    }
    if (BN_bn2binpad(r, r_octets, ECCSI_N) != ECCSI_N) {
        goto out;
    }
    /* 3. HE = hash(HS || r || M). */
    err = eccsi_hash_he(curve, signer->hs, r_octets, msg, msg_len, he);
    if (err != MCSEC_OK) {
        goto out;
    }
    err = MCSEC_ERR_NOMEM;
    /* 4. t = HE + r * SSK mod q, which must not be zero. */
    if (BN_bin2bn(he, ECCSI_N, he_bn) == NULL || BN_mod_mul(t, r, signer->ssk, q, bn) != 1 ||
        BN_mod_add(t, t, he_bn, q, bn) != 1) {
        goto out;
    }
    if (BN_is_zero(t)) {
        err = MCSEC_ERR_INVALID;
        goto out;
    }
    /* 5. s' = t^-1 * j mod q; t^-1 = t^(q-2) (q is prime), in constant time. */
    if (BN_mod_exp_mont_consttime(t_inv, t, signer->q_minus_2, q, bn, signer->mont_q) != 1 ||
        BN_mod_mul(s, t_inv, j, q, bn) != 1) {
        goto out;
    }
    /* 6. s' < q < 2^256 always fits N octets, so s = s'. */
    if (BN_bn2binpad(s, sig + ECCSI_N, ECCSI_N) != ECCSI_N) {
        goto out;
    }
    memcpy(sig, r_octets, ECCSI_N);
    memcpy(sig + 2 * ECCSI_N, signer->pvt, ECCSI_POINT);
    err = MCSEC_OK;
out:
    EC_POINT_clear_free(jpoint);
    /* BN_CTX_end leaves values in the pool; wipe the secret ones first. */
    if (s != NULL) {
        BN_clear(t);
        BN_clear(t_inv);
        BN_clear(s);
    }
    BN_CTX_end(bn);
    return err;
}

mcsec_err_t mcsec_eccsi_sign(const mcsec_eccsi_signer_t *signer, const uint8_t *msg, size_t msg_len,
                             uint8_t sig[MCSEC_ECCSI_SIG_LEN])
{
    if (signer == NULL || (msg == NULL && msg_len > 0) || sig == NULL) {
        return MCSEC_ERR_ARG;
    }
    BN_CTX *bn = BN_CTX_secure_new();
    if (bn == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    mcsec_err_t err = MCSEC_ERR_INVALID;
    /* A j that fails has probability about 2^-128; bound the loop anyway. */
    for (int attempt = 0; attempt < 8 && err == MCSEC_ERR_INVALID; attempt++) {
        BIGNUM *j = NULL;
        err = eccsi_random_scalar(&signer->curve, &j, bn);
        if (err == MCSEC_OK) {
            err = sign_with(signer, msg, msg_len, j, sig, bn);
        }
        BN_clear_free(j);
    }
    BN_CTX_free(bn);
    return err;
}

mcsec_err_t mcsec_eccsi_sign_fixed_j_for_test(const mcsec_eccsi_signer_t *signer,
                                              const uint8_t *msg, size_t msg_len,
                                              const uint8_t j_octets[MCSEC_ECCSI_SCALAR_LEN],
                                              uint8_t sig[MCSEC_ECCSI_SIG_LEN])
{
    if (signer == NULL || (msg == NULL && msg_len > 0) || j_octets == NULL || sig == NULL) {
        return MCSEC_ERR_ARG;
    }
    BN_CTX *bn = BN_CTX_secure_new();
    if (bn == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    BIGNUM *j = NULL;
    mcsec_err_t err = eccsi_scalar_load(&signer->curve, j_octets, 1, &j);
    if (err == MCSEC_OK) {
        err = sign_with(signer, msg, msg_len, j, sig, bn);
    }
    BN_clear_free(j);
    BN_CTX_free(bn);
    return err;
}
