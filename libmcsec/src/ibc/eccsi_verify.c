/* ECCSI verification (RFC 6507 5.2.2) under a parsed KPAK, with the
 * signer-only values (HS, Y) of the signers seen before kept in the KPAK's
 * object (eccsi_cache.h). */
#include <stdlib.h>
#include <string.h>

#include "eccsi_cache.h"
#include "eccsi_internal.h"

struct mcsec_eccsi_pub {
    eccsi_curve_t curve;
    EC_POINT *kpak;
    uint8_t kpak_octets[ECCSI_POINT];
    /* Mutable through a const pub: a cache changes no result. Allocated
     * apart so that mcsec_eccsi_verify keeps its const argument. */
    eccsi_cache_t *cache;
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
    if (err == MCSEC_OK) {
        pub->cache = malloc(sizeof(*pub->cache));
        err = pub->cache == NULL ? MCSEC_ERR_NOMEM : eccsi_cache_init(pub->cache, &pub->curve);
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
    if (pub->cache != NULL) {
        eccsi_cache_clear(pub->cache);
        free(pub->cache);
    }
    EC_POINT_free(pub->kpak);
    eccsi_curve_clear(&pub->curve);
    free(pub);
}

void mcsec_eccsi_pub_cache_stats(const mcsec_eccsi_pub_t *pub, uint64_t *hits, uint64_t *misses)
{
    uint64_t h = 0, m = 0;
    if (pub != NULL && pub->cache != NULL) {
        eccsi_cache_stats(pub->cache, &h, &m);
    }
    if (hits != NULL) {
        *hits = h;
    }
    if (misses != NULL) {
        *misses = m;
    }
}

/* Steps 1, 2 and 4 of RFC 6507 5.2.2, which depend on the signer only:
 * PVT on the curve, HS = hash(G || KPAK || ID || PVT), Y = [HS]PVT + KPAK,
 * from the cache when this exact signer verified before. *cached tells
 * which. */
static mcsec_err_t signer_values(const mcsec_eccsi_pub_t *pub, const uint8_t *id, size_t id_len,
                                 const uint8_t pvt_octets[ECCSI_POINT], uint8_t hs[ECCSI_N],
                                 EC_POINT *y, int *cached, BN_CTX *bn)
{
    const eccsi_curve_t *curve = &pub->curve;
    *cached = eccsi_cache_get(pub->cache, pub->kpak_octets, id, id_len, pvt_octets, hs, y);
    if (*cached) {
        return MCSEC_OK;
    }
    /* 1. PVT must be a point of the curve. */
    EC_POINT *pvt = NULL;
    mcsec_err_t err = eccsi_point_decode(curve, pvt_octets, &pvt, bn);
    /* 2. HS = hash(G || KPAK || ID || PVT). */
    if (err == MCSEC_OK) {
        err = eccsi_hash_hs(curve, pub->kpak_octets, id, id_len, pvt_octets, hs);
    }
    /* 4. Y = [HS]PVT + KPAK. */
    if (err == MCSEC_OK) {
        err = eccsi_identity_point(curve, pub->kpak, pvt, hs, y, bn);
    }
    EC_POINT_free(pvt);
    return err;
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
    EC_POINT *y = NULL;
    EC_POINT *j = NULL;
    int cached = 0;
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
    y = EC_POINT_new(curve->group);
    j = EC_POINT_new(curve->group);
    if (jx == NULL || y == NULL || j == NULL) {
        goto out;
    }
    if (!load_public_scalar(curve, r_octets, r) || !load_public_scalar(curve, s_octets, s)) {
        err = MCSEC_ERR_INVALID;
        goto out;
    }
    /* 1, 2 and 4: PVT checked, HS and Y = [HS]PVT + KPAK. */
    err = signer_values(pub, id, id_len, pvt_octets, hs, y, &cached, bn);
    /* 3. HE = hash(HS || r || M). */
    if (err == MCSEC_OK) {
        err = eccsi_hash_he(curve, hs, r_octets, msg, msg_len, he);
    }
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
    /* Only a signer whose signature verified is kept: forged signatures
     * cannot push the known signers out. */
    if (err == MCSEC_OK && !cached) {
        eccsi_cache_put(pub->cache, pub->kpak_octets, id, id_len, pvt_octets, hs, y);
    }
out:
    EC_POINT_free(y);
    EC_POINT_free(j);
    BN_CTX_end(bn);
    BN_CTX_free(bn);
    return err;
}
