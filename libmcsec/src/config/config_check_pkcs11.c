/* The deep check of a private key in a PKCS#11 token (system.keys.key is
 * an RFC 7512 URI): loaded through the path mcsec-httpd's libcurl uses
 * (OpenSSL engine "pkcs11", libp11, modules of p11-kit), logged in with
 * system.keys.key_pin_file, and made to sign: a token that lists the key
 * but cannot use it fails the check. */
#define OPENSSL_SUPPRESS_DEPRECATED /* ENGINE: libcurl's path to the token */
#include <string.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "config_check_internal.h"

EVP_PKEY *mcsec_ck_token_key(const char *uri, const char *pin_file, char *why, size_t why_size)
{
    char pin[256];
    if (mcsec_key_pin_read(pin_file, pin, sizeof(pin), why, why_size) != MCSEC_OK)
        return NULL;
    EVP_PKEY *key = NULL;
    ENGINE *e = ENGINE_by_id("pkcs11");
    if (!e) {
        snprintf(why, why_size,
                 "OpenSSL engine 'pkcs11' not found (Debian package libengine-pkcs11-openssl)");
    } else if (!ENGINE_init(e)) {
        snprintf(why, why_size, "OpenSSL engine 'pkcs11' does not initialise");
    } else {
        if (ENGINE_ctrl_cmd_string(e, "PIN", pin, 0) == 1)
            key = ENGINE_load_private_key(e, uri, NULL, NULL);
        if (!key)
            snprintf(why, why_size,
                     "no usable private key at '%s' (token absent, wrong PIN in the PIN file, or "
                     "no such key object)",
                     uri);
        ENGINE_finish(e);
    }
    ENGINE_free(e);
    explicit_bzero(pin, sizeof(pin));
    ERR_clear_error();
    return key;
}

bool mcsec_ck_key_signs(EVP_PKEY *key, EVP_PKEY *pub)
{
    static const unsigned char msg[] = "mcsec deep check: the token key signs";
    unsigned char sig[1024];
    size_t sig_len = sizeof(sig);
    bool ok = false;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestSign(md, sig, &sig_len, msg, sizeof(msg)) == 1) {
        EVP_MD_CTX_reset(md);
        ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
             EVP_DigestVerify(md, sig, sig_len, msg, sizeof(msg)) == 1;
    }
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return ok;
}
