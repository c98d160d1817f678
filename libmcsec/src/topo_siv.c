/* AES-SIV (RFC 5297) from OpenSSL 3.0's CMAC (EVP_MAC) and AES-128-CTR
 * (EVP_CIPHER), each keyed once per instance.
 *
 * Why not OpenSSL's EVP "AES-128-SIV": it is single use (a re-init without
 * a key does not reset its S2V state), so every operation needs a fresh
 * keyed context, and it duplicates a CMAC context per S2V component: about
 * 16 000 instructions per token, the largest cost of topology hiding
 * (bench/RESULTS.md). Here the CMAC context is re-initialised in place
 * (EVP_MAC_init without a key keeps the key schedule), S2V's first value
 * CMAC(K1, <zero>) is computed once, and the CTR context only takes a new
 * IV: about a fifth of the cost. Only the composition of RFC 5297 section
 * 2.4 (dbl, xor, the CTR IV mask) is ours; the unit tests check it against
 * RFC 5297 A.1/A.2 and against OpenSSL's AES-128-SIV on random inputs. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mcsec/topo_token.h"

#define BLOCK 16
#define PREFIX_SLOTS 4    /* short first components remembered */
#define PREFIX_MAX_LEN 16 /* longest first component remembered */

/* S2V's state after a short first AAD component: tokens whose associated
 * data is a constant (the kind name of Call-ID and element tokens) skip
 * one CMAC. A pure function of the key and public bytes; wiped with it. */
typedef struct {
    size_t len; /* 0: slot unused */
    uint8_t aad[PREFIX_MAX_LEN];
    uint8_t d[BLOCK];
} s2v_prefix_t;

struct mcsec_siv {
    EVP_MAC_CTX *cmac;   /* CMAC keyed with K1, the left half of the key */
    EVP_CIPHER_CTX *ctr; /* AES-128-CTR keyed with K2, the right half */
    uint8_t d0[BLOCK];   /* S2V's start: CMAC(K1, 128 zero bits) */
    s2v_prefix_t prefix[PREFIX_SLOTS];
    unsigned prefix_next; /* slot replaced next when all are used */
};

/* dbl() of RFC 5297 2.3: multiplication by x in GF(2^128), branch-free. */
static void dbl(uint8_t d[BLOCK])
{
    uint8_t carry = (uint8_t)(0x87 & (0 - (d[0] >> 7)));
    for (int i = 0; i < BLOCK - 1; i++)
        d[i] = (uint8_t)(d[i] << 1 | d[i + 1] >> 7);
    d[BLOCK - 1] = (uint8_t)(d[BLOCK - 1] << 1 ^ carry);
}

static void xor_into(uint8_t *dst, const uint8_t *src, size_t len)
{
    for (size_t i = 0; i < len; i++)
        dst[i] ^= src[i];
}

/* out = CMAC(K1, a || b); either part may be empty. */
static int cmac2(mcsec_siv_t *siv, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                 uint8_t out[BLOCK])
{
    size_t outl = 0;
    return EVP_MAC_init(siv->cmac, NULL, 0, NULL) == 1 &&
           (a_len == 0 || EVP_MAC_update(siv->cmac, a, a_len) == 1) &&
           (b_len == 0 || EVP_MAC_update(siv->cmac, b, b_len) == 1) &&
           EVP_MAC_final(siv->cmac, out, &outl, BLOCK) == 1 && outl == BLOCK;
}

mcsec_err_t mcsec_siv_create(const uint8_t *key, mcsec_siv_t **out)
{
    if (!key || !out)
        return MCSEC_ERR_ARG;
    *out = NULL;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_CIPHER *aes_ctr = EVP_CIPHER_fetch(NULL, "AES-128-CTR", NULL);
    mcsec_siv_t *siv = calloc(1, sizeof(*siv));
    mcsec_err_t rc = MCSEC_ERR_NOMEM;
    if (siv && mac && aes_ctr) {
        siv->cmac = EVP_MAC_CTX_new(mac);
        siv->ctr = EVP_CIPHER_CTX_new();
    }
    if (!mac || !aes_ctr) {
        rc = MCSEC_ERR_INVALID;
    } else if (siv && siv->cmac && siv->ctr) {
        char cbc[] = "AES-128-CBC";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cbc, 0),
                               OSSL_PARAM_construct_end()};
        static const uint8_t zero[BLOCK] = {0};
        rc = EVP_MAC_init(siv->cmac, key, BLOCK, params) == 1 &&
                     EVP_EncryptInit_ex2(siv->ctr, aes_ctr, key + BLOCK, NULL, NULL) == 1 &&
                     cmac2(siv, zero, BLOCK, NULL, 0, siv->d0)
                 ? MCSEC_OK
                 : MCSEC_ERR_INVALID;
    }
    EVP_MAC_free(mac);
    EVP_CIPHER_free(aes_ctr);
    if (rc != MCSEC_OK) {
        mcsec_siv_destroy(siv);
        return rc;
    }
    *out = siv;
    return MCSEC_OK;
}

void mcsec_siv_destroy(mcsec_siv_t *siv)
{
    if (!siv)
        return;
    EVP_MAC_CTX_free(siv->cmac);
    EVP_CIPHER_CTX_free(siv->ctr);
    OPENSSL_cleanse(siv, sizeof(*siv));
    free(siv);
}

/* One S2V step: d = dbl(d) xor CMAC(K1, component). */
static int s2v_step(mcsec_siv_t *siv, const mcsec_bytes_t *component, uint8_t d[BLOCK])
{
    uint8_t mac[BLOCK];
    if (!cmac2(siv, component->ptr, component->len, NULL, 0, mac))
        return 0;
    dbl(d);
    xor_into(d, mac, BLOCK);
    return 1;
}

/* d = S2V's state after the first component, remembered when it is short. */
static int s2v_first(mcsec_siv_t *siv, const mcsec_bytes_t *first, uint8_t d[BLOCK])
{
    if (first->len == 0 || first->len > PREFIX_MAX_LEN) {
        memcpy(d, siv->d0, BLOCK);
        return s2v_step(siv, first, d);
    }
    for (unsigned i = 0; i < PREFIX_SLOTS; i++) {
        const s2v_prefix_t *slot = &siv->prefix[i];
        if (slot->len == first->len && memcmp(slot->aad, first->ptr, first->len) == 0) {
            memcpy(d, slot->d, BLOCK);
            return 1;
        }
    }
    memcpy(d, siv->d0, BLOCK);
    if (!s2v_step(siv, first, d))
        return 0;
    s2v_prefix_t *slot = &siv->prefix[siv->prefix_next];
    siv->prefix_next = (siv->prefix_next + 1) % PREFIX_SLOTS;
    slot->len = first->len;
    memcpy(slot->aad, first->ptr, first->len);
    memcpy(slot->d, d, BLOCK);
    return 1;
}

/* S2V of RFC 5297 2.4 over the AAD vector and the plaintext: v = the
 * synthetic IV (the tag). */
static int s2v(mcsec_siv_t *siv, const mcsec_bytes_t *aad, size_t aad_count, const uint8_t *pt,
               size_t pt_len, uint8_t v[BLOCK])
{
    uint8_t d[BLOCK];
    if (aad_count == 0)
        memcpy(d, siv->d0, BLOCK);
    else if (!s2v_first(siv, &aad[0], d))
        return 0;
    for (size_t i = 1; i < aad_count; i++)
        if (!s2v_step(siv, &aad[i], d))
            return 0;
    int ok;
    if (pt_len >= BLOCK) { /* T = P xorend D */
        xor_into(d, pt + pt_len - BLOCK, BLOCK);
        ok = cmac2(siv, pt, pt_len - BLOCK, d, BLOCK, v);
    } else { /* T = dbl(D) xor pad(P) */
        dbl(d);
        xor_into(d, pt, pt_len);
        d[pt_len] ^= 0x80;
        ok = cmac2(siv, d, BLOCK, NULL, 0, v);
    }
    OPENSSL_cleanse(d, sizeof(d));
    return ok;
}

/* out = AES-CTR(K2, Q, in) with Q = V with bits 63 and 31 cleared. */
static int ctr_xor(mcsec_siv_t *siv, const uint8_t v[BLOCK], const uint8_t *in, size_t len,
                   uint8_t *out)
{
    uint8_t q[BLOCK];
    memcpy(q, v, BLOCK);
    q[8] &= 0x7f;
    q[12] &= 0x7f;
    int outl = 0;
    return EVP_EncryptInit_ex2(siv->ctr, NULL, NULL, q, NULL) == 1 &&
           EVP_EncryptUpdate(siv->ctr, out, &outl, in, (int)len) == 1 && (size_t)outl == len;
}

static int args_ok(const mcsec_siv_t *siv, const mcsec_bytes_t *aad, size_t aad_count,
                   const uint8_t *in, size_t len, const uint8_t *out)
{
    if (!siv || !in || !out || len == 0 || len > INT_MAX - MCSEC_SIV_TAG_LEN ||
        aad_count > MCSEC_SIV_MAX_AAD || (!aad && aad_count))
        return 0;
    for (size_t i = 0; i < aad_count; i++)
        if (!aad[i].ptr && aad[i].len)
            return 0;
    return 1;
}

mcsec_err_t mcsec_siv_seal(mcsec_siv_t *siv, const mcsec_bytes_t *aad, size_t aad_count,
                           const uint8_t *pt, size_t pt_len, uint8_t *out)
{
    if (!args_ok(siv, aad, aad_count, pt, pt_len, out))
        return MCSEC_ERR_ARG;
    if (!s2v(siv, aad, aad_count, pt, pt_len, out) ||
        !ctr_xor(siv, out, pt, pt_len, out + MCSEC_SIV_TAG_LEN)) {
        OPENSSL_cleanse(out, pt_len + MCSEC_SIV_TAG_LEN);
        return MCSEC_ERR_INVALID;
    }
    return MCSEC_OK;
}

mcsec_err_t mcsec_siv_open(mcsec_siv_t *siv, const mcsec_bytes_t *aad, size_t aad_count,
                           const uint8_t *in, size_t in_len, uint8_t *pt)
{
    if (in_len <= MCSEC_SIV_TAG_LEN || !args_ok(siv, aad, aad_count, in, in_len, pt))
        return MCSEC_ERR_ARG;
    size_t ct_len = in_len - MCSEC_SIV_TAG_LEN;
    uint8_t v[BLOCK];
    int ok = ctr_xor(siv, in, in + MCSEC_SIV_TAG_LEN, ct_len, pt) &&
             s2v(siv, aad, aad_count, pt, ct_len, v) &&
             CRYPTO_memcmp(v, in, MCSEC_SIV_TAG_LEN) == 0;
    if (!ok) {
        OPENSSL_cleanse(pt, ct_len);
        return MCSEC_ERR_INVALID;
    }
    return MCSEC_OK;
}
