/* ECCSI internals shared by the sign, verify and KMS files (not public). */
#ifndef MCSEC_ECCSI_INTERNAL_H
#define MCSEC_ECCSI_INTERNAL_H

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "mcsec/ibc/eccsi.h"

#define ECCSI_N MCSEC_ECCSI_SCALAR_LEN
#define ECCSI_POINT MCSEC_ECCSI_POINT_LEN

/* P-256 group, its order q and the generator G encoded 04||x||y. */
typedef struct {
    EC_GROUP *group;
    const BIGNUM *q;
    EVP_MD *sha256;
    uint8_t g[ECCSI_POINT];
} eccsi_curve_t;

/* Fills curve (all fields owned by it); MCSEC_ERR_NOMEM on failure. */
mcsec_err_t eccsi_curve_init(eccsi_curve_t *curve);
void eccsi_curve_clear(eccsi_curve_t *curve);

/* Decodes 04||x||y into a new point; MCSEC_ERR_INVALID when the encoding is
 * not uncompressed, not on the curve or the point at infinity. */
mcsec_err_t eccsi_point_decode(const eccsi_curve_t *curve, const uint8_t in[ECCSI_POINT],
                               EC_POINT **out, BN_CTX *bn);
mcsec_err_t eccsi_point_encode(const eccsi_curve_t *curve, const EC_POINT *point,
                               uint8_t out[ECCSI_POINT], BN_CTX *bn);

/* HS = SHA-256(G || KPAK || ID || PVT). */
mcsec_err_t eccsi_hash_hs(const eccsi_curve_t *curve, const uint8_t kpak[ECCSI_POINT],
                          const uint8_t *id, size_t id_len, const uint8_t pvt[ECCSI_POINT],
                          uint8_t hs[ECCSI_N]);

/* HE = SHA-256(HS || r || M). */
mcsec_err_t eccsi_hash_he(const eccsi_curve_t *curve, const uint8_t hs[ECCSI_N],
                          const uint8_t r[ECCSI_N], const uint8_t *msg, size_t msg_len,
                          uint8_t he[ECCSI_N]);

/* Loads a 32-octet scalar, refusing 0 and values >= q (MCSEC_ERR_INVALID).
 * With secret, the BIGNUM is flagged constant-time (free it with
 * BN_clear_free). */
mcsec_err_t eccsi_scalar_load(const eccsi_curve_t *curve, const uint8_t in[ECCSI_N], int secret,
                              BIGNUM **out);

/* Y = [HS]PVT + KPAK (the public key of the identity). */
mcsec_err_t eccsi_identity_point(const eccsi_curve_t *curve, const EC_POINT *kpak,
                                 const EC_POINT *pvt, const uint8_t hs[ECCSI_N], EC_POINT *y,
                                 BN_CTX *bn);

/* A uniformly random secret scalar in [1, q-1], constant-time flagged. */
mcsec_err_t eccsi_random_scalar(const eccsi_curve_t *curve, BIGNUM **out, BN_CTX *bn);

#endif
