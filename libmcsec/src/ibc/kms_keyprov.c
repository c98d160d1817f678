/* KMS key provisioning responses: see mcsec/ibc/kms_keyprov.h. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "kms_xml_internal.h"
#include "mcsec/ibc/kms_keyprov.h"
#include "mcsec/ibc/uid.h"

#define KEYPROV_XML_MAX (1024 * 1024)
#define WRAPPED_MAX 512

static const xmlNode *child(const xmlNode *parent, const char *name)
{
    for (const xmlNode *c = parent != NULL ? parent->children : NULL; c != NULL; c = c->next) {
        if (kms_xml_named(c, name)) {
            return c;
        }
    }
    return NULL;
}

/* The trimmed text of el (no child elements) into out; false otherwise. */
static bool text_of(const xmlNode *el, char *out, size_t size)
{
    size_t len = 0;
    for (const xmlNode *c = el != NULL ? el->children : NULL; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            return false;
        }
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) {
            continue;
        }
        for (const xmlChar *p = c->content; *p != '\0'; p++) {
            if (isspace(*p)) {
                continue; /* hex and base64 values: whitespace never counts */
            }
            if (len + 1 >= size) {
                return false;
            }
            out[len++] = (char)*p;
        }
    }
    out[len] = '\0';
    return el != NULL && len > 0;
}

static bool hex_exact(const char *text, uint8_t *out, size_t len)
{
    if (strlen(text) != 2 * len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned v = 0;
        for (size_t k = 0; k < 2; k++) {
            int c = tolower((unsigned char)text[2 * i + k]);
            if (!isxdigit(c)) {
                return false;
            }
            v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : c - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
    return true;
}

static bool base64(const char *text, uint8_t *out, size_t size, size_t *len)
{
    size_t n = strlen(text);
    if (n == 0 || n % 4 != 0 || n / 4 * 3 > size) {
        return false;
    }
    int got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
    if (got < 0) {
        return false;
    }
    size_t pad = (text[n - 1] == '=') + (text[n - 2] == '=');
    *len = (size_t)got - pad;
    return true;
}

/* The unwrap cipher for an EncryptionMethod Algorithm and key length. */
static const EVP_CIPHER *wrap_cipher(const char *alg, size_t key_len)
{
    static const struct {
        const char *uri;
        size_t key_len;
        bool pad;
    } algs[] = {
        {"http://www.w3.org/2001/04/xmlenc#kw-aes128", 16, false},
        {"http://www.w3.org/2001/04/xmlenc#kw-aes256", 32, false},
        {"http://www.w3.org/2009/xmlenc11#kw-aes-128-pad", 16, true},
        {"http://www.w3.org/2009/xmlenc11#kw-aes-256-pad", 32, true},
    };
    for (size_t i = 0; alg != NULL && i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcmp(alg, algs[i].uri) == 0 && key_len == algs[i].key_len) {
            return algs[i].pad ? (key_len == 16 ? EVP_aes_128_wrap_pad() : EVP_aes_256_wrap_pad())
                               : (key_len == 16 ? EVP_aes_128_wrap() : EVP_aes_256_wrap());
        }
    }
    return NULL;
}

/* One key value: hex text, or an EncryptedKey unwrapped with tk. Exactly
 * len octets into out. */
static bool key_value(const xmlNode *el, const uint8_t *tk, size_t tk_len, uint8_t *out, size_t len,
                      char *why, size_t why_size)
{
    char text[2 * WRAPPED_MAX];
    const xmlNode *enc = child(el, "EncryptedKey");
    const char *name = el != NULL ? (const char *)el->name : "key";
    if (enc == NULL) {
        bool ok = text_of(el, text, sizeof(text)) && hex_exact(text, out, len);
        OPENSSL_cleanse(text, sizeof(text));
        if (!ok) {
            kms_xml_say(why, why_size, "KmsKeySet %s is not %zu octets of hex", name, len);
        }
        return ok;
    }
    const xmlNode *method = child(enc, "EncryptionMethod");
    xmlChar *alg = method != NULL ? xmlGetProp(method, (const xmlChar *)"Algorithm") : NULL;
    const EVP_CIPHER *cipher = tk != NULL ? wrap_cipher((const char *)alg, tk_len) : NULL;
    xmlFree(alg);
    if (cipher == NULL) {
        kms_xml_say(
            why, why_size,
            "KmsKeySet %s: no transport key, or one that does not fit the key wrap algorithm "
            "(kw-aes128, kw-aes256, kw-aes-128-pad, kw-aes-256-pad)",
            name);
        return false;
    }
    uint8_t wrapped[WRAPPED_MAX], plain[WRAPPED_MAX + 16];
    size_t wrapped_len = 0;
    int plain_len = 0, final_len = 0;
    bool ok = text_of(child(child(enc, "CipherData"), "CipherValue"), text, sizeof(text)) &&
              base64(text, wrapped, sizeof(wrapped), &wrapped_len);
    EVP_CIPHER_CTX *ctx = ok ? EVP_CIPHER_CTX_new() : NULL;
    if (ctx != NULL) {
        EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    }
    ok = ok && ctx != NULL && EVP_DecryptInit_ex(ctx, cipher, NULL, tk, NULL) == 1 &&
         EVP_DecryptUpdate(ctx, plain, &plain_len, wrapped, (int)wrapped_len) == 1 &&
         EVP_DecryptFinal_ex(ctx, plain + plain_len, &final_len) == 1 &&
         (size_t)(plain_len + final_len) == len;
    EVP_CIPHER_CTX_free(ctx);
    if (ok) {
        memcpy(out, plain, len);
    } else {
        kms_xml_say(why, why_size,
                    "KmsKeySet %s does not unwrap to %zu octets under the transport key", name,
                    len);
    }
    OPENSSL_cleanse(plain, sizeof(plain));
    OPENSSL_cleanse(text, sizeof(text));
    return ok;
}

/* One KmsKeySet into keys. */
static mcsec_err_t key_set(const xmlNode *set, const mcsec_kms_pub_t *kms, const uint8_t *tk,
                           size_t tk_len, const char *uri, mcsec_eccsi_keydir_t *keys, char *why,
                           size_t why_size)
{
    char text[1100];
    memset(keys, 0, sizeof(*keys));
    keys->kms = *kms;
    if (!text_of(child(set, "UserUri"), keys->uri, sizeof(keys->uri))) {
        kms_xml_say(why, why_size, "KmsKeySet has no UserUri");
        return MCSEC_ERR_PARSE;
    }
    if (uri != NULL && strcmp(keys->uri, uri) != 0) {
        kms_xml_say(why, why_size, "KmsKeySet is for %.200s, not for %.200s", keys->uri, uri);
        return MCSEC_ERR_INVALID;
    }
    char *end = NULL;
    if (!text_of(child(set, "KeyPeriodNo"), text, sizeof(text)) ||
        !isdigit((unsigned char)text[0]) ||
        (keys->key_period_number = strtoull(text, &end, 10), *end != '\0')) {
        kms_xml_say(why, why_size, "KmsKeySet KeyPeriodNo is missing or not a number");
        return MCSEC_ERR_PARSE;
    }
    if (text_of(child(set, "Revoked"), text, sizeof(text)) &&
        (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)) {
        kms_xml_say(why, why_size, "the KmsKeySet of key period %" PRIu64 " is revoked",
                    keys->key_period_number);
        return MCSEC_ERR_INVALID;
    }
    uint8_t uid[MCSEC_UID_LEN], given[MCSEC_UID_LEN];
    if (mcsec_uid_compute(keys->uri, strlen(keys->uri), kms->kms_uri, strlen(kms->kms_uri),
                          kms->key_period, kms->key_offset, keys->key_period_number,
                          uid) != MCSEC_OK) {
        kms_xml_say(why, why_size, "KmsKeySet: no UID for %.200s", keys->uri);
        return MCSEC_ERR_INVALID;
    }
    const xmlNode *user_id = child(set, "UserID");
    if (user_id != NULL &&
        (!text_of(user_id, text, sizeof(text)) || !hex_exact(text, given, sizeof(given)) ||
         CRYPTO_memcmp(given, uid, sizeof(uid)) != 0)) {
        kms_xml_say(why, why_size,
                    "KmsKeySet UserID is not the UID of %.200s for key period %" PRIu64
                    " at %.200s",
                    keys->uri, keys->key_period_number, kms->kms_uri);
        return MCSEC_ERR_INVALID;
    }
    if (!key_value(child(set, "UserSigningKeySSK"), tk, tk_len, keys->ssk, sizeof(keys->ssk), why,
                   why_size) ||
        !key_value(child(set, "UserPubTokenPVT"), tk, tk_len, keys->pvt, sizeof(keys->pvt), why,
                   why_size)) {
        return MCSEC_ERR_INVALID;
    }
    mcsec_eccsi_signer_t *signer = NULL;
    mcsec_err_t err =
        mcsec_eccsi_signer_new(kms->kpak, uid, sizeof(uid), keys->ssk, keys->pvt, &signer);
    mcsec_eccsi_signer_free(signer);
    if (err != MCSEC_OK) {
        kms_xml_say(why, why_size,
                    "the keys of key period %" PRIu64 " fail the RFC 6507 key check against %.200s",
                    keys->key_period_number, kms->kms_uri);
        return err == MCSEC_ERR_NOMEM ? err : MCSEC_ERR_INVALID;
    }
    return MCSEC_OK;
}

/* Every KmsKeySet at or under node, in document order. */
static mcsec_err_t walk(const xmlNode *node, const mcsec_kms_pub_t *kms, const uint8_t *tk,
                        size_t tk_len, const char *uri, mcsec_eccsi_keydir_t *out, size_t max,
                        size_t *count, char *why, size_t why_size)
{
    mcsec_err_t err = MCSEC_OK;
    for (; err == MCSEC_OK && node != NULL; node = node->next) {
        if (kms_xml_named(node, "KmsKeySet")) {
            if (*count == max) {
                kms_xml_say(why, why_size, "more than %zu KmsKeySets", max);
                return MCSEC_ERR_INVALID;
            }
            err = key_set(node, kms, tk, tk_len, uri, &out[*count], why, why_size);
            (*count)++;
        } else {
            err = walk(node->children, kms, tk, tk_len, uri, out, max, count, why, why_size);
        }
    }
    return err;
}

mcsec_err_t mcsec_kms_keyprov_parse(const char *xml, size_t len, const mcsec_kms_pub_t *kms,
                                    const uint8_t *transport_key, size_t transport_key_len,
                                    const char *uri, mcsec_eccsi_keydir_t *out, size_t max,
                                    size_t *count, char *why, size_t why_size)
{
    if (xml == NULL || kms == NULL || out == NULL || count == NULL || max == 0) {
        return MCSEC_ERR_ARG;
    }
    *count = 0;
    if (len == 0 || len > KEYPROV_XML_MAX) {
        kms_xml_say(why, why_size, "not a KMS response (empty or over 1 MB)");
        return MCSEC_ERR_PARSE;
    }
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "kms-keyprov.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        kms_xml_say(why, why_size, "not well-formed XML");
        return MCSEC_ERR_PARSE;
    }
    mcsec_err_t err = walk(xmlDocGetRootElement(doc), kms, transport_key, transport_key_len, uri,
                           out, max, count, why, why_size);
    xmlFreeDoc(doc);
    if (err == MCSEC_OK && *count == 0) {
        kms_xml_say(why, why_size, "no KmsKeySet");
        err = MCSEC_ERR_PARSE;
    }
    if (err != MCSEC_OK) {
        for (size_t i = 0; i < max; i++) {
            mcsec_eccsi_keydir_clear(&out[i]);
        }
        *count = 0;
    }
    return err;
}
