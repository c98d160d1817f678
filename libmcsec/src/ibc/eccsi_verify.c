/* ECCSI verification (RFC 6507 5.2.2) under a parsed KPAK. */
#include <stdlib.h>
#include <string.h>

#include "eccsi_internal.h"

struct mcsec_eccsi_pub {
    eccsi_curve_t curve;
    EC_POINT *kpak;
    uint8_t kpak_octets[ECCSI_POINT];
};

mcsec_err_t mcsec_eccsi_pub_new(const uint8_t kpak[MCSEC_ECCSI_POINT_LEN], mcsec_eccsi_pub_t **out)
{
    if (kpak == NULL || out == NULL) {
        return MCSEC_ERR_ARG;
    }
    *out = NULL;
    mcsec_eccsi_pub_t *pub = calloc(1, sizeof(*pub));
    if (pub == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    mcsec_err_t err = eccsi_curve_init(&pub->curve);
    if (err == MCSEC_OK) {
        err = eccsi_point_decode(&pub->curve, kpak, &pub->kpak, NULL);
    }
    if (err != MCSEC_OK) {
        mcsec_eccsi_pub_free(pub);
        return err;
    }
    memcpy(pub->kpak_octets, kpak, ECCSI_POINT);
    *out = pub;
    return MCSEC_OK;
}

void mcsec_eccsi_pub_free(mcsec_eccsi_pub_t *pub)
{
    if (pub == NULL) {
        return;
    }
    EC_POINT_free(pub->kpak);
    eccsi_curve_clear(&pub->curve);
    free(pub);
}

/* r and s as integers in [1, q-1]; anything else cannot be a signature. */
static int load_public_scalar(const eccsi_curve_t *curve, const uint8_t *in, BIGNUM *out)
{
    return BN_bin2bn(in, ECCSI_N, out) != NULL && !BN_is_zero(out) && BN_cmp(out, curve->q) < 0;
}

mcsec_err_t mcsec_eccsi_verify(const mcsec_eccsi_pub_t *pub, const uint8_t *id, size_t id_len,
                               const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                               size_t sig_len)
{
    if (pub == NULL || (id == NULL && id_len > 0) || (msg == NULL && msg_len > 0) || sig == NULL) {
        return MCSEC_ERR_ARG;
    }
    if (sig_len != MCSEC_ECCSI_SIG_LEN) {
        return MCSEC_ERR_INVALID;
    }
    const eccsi_curve_t *curve = &pub->curve;
    const uint8_t *r_octets = sig;
    const uint8_t *s_octets = sig + ECCSI_N;
    const uint8_t *pvt_octets = sig + 2 * ECCSI_N;
    mcsec_err_t err = MCSEC_ERR_NOMEM;
    EC_POINT *pvt = NULL;
    EC_POINT *y = NULL;
    EC_POINT *j = NULL;
    uint8_t hs[ECCSI_N];
    uint8_t he[ECCSI_N];
    BN_CTX *bn = BN_CTX_new();
    if (bn == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    BN_CTX_start(bn);
    BIGNUM *r = BN_CTX_get(bn);
    BIGNUM *s = BN_CTX_get(bn);
    BIGNUM *he_bn = BN_CTX_get(bn);
    BIGNUM *u1 = BN_CTX_get(bn);
    BIGNUM *u2 = BN_CTX_get(bn);
    BIGNUM *jx = BN_CTX_get(bn);
    if (jx == NULL) {
        goto out;
    }
    if (!load_public_scalar(curve, r_octets, r) || !load_public_scalar(curve, s_octets, s)) {
        err = MCSEC_ERR_INVALID;
        goto out;
    }
    /* 1. PVT must be a point of the curve. */
    err = eccsi_point_decode(curve, pvt_octets, &pvt, bn);
    if (err != MCSEC_OK) {
        goto out;
    }
    /* 2-3. HS = hash(G || KPAK || ID || PVT), HE = hash(HS || r || M). */
    err = eccsi_hash_hs(curve, pub->kpak_octets, id, id_len, pvt_octets, hs);
    if (err == MCSEC_OK) {
        err = eccsi_hash_he(curve, hs, r_octets, msg, msg_len, he);
    }
    if (err != MCSEC_OK) {
        goto out;
    }
    err = MCSEC_ERR_NOMEM;
    y = EC_POINT_new(curve->group);
    j = EC_POINT_new(curve->group);
    if (y == NULL || j == NULL) {
        goto out;
    }
    /* 4. Y = [HS]PVT + KPAK. */
    err = eccsi_identity_point(curve, pub->kpak, pvt, hs, y, bn);
    if (err != MCSEC_OK) {
        goto out;
    }
    /* 5. J = [s]([HE]G + [r]Y) = [s*HE]G + [s*r]Y: one double-scalar
     * multiplication instead of three single ones. */
    err = MCSEC_ERR_NOMEM;
    if (BN_bin2bn(he, ECCSI_N, he_bn) == NULL || BN_mod_mul(u1, s, he_bn, curve->q, bn) != 1 ||
        BN_mod_mul(u2, s, r, curve->q, bn) != 1 ||
        EC_POINT_mul(curve->group, j, u1, y, u2, bn) != 1) {
        goto out;
    }
    /* 6. Jx = r (r < q < p, so no reduction is needed on r). */
    err = MCSEC_ERR_INVALID;
    if (EC_POINT_is_at_infinity(curve->group, j) ||
        EC_POINT_get_affine_coordinates(curve->group, j, jx, NULL, bn) != 1) {
        goto out;
    }
    err = BN_cmp(jx, r) == 0 ? MCSEC_OK : MCSEC_ERR_INVALID;
out:
    EC_POINT_free(pvt);
    EC_POINT_free(y);
    EC_POINT_free(j);
    BN_CTX_end(bn);
    BN_CTX_free(bn);
    return err;
}
