/* The cipher of the fixed EncryptedData profile (docs/spk.md, TS 33.180
 * clause 9): AES-128-GCM as XML Encryption 1.1 uses it, CipherValue =
 * base64(IV (12 octets) || ciphertext || tag (16 octets)), with OpenSSL EVP
 * on the object's derived keys and one cipher context kept per object,
 * keyed again only when the key changes (an element then costs an IV
 * re-initialisation, not a key schedule).
 * The base64 is written as xmlsec writes it (lines of 64 characters
 * separated by LF) and read as it may come from any XML Encryption
 * implementation: XML whitespace anywhere is skipped, anything else that
 * is not base64 is refused. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "xmlprot_internal.h"

#define XP_GCM_TAG_LEN 16
#define XP_B64_LINE 64

static int key_index(const mcsec_xmlprot_t *prot, uint32_t spk_id)
{
    for (size_t i = 0; i < prot->spk_count; i++)
        if (prot->spk_ids[i] == spk_id)
            return (int)i;
    return -1;
}

/* Keys prot->gcm_ctx with key index k unless it is keyed so already (GCM
 * runs AES forwards both ways, so one key schedule serves encryption and
 * decryption; EVP_EncryptInit_ex2 / EVP_DecryptInit_ex2 with the IV alone
 * then set the direction); 0 or -1. */
static int ensure_key(mcsec_xmlprot_t *prot, size_t k)
{
    if (prot->gcm_keyed == (int)k)
        return 0;
    prot->gcm_keyed = -1;
    if (EVP_CipherInit_ex2(prot->gcm_ctx, prot->gcm, prot->conf_raw[k], NULL, 1, NULL) != 1)
        return -1;
    prot->gcm_keyed = (int)k;
    return 0;
}

/* base64 of in with a LF after every XP_B64_LINE characters but the last;
 * NUL terminated, malloc'ed. */
static char *b64_lines(const uint8_t *in, size_t len, size_t *out_len)
{
    size_t plain = 4 * ((len + 2) / 3);
    char *flat = malloc(plain + 1);
    char *out = malloc(plain + plain / XP_B64_LINE + 1);
    if (!flat || !out || EVP_EncodeBlock((unsigned char *)flat, in, (int)len) != (int)plain) {
        free(flat);
        free(out);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < plain; i += XP_B64_LINE) {
        size_t chunk = plain - i < XP_B64_LINE ? plain - i : XP_B64_LINE;
        if (i > 0)
            out[n++] = '\n';
        memcpy(out + n, flat + i, chunk);
        n += chunk;
    }
    out[n] = '\0';
    free(flat);
    *out_len = n;
    return out;
}

mcsec_err_t xp_gcm_seal(mcsec_xmlprot_t *prot, const uint8_t iv[XP_GCM_IV_LEN],
                        const uint8_t *plain, size_t len, char **b64, size_t *b64_len)
{
    *b64 = NULL;
    if (len > (size_t)INT32_MAX - XP_GCM_IV_LEN - XP_GCM_TAG_LEN)
        return MCSEC_ERR_INVALID;
    size_t total = XP_GCM_IV_LEN + len + XP_GCM_TAG_LEN;
    uint8_t *raw = malloc(total);
    if (!raw)
        return MCSEC_ERR_NOMEM;
    EVP_CIPHER_CTX *ctx = prot->gcm_ctx;
    int out1 = 0, out2 = 0;
    memcpy(raw, iv, XP_GCM_IV_LEN);
    int ok = ensure_key(prot, prot->current) == 0 &&
             EVP_EncryptInit_ex2(ctx, NULL, NULL, raw, NULL) == 1 &&
             EVP_EncryptUpdate(ctx, raw + XP_GCM_IV_LEN, &out1, plain, (int)len) == 1 &&
             EVP_EncryptFinal_ex(ctx, raw + XP_GCM_IV_LEN + out1, &out2) == 1 &&
             (size_t)out1 + (size_t)out2 == len &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, XP_GCM_TAG_LEN,
                                 raw + XP_GCM_IV_LEN + len) == 1;
    if (ok)
        *b64 = b64_lines(raw, total, b64_len);
    else
        prot->gcm_keyed = -1;
    OPENSSL_cleanse(raw, total);
    free(raw);
    return !ok ? MCSEC_ERR_INVALID : *b64 ? MCSEC_OK : MCSEC_ERR_NOMEM;
}

/* Decodes base64 text, skipping XML whitespace; NULL when anything else is
 * outside the alphabet or the length is not a multiple of 4 (a '=' before
 * the padding decodes to octets the GCM tag then refuses). */
static uint8_t *b64_decode(const char *text, size_t *out_len)
{
    size_t len = strlen(text), n = 0;
    char *flat = malloc(len + 1);
    if (!flat)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
            flat[n++] = text[i];
    flat[n] = '\0';
    size_t pad = n >= 1 && flat[n - 1] == '=' ? (n >= 2 && flat[n - 2] == '=' ? 2 : 1) : 0;
    bool shape = n > 0 && n % 4 == 0;
    uint8_t *out = shape ? malloc(n / 4 * 3) : NULL;
    /* EVP_DecodeBlock refuses characters outside the alphabet and counts
     * the padding as zero octets. */
    int got = out ? EVP_DecodeBlock(out, (const unsigned char *)flat, (int)n) : -1;
    free(flat);
    if (got < 0 || (size_t)got != n / 4 * 3) {
        free(out);
        return NULL;
    }
    *out_len = (size_t)got - pad;
    return out;
}

mcsec_err_t xp_gcm_open(mcsec_xmlprot_t *prot, uint32_t spk_id, const char *b64, uint8_t **plain,
                        size_t *len)
{
    *plain = NULL;
    int k = key_index(prot, spk_id);
    size_t raw_len = 0;
    uint8_t *raw = k < 0 ? NULL : b64_decode(b64, &raw_len);
    if (!raw)
        return MCSEC_ERR_INVALID;
    if (raw_len < XP_GCM_IV_LEN + XP_GCM_TAG_LEN || raw_len > (size_t)INT32_MAX) {
        free(raw);
        return MCSEC_ERR_INVALID;
    }
    size_t clear_len = raw_len - XP_GCM_IV_LEN - XP_GCM_TAG_LEN;
    uint8_t *clear = malloc(clear_len + 1);
    EVP_CIPHER_CTX *ctx = prot->gcm_ctx;
    int out1 = 0, out2 = 0;
    int ok = clear && ensure_key(prot, (size_t)k) == 0 &&
             EVP_DecryptInit_ex2(ctx, NULL, NULL, raw, NULL) == 1 &&
             EVP_DecryptUpdate(ctx, clear, &out1, raw + XP_GCM_IV_LEN, (int)clear_len) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, XP_GCM_TAG_LEN,
                                 raw + raw_len - XP_GCM_TAG_LEN) == 1 &&
             EVP_DecryptFinal_ex(ctx, clear + out1, &out2) == 1 &&
             (size_t)out1 + (size_t)out2 == clear_len;
    free(raw);
    if (!ok) {
        prot->gcm_keyed = -1; /* a failed operation leaves no state to trust */
        if (clear)
            OPENSSL_cleanse(clear, clear_len);
        free(clear);
        return clear ? MCSEC_ERR_INVALID : MCSEC_ERR_NOMEM;
    }
    *plain = clear;
    *len = clear_len;
    return MCSEC_OK;
}
