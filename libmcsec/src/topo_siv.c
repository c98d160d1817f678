/* AES-SIV (RFC 5297) over OpenSSL 3.0 EVP. OpenSSL's SIV context is single
 * use (its S2V state is not reset by a re-init without a key), and keying
 * it costs a CMAC and an AES key schedule, so each instance keeps a keyed
 * template and copies it into a working context per operation (~2.5x
 * cheaper than re-keying). */
#include <limits.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mcsec/topo_token.h"

struct mcsec_siv {
    EVP_CIPHER_CTX *keyed; /* template: key set, never used directly */
    EVP_CIPHER_CTX *work;
};

mcsec_err_t mcsec_siv_create(const uint8_t *key, mcsec_siv_t **out)
{
    if (!key || !out)
        return MCSEC_ERR_ARG;
    *out = NULL;
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-128-SIV", NULL);
    if (!cipher)
        return MCSEC_ERR_INVALID;
    mcsec_siv_t *siv = calloc(1, sizeof(*siv));
    mcsec_err_t rc = MCSEC_ERR_NOMEM;
    if (siv) {
        siv->keyed = EVP_CIPHER_CTX_new();
        siv->work = EVP_CIPHER_CTX_new();
    }
    if (siv && siv->keyed && siv->work) {
        rc = EVP_CipherInit_ex2(siv->keyed, cipher, key, NULL, 1, NULL) == 1 ? MCSEC_OK
                                                                             : MCSEC_ERR_INVALID;
    }
    EVP_CIPHER_free(cipher);
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
    EVP_CIPHER_CTX_free(siv->keyed);
    EVP_CIPHER_CTX_free(siv->work);
    free(siv);
}

/* Starts one operation in the given direction: fresh copy of the keyed
 * template, the expected tag when opening (OpenSSL's SIV verifies while it
 * decrypts, so the tag goes in first), then the AAD vector. */
static int start(mcsec_siv_t *siv, int enc, const uint8_t *tag, const mcsec_bytes_t *aad,
                 size_t aad_count)
{
    static const uint8_t empty[1] = {0};
    if (EVP_CIPHER_CTX_copy(siv->work, siv->keyed) != 1 ||
        EVP_CipherInit_ex2(siv->work, NULL, NULL, NULL, enc, NULL) != 1)
        return 0;
    if (tag &&
        EVP_CIPHER_CTX_ctrl(siv->work, EVP_CTRL_AEAD_SET_TAG, MCSEC_SIV_TAG_LEN, (void *)tag) != 1)
        return 0;
    for (size_t i = 0; i < aad_count; i++) {
        int outl = 0;
        if (aad[i].len > INT_MAX || (!aad[i].ptr && aad[i].len))
            return 0;
        const uint8_t *p = aad[i].ptr ? aad[i].ptr : empty;
        if (EVP_CipherUpdate(siv->work, NULL, &outl, p, (int)aad[i].len) != 1)
            return 0;
    }
    return 1;
}

static int args_ok(const mcsec_siv_t *siv, const mcsec_bytes_t *aad, size_t aad_count,
                   const uint8_t *in, size_t len, const uint8_t *out)
{
    return siv && in && out && len > 0 && len <= INT_MAX - MCSEC_SIV_TAG_LEN &&
           aad_count <= MCSEC_SIV_MAX_AAD && (aad || aad_count == 0);
}

mcsec_err_t mcsec_siv_seal(mcsec_siv_t *siv, const mcsec_bytes_t *aad, size_t aad_count,
                           const uint8_t *pt, size_t pt_len, uint8_t *out)
{
    if (!args_ok(siv, aad, aad_count, pt, pt_len, out))
        return MCSEC_ERR_ARG;
    int outl = 0, finl = 0;
    if (!start(siv, 1, NULL, aad, aad_count) ||
        EVP_CipherUpdate(siv->work, out + MCSEC_SIV_TAG_LEN, &outl, pt, (int)pt_len) != 1 ||
        (size_t)outl != pt_len ||
        EVP_CipherFinal_ex(siv->work, out + MCSEC_SIV_TAG_LEN + outl, &finl) != 1 ||
        EVP_CIPHER_CTX_ctrl(siv->work, EVP_CTRL_AEAD_GET_TAG, MCSEC_SIV_TAG_LEN, out) != 1) {
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
    int outl = 0, finl = 0;
    if (!start(siv, 0, in, aad, aad_count) ||
        EVP_CipherUpdate(siv->work, pt, &outl, in + MCSEC_SIV_TAG_LEN, (int)ct_len) != 1 ||
        (size_t)outl != ct_len || EVP_CipherFinal_ex(siv->work, pt + outl, &finl) != 1) {
        OPENSSL_cleanse(pt, ct_len);
        return MCSEC_ERR_INVALID;
    }
    return MCSEC_OK;
}
