/* The TS 33.180 / TS 33.220 Annex B key derivation function, and what is
 * built on it: the XML protection keys (TS 33.180 F.1.4) and the GUK-ID
 * (end-point diversity, TS 33.180 5.2.3 and F.1.3).
 *
 * Contract: S = FC || P0 || L0 || P1 || L1 ..., each L the 2-octet big-endian
 * length of its P; output = HMAC-SHA-256(key, S) truncated to its least
 * significant octets. Inputs are (pointer, length) and are never read past
 * their length; outputs are sized by the caller. Nothing is allocated that
 * outlives a call, and every intermediate secret is wiped. */
#ifndef MCSEC_KDF_H
#define MCSEC_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_KDF_FC_USER_SALT 0x50 /* GUK-ID salt, P0 = receiving entity's URI */
#define MCSEC_KDF_FC_XPK_CONF 0x51  /* XML confidentiality key */
#define MCSEC_KDF_FC_XPK_INTEG 0x52 /* XML integrity key */

#define MCSEC_KDF_MAX_OUT 32 /* HMAC-SHA-256 output */
#define MCSEC_XPK_KEY_LEN 16 /* 128-bit keys out of the XPK */
#define MCSEC_KDF_MAX_PARAMS 8

/* One input parameter Pi; its length Li must fit 16 bits. */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} mcsec_kdf_param_t;

/* out = the out_len least significant octets of HMAC-SHA-256(key, S).
 * out_len in 1..32, param_count <= MCSEC_KDF_MAX_PARAMS, each param len
 * <= 65535. Returns MCSEC_ERR_ARG on any violation (out untouched). */
mcsec_err_t mcsec_kdf(const uint8_t *key, size_t key_len, uint8_t fc,
                      const mcsec_kdf_param_t *params, size_t param_count, uint8_t *out,
                      size_t out_len);

/* A key derived from an XPK (CSK or SPK): fc is MCSEC_KDF_FC_XPK_CONF or
 * MCSEC_KDF_FC_XPK_INTEG, P0 = the MC service ID URI (for the SPK: the
 * protecting border's identity), P1 = the 4-octet XPK-ID, big-endian. */
mcsec_err_t mcsec_kdf_xpk(const uint8_t *xpk, size_t xpk_len, uint8_t fc, uint32_t xpk_id,
                          const char *uri, size_t uri_len, uint8_t out[MCSEC_XPK_KEY_LEN]);

/* User Salt: the 28 least significant bits of KDF(GMK, 0x50, P0 = uri). */
mcsec_err_t mcsec_kdf_user_salt(const uint8_t *gmk, size_t gmk_len, const char *uri, size_t uri_len,
                                uint32_t *salt);

/* GUK-ID = GMK-ID XOR User Salt on the low 28 bits; the purpose tag (top 4
 * bits of the GMK-ID) is kept. uri is the receiving entity's. */
mcsec_err_t mcsec_kdf_guk_id(const uint8_t *gmk, size_t gmk_len, uint32_t gmk_id, const char *uri,
                             size_t uri_len, uint32_t *guk_id);

#endif
