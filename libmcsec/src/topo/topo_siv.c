/* AES-SIV (RFC 5297) from two OpenSSL AES-128-ECB contexts, each keyed
 * once per instance: CMAC (RFC 4493) over K1 for S2V, CTR over K2.
 *
 * Why not OpenSSL's EVP "AES-128-SIV": it is single use (a re-init without
 * a key does not reset its S2V state), so every operation needs a fresh
 * keyed context, and it duplicates a CMAC context per S2V component: about
 * 16 000 instructions per token. Why not EVP_MAC "CMAC" and "AES-128-CTR"
 * re-initialised per operation (session 2): each re-init goes through the
 * provider's parameter machinery (OSSL_PARAM lookups by name), 150 ns per
 * CMAC of a short value and 77 ns per CTR IV against 12 ns for an AES block
 * on the same machine (bench/PROFILES.md), so a token cost ~0.5 us of
 * mostly dispatch. Here OpenSSL does every AES block (AES-NI where the CPU
 * has it) through a keyed ECB context that is never re-initialised; what is
 * ours is the chaining of RFC 4493 2.4 (CBC-MAC with the subkeys of 2.3),
 * the counter blocks of CTR, and the S2V composition of RFC 5297 2.4. The
 * unit tests check it against RFC 5297 A.1/A.2 and against OpenSSL's
 * AES-128-SIV (which uses OpenSSL's own CMAC and CTR) on random inputs of
 * every S2V branch and of many CTR blocks. S2V's first value CMAC(K1,
 * <zero>) is computed once, and short constant first components are
 * remembered. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mcsec/topo/topo_token.h"

#define BLOCK 16
#define PREFIX_SLOTS 4    /* short first components remembered */
#define PREFIX_MAX_LEN 16 /* longest first component remembered */
#define CTR_CHUNK 16      /* counter blocks encrypted per OpenSSL call */

/* S2V's state after a short first AAD component: tokens whose associated
 * data is a constant (the kind name of Call-ID and element tokens) skip
 * one CMAC. A pure function of the key and public bytes; wiped with it. */
typedef struct {
    size_t len; /* 0: slot unused */
    uint8_t aad[PREFIX_MAX_LEN];
    uint8_t d[BLOCK];
} s2v_prefix_t;

struct mcsec_siv {
    EVP_CIPHER_CTX *mac_ecb; /* AES-128-ECB keyed with K1, the left half of the key */
    EVP_CIPHER_CTX *ctr_ecb; /* AES-128-ECB keyed with K2, the right half */
    uint8_t sub1[BLOCK];     /* CMAC subkeys of RFC 4493 2.3: K1' = dbl(E(K1, 0)) */
    uint8_t sub2[BLOCK];     /* K2' = dbl(K1') */
    uint8_t d0[BLOCK];       /* S2V's start: CMAC(K1, 128 zero bits) */
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

/* Whole AES blocks through a keyed ECB context (no padding); in == out is fine. */
static int aes_blocks(EVP_CIPHER_CTX *ecb, const uint8_t *in, size_t len, uint8_t *out)
{
    int outl = 0;
    return EVP_EncryptUpdate(ecb, out, &outl, in, (int)len) == 1 && (size_t)outl == len;
}

/* CMAC state of RFC 4493 2.4 while the message streams in: x is the
 * CBC-MAC so far, last the pending (up to one block) tail, which is only
 * processed when more data follows, since the final block gets a subkey. */
typedef struct {
    uint8_t x[BLOCK];
    uint8_t last[BLOCK];
    size_t last_len;
} cmac_state_t;

static int cmac_update(mcsec_siv_t *siv, cmac_state_t *st, const uint8_t *in, size_t len)
{
    while (len > 0) {
        if (st->last_len == BLOCK) {
            xor_into(st->x, st->last, BLOCK);
            if (!aes_blocks(siv->mac_ecb, st->x, BLOCK, st->x))
                return 0;
            st->last_len = 0;
        }
        size_t take = BLOCK - st->last_len < len ? BLOCK - st->last_len : len;
        memcpy(st->last + st->last_len, in, take);
        st->last_len += take;
        in += take;
        len -= take;
    }
    return 1;
}

static int cmac_final(mcsec_siv_t *siv, cmac_state_t *st, uint8_t out[BLOCK])
{
    if (st->last_len == BLOCK) {
        xor_into(st->last, siv->sub1, BLOCK);
    } else { /* empty or partial: pad with 10..0 and use K2' */
        st->last[st->last_len] = 0x80;
        memset(st->last + st->last_len + 1, 0, BLOCK - st->last_len - 1);
        xor_into(st->last, siv->sub2, BLOCK);
    }
    xor_into(st->x, st->last, BLOCK);
    int ok = aes_blocks(siv->mac_ecb, st->x, BLOCK, out);
    OPENSSL_cleanse(st, sizeof(*st));
    return ok;
}

/* out = CMAC(K1, a || b); either part may be empty. */
static int cmac2(mcsec_siv_t *siv, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                 uint8_t out[BLOCK])
{
    cmac_state_t st;
    memset(&st, 0, sizeof(st));
    if (!cmac_update(siv, &st, a, a_len) || !cmac_update(siv, &st, b, b_len)) {
        OPENSSL_cleanse(&st, sizeof(st));
        return 0;
    }
    return cmac_final(siv, &st, out);
}

static EVP_CIPHER_CTX *ecb_keyed(const EVP_CIPHER *aes_ecb, const uint8_t *key)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx && (EVP_EncryptInit_ex2(ctx, aes_ecb, key, NULL, NULL) != 1 ||
                EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

mcsec_err_t mcsec_siv_create(const uint8_t *key, mcsec_siv_t **out)
{
    if (!key || !out)
        return MCSEC_ERR_ARG;
    *out = NULL;
    EVP_CIPHER *aes_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    if (!aes_ecb)
        return MCSEC_ERR_INVALID;
    mcsec_siv_t *siv = calloc(1, sizeof(*siv));
    mcsec_err_t rc = MCSEC_ERR_NOMEM;
    if (siv) {
        siv->mac_ecb = ecb_keyed(aes_ecb, key);
        siv->ctr_ecb = ecb_keyed(aes_ecb, key + BLOCK);
    }
    if (siv && siv->mac_ecb && siv->ctr_ecb) {
        static const uint8_t zero[BLOCK] = {0};
        rc = MCSEC_ERR_INVALID;
        if (aes_blocks(siv->mac_ecb, zero, BLOCK, siv->sub1)) {
            dbl(siv->sub1);
            memcpy(siv->sub2, siv->sub1, BLOCK);
            dbl(siv->sub2);
            if (cmac2(siv, zero, BLOCK, NULL, 0, siv->d0))
                rc = MCSEC_OK;
        }
    }
    EVP_CIPHER_free(aes_ecb);
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
    EVP_CIPHER_CTX_free(siv->mac_ecb);
    EVP_CIPHER_CTX_free(siv->ctr_ecb);
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

/* Adds one to a 128-bit big-endian counter block (as OpenSSL's CTR does). */
static void ctr_increment(uint8_t c[BLOCK])
{
    for (int i = BLOCK - 1; i >= 0; i--)
        if (++c[i] != 0)
            break;
}

/* out = AES-CTR(K2, Q, in) with Q = V with bits 63 and 31 cleared: the
 * key stream is E(K2, Q), E(K2, Q + 1), ..., made CTR_CHUNK blocks per
 * OpenSSL call. in and out may be the same buffer. */
static int ctr_xor(mcsec_siv_t *siv, const uint8_t v[BLOCK], const uint8_t *in, size_t len,
                   uint8_t *out)
{
    uint8_t counter[BLOCK];
    uint8_t blocks[CTR_CHUNK * BLOCK];
    memcpy(counter, v, BLOCK);
    counter[8] &= 0x7f;
    counter[12] &= 0x7f;
    int ok = 1;
    while (ok && len > 0) {
        size_t n = (len + BLOCK - 1) / BLOCK;
        if (n > CTR_CHUNK)
            n = CTR_CHUNK;
        for (size_t i = 0; i < n; i++) {
            memcpy(blocks + i * BLOCK, counter, BLOCK);
            ctr_increment(counter);
        }
        ok = aes_blocks(siv->ctr_ecb, blocks, n * BLOCK, blocks);
        size_t take = n * BLOCK < len ? n * BLOCK : len;
        for (size_t i = 0; ok && i < take; i++)
            out[i] = in[i] ^ blocks[i];
        in += take;
        out += take;
        len -= take;
    }
    OPENSSL_cleanse(blocks, sizeof(blocks));
    return ok;
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
