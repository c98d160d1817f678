/* ECCSI signatures (RFC 6507) on NIST P-256 with SHA-256, on OpenSSL 3.
 *
 * Contract: all keys cross the API as fixed-size octet strings: points
 * (KPAK, PVT) uncompressed 04||x||y (65 octets), scalars (KSAK, SSK) 32
 * octets big-endian, signatures r||s||PVT (129 octets). The identity ID is
 * an opaque octet string; for EARs it is the signer's UID (uid.h).
 * Objects are created, used and freed by the caller; freeing wipes secrets.
 * Functions return MCSEC_OK or a negative mcsec_err_t:
 * MCSEC_ERR_ARG for NULL pointers or wrong lengths, MCSEC_ERR_INVALID for a
 * key or signature that fails a check, MCSEC_ERR_NOMEM for OpenSSL or
 * allocation failures. Nothing is printed. */
#ifndef MCSEC_ECCSI_H
#define MCSEC_ECCSI_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_ECCSI_SCALAR_LEN 32
#define MCSEC_ECCSI_POINT_LEN 65
#define MCSEC_ECCSI_SIG_LEN 129 /* r (32) || s (32) || PVT (65) */

/* ---- verifier side: a KMS's public authentication key ---------------- */

/* A parsed KPAK (the point is checked once, here, not per signature). It
 * also keeps, for the last 64 signers whose signature verified under it,
 * the values that depend on the signer only (RFC 6507 5.2.2: PVT checked,
 * HS, Y = [HS]PVT + KPAK), found again only by the exact KPAK, ID and PVT
 * octets; a signer seen before then costs one double-scalar multiplication,
 * as ECDSA does. One object may be shared by threads (the cache has its
 * own lock); keep it per process (a policy generation) to profit. */
typedef struct mcsec_eccsi_pub mcsec_eccsi_pub_t;

/* Parses kpak (04||x||y, on the curve, not infinity) into *out. */
mcsec_err_t mcsec_eccsi_pub_new(const uint8_t kpak[MCSEC_ECCSI_POINT_LEN], mcsec_eccsi_pub_t **out);
void mcsec_eccsi_pub_free(mcsec_eccsi_pub_t *pub);

/* Verifications under pub that found their signer in its cache (hits) and
 * that did not (misses); either pointer may be NULL. */
void mcsec_eccsi_pub_cache_stats(const mcsec_eccsi_pub_t *pub, uint64_t *hits, uint64_t *misses);

/* RFC 6507 5.2.2: MCSEC_OK when sig is a valid signature of msg by id
 * under pub; MCSEC_ERR_INVALID for any signature that does not verify,
 * including a sig_len other than 129, r or s zero or >= q, and a PVT that
 * is not a point of the curve. */
mcsec_err_t mcsec_eccsi_verify(const mcsec_eccsi_pub_t *pub, const uint8_t *id, size_t id_len,
                               const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                               size_t sig_len);

/* ---- signer side: SSK and PVT for one identity ------------------------ */

typedef struct mcsec_eccsi_signer mcsec_eccsi_signer_t;

/* Builds a signer for id from its KMS's KPAK and the SSK/PVT the KMS issued,
 * after the RFC 6507 5.1.2 check (KPAK = [SSK]G - [HS]PVT): a pair that
 * fails it gives MCSEC_ERR_INVALID. The signer keeps its own copy of ssk. */
mcsec_err_t mcsec_eccsi_signer_new(const uint8_t kpak[MCSEC_ECCSI_POINT_LEN], const uint8_t *id,
                                   size_t id_len, const uint8_t ssk[MCSEC_ECCSI_SCALAR_LEN],
                                   const uint8_t pvt[MCSEC_ECCSI_POINT_LEN],
                                   mcsec_eccsi_signer_t **out);
/* Wipes the SSK and frees. NULL is a no-op. */
void mcsec_eccsi_signer_free(mcsec_eccsi_signer_t *signer);

/* RFC 6507 5.2.1 with a fresh random j per call; writes 129 octets. */
mcsec_err_t mcsec_eccsi_sign(const mcsec_eccsi_signer_t *signer, const uint8_t *msg, size_t msg_len,
                             uint8_t sig[MCSEC_ECCSI_SIG_LEN]);

/* ---- KMS side (tests, the demo, operators without a KMS) -------------- */

/* New random KSAK in [1, q-1] and its KPAK = [KSAK]G. */
mcsec_err_t mcsec_eccsi_kms_generate(uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN],
                                     uint8_t kpak[MCSEC_ECCSI_POINT_LEN]);

/* KPAK = [KSAK]G; MCSEC_ERR_INVALID when ksak is 0 or >= q. */
mcsec_err_t mcsec_eccsi_kms_kpak(const uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN],
                                 uint8_t kpak[MCSEC_ECCSI_POINT_LEN]);

/* RFC 6507 5.1.1 with a fresh random v: PVT = [v]G,
 * SSK = KSAK + HS * v mod q, HS = hash(G || KPAK || ID || PVT). */
mcsec_err_t mcsec_eccsi_kms_issue(const uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN], const uint8_t *id,
                                  size_t id_len, uint8_t ssk[MCSEC_ECCSI_SCALAR_LEN],
                                  uint8_t pvt[MCSEC_ECCSI_POINT_LEN]);

/* ---- TEST ONLY: fixed ephemerals for the RFC 6507 Appendix A vector ----
 * A signature or key made with a fixed j or v reveals the SSK or KSAK when
 * the value repeats. Never call these outside tests. */
mcsec_err_t mcsec_eccsi_sign_fixed_j_for_test(const mcsec_eccsi_signer_t *signer,
                                              const uint8_t *msg, size_t msg_len,
                                              const uint8_t j[MCSEC_ECCSI_SCALAR_LEN],
                                              uint8_t sig[MCSEC_ECCSI_SIG_LEN]);
mcsec_err_t mcsec_eccsi_kms_issue_fixed_v_for_test(const uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN],
                                                   const uint8_t *id, size_t id_len,
                                                   const uint8_t v[MCSEC_ECCSI_SCALAR_LEN],
                                                   uint8_t ssk[MCSEC_ECCSI_SCALAR_LEN],
                                                   uint8_t pvt[MCSEC_ECCSI_POINT_LEN]);

/* ---- key files ---------------------------------------------------------
 * Hex files (one value, optional trailing newline). Secret files (KSAK,
 * SSK) are refused with MCSEC_ERR_PERM unless their mode is 0600 or
 * stricter; MCSEC_ERR_IO when unreadable, MCSEC_ERR_PARSE when not exactly
 * len octets of hex. */
mcsec_err_t mcsec_keyfile_read_hex(const char *path, int secret, uint8_t *out, size_t len);

/* Writes hex + newline to path via a temporary file and rename, mode 0600
 * when secret (else 0644). With exclusive, an existing path is kept and
 * MCSEC_ERR_INVALID returned (so `kms init` never overwrites a KSAK). */
mcsec_err_t mcsec_keyfile_write_hex(const char *path, int secret, int exclusive,
                                    const uint8_t *data, size_t len);

/* The KMS public file (docs/profile.md section 4): name=value lines kms_uri, kpak
 * (hex 04||x||y), key_period (seconds, > 0), key_offset (seconds, default
 * 0, < key_period); optional, as a TS 33.180 Annex D KMS certificate gives
 * them (mcsecctl kms import, ibc/kms_cert.h): cert_uri, issuer,
 * valid_from and valid_to (both or neither, "YYYY-MM-DDTHH:MM:SSZ",
 * valid_from < valid_to), user_id_format, parameter_set, pub_enc_key (hex,
 * 1..257 octets, the SAKKE public key Z_T); '#' comments and blank lines
 * allowed, unknown or repeated names refused. */
#define MCSEC_KMS_URI_MAX 255
#define MCSEC_KMS_PUB_ENC_MAX 257 /* 04 || x || y on SAKKE parameter set 1 */
#define MCSEC_KMS_TOKEN_MAX 31    /* user_id_format, parameter_set */

typedef struct {
    char kms_uri[MCSEC_KMS_URI_MAX + 1];
    uint8_t kpak[MCSEC_ECCSI_POINT_LEN];
    uint64_t key_period;
    uint64_t key_offset;
    /* From a KMS certificate; empty, 0 or false when the file has none. */
    char cert_uri[MCSEC_KMS_URI_MAX + 1];
    char issuer[MCSEC_KMS_URI_MAX + 1];
    char user_id_format[MCSEC_KMS_TOKEN_MAX + 1];
    char parameter_set[MCSEC_KMS_TOKEN_MAX + 1];
    int has_validity;
    int64_t valid_from, valid_to; /* Unix seconds, when has_validity */
    size_t pub_enc_key_len;
    uint8_t pub_enc_key[MCSEC_KMS_PUB_ENC_MAX];
} mcsec_kms_pub_t;

/* Parses a buffer; on MCSEC_ERR_PARSE/INVALID, why (if not NULL) gets a
 * one-line reason with the line number. */
mcsec_err_t mcsec_kms_pub_parse(const char *text, size_t len, mcsec_kms_pub_t *out, char *why,
                                size_t why_size);
mcsec_err_t mcsec_kms_pub_read(const char *path, mcsec_kms_pub_t *out, char *why, size_t why_size);
/* Writes the file (mode 0644, replacing an existing one). */
mcsec_err_t mcsec_kms_pub_write(const char *path, const mcsec_kms_pub_t *pub);

/* A signing key directory as `mcsecctl kms issue` writes it: ssk (0600),
 * pvt, kms.pub and signer (name=value: uri, key_period_number). */
typedef struct {
    char uri[1025];
    uint64_t key_period_number;
    uint8_t ssk[MCSEC_ECCSI_SCALAR_LEN];
    uint8_t pvt[MCSEC_ECCSI_POINT_LEN];
    mcsec_kms_pub_t kms;
} mcsec_eccsi_keydir_t;

mcsec_err_t mcsec_eccsi_keydir_read(const char *dir, mcsec_eccsi_keydir_t *out, char *why,
                                    size_t why_size);
mcsec_err_t mcsec_eccsi_keydir_write(const char *dir, const mcsec_eccsi_keydir_t *keys);
/* Wipes the SSK in keys. */
void mcsec_eccsi_keydir_clear(mcsec_eccsi_keydir_t *keys);

#endif
