/* The building blocks of topology tokens: AES-SIV (RFC 5297, AES-CMAC-SIV
 * with a 256-bit key) composed from OpenSSL's AES-128 (CMAC and CTR chained
 * over two ECB contexts keyed once, see topo_siv.c), and
 * lower-case base32 (RFC 4648 alphabet, no padding).
 *
 * Why these: AES-SIV is deterministic authenticated encryption, so the same
 * header value in the same dialog always gives the same token (a Call-ID or
 * Route that changed between messages would break the dialog), while any
 * change to the token, its kind or its dialog fails authentication. Base32
 * lower case is valid unchanged in a SIP URI user part, a host label, a Via
 * parameter and a Call-ID word, and survives case folding by intermediaries.
 *
 * Contract: inputs are (pointer, length) and never read past the length;
 * outputs are sized by the caller. mcsec_siv_t is not thread-safe (it keeps
 * its keyed contexts and re-initialises them per operation); use one per
 * thread or process. */
#ifndef MCSEC_TOPO_TOKEN_H
#define MCSEC_TOPO_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_SIV_KEY_LEN 32 /* AES-128-SIV: 128-bit MAC key || 128-bit CTR key */
#define MCSEC_SIV_TAG_LEN 16 /* the synthetic IV, prepended to the ciphertext */
#define MCSEC_SIV_MAX_AAD 4  /* associated-data components per operation */

/* One associated-data component; SIV authenticates the vector of components
 * (S2V), so components need no length framing. */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} mcsec_bytes_t;

typedef struct mcsec_siv mcsec_siv_t;

/* Keys an AES-SIV instance with MCSEC_SIV_KEY_LEN octets (copied into
 * OpenSSL's contexts; the caller may wipe its copy). MCSEC_ERR_NOMEM, or
 * MCSEC_ERR_INVALID when OpenSSL has no AES-128-ECB. */
mcsec_err_t mcsec_siv_create(const uint8_t *key, mcsec_siv_t **out);

/* Frees the instance; OpenSSL wipes the key schedule. NULL is a no-op. */
void mcsec_siv_destroy(mcsec_siv_t *siv);

/* Seals plaintext (1..n octets) under aad_count (<= MCSEC_SIV_MAX_AAD)
 * components: out receives SIV tag (16) || ciphertext (pt_len), i.e.
 * pt_len + MCSEC_SIV_TAG_LEN octets. Deterministic. */
mcsec_err_t mcsec_siv_seal(mcsec_siv_t *siv, const mcsec_bytes_t *aad, size_t aad_count,
                           const uint8_t *pt, size_t pt_len, uint8_t *out);

/* Opens tag || ciphertext (in_len > MCSEC_SIV_TAG_LEN) into pt (in_len - 16
 * octets). MCSEC_ERR_INVALID when authentication fails; pt is then wiped,
 * never partly decoded. */
mcsec_err_t mcsec_siv_open(mcsec_siv_t *siv, const mcsec_bytes_t *aad, size_t aad_count,
                           const uint8_t *in, size_t in_len, uint8_t *pt);

/* Characters base32 needs for n octets: ceil(8n/5). */
size_t mcsec_base32_len(size_t n);

/* Writes mcsec_base32_len(n) lower-case characters (no NUL). */
void mcsec_base32_encode(const uint8_t *in, size_t n, char *out);

/* Decodes base32 text (either case) into out. MCSEC_ERR_PARSE when a
 * character is outside the alphabet, the length is impossible (len % 8 in
 * {1, 3, 6}) or the unused trailing bits are not zero (one text per value);
 * MCSEC_ERR_ARG when out_size < len * 5 / 8. */
mcsec_err_t mcsec_base32_decode(const char *in, size_t len, uint8_t *out, size_t out_size,
                                size_t *out_len);

#endif
