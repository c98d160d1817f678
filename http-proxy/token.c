/* Our TLS private key in a PKCS#11 token (system.keys.key is an RFC 7512
 * URI, docs/http-proxy.md): loaded once per generation through GnuTLS and
 * p11-kit's registered modules, logged in with the PIN of
 * system.keys.key_pin_file. The outside listener hands the key and our
 * certificate chain to GnuTLS from tls.c's certificate callback; libcurl
 * outbound loads the same URI through OpenSSL's "pkcs11" engine with the
 * same PIN (forward.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/pkcs11.h>

#include "httpd.h"

/* GnuTLS asks for the token PIN: one attempt only, never a retry with the
 * same (wrong) PIN, which would count towards locking the token. */
static int pin_callback(void *userdata, int attempt, const char *token_url, const char *token_label,
                        unsigned flags, char *pin, size_t pin_max)
{
    (void)token_url;
    (void)token_label;
    const char *ours = userdata;
    if (attempt > 0 || (flags & GNUTLS_PIN_WRONG) || strlen(ours) >= pin_max)
        return -1;
    snprintf(pin, pin_max, "%s", ours);
    return 0;
}

bool httpd_token_load(httpd_gen_t *gen, const char *cert_pem, char *err, size_t err_size)
{
    const mcsec_system_keys_t *keys = &gen->policy->system.keys;
    char why[512];
    if (mcsec_key_pin_read(keys->key_pin_file, gen->token_pin, sizeof(gen->token_pin), why,
                           sizeof(why)) != MCSEC_OK) {
        snprintf(err, err_size, "system.keys.key_pin_file: %s\n", why);
        return false;
    }
    gnutls_datum_t pem = {(unsigned char *)(uintptr_t)cert_pem, (unsigned)strlen(cert_pem)};
    unsigned count = HTTPD_TOKEN_MAX_CHAIN;
    int rc =
        gnutls_pcert_list_import_x509_raw(gen->token_pcerts, &count, &pem, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0) {
        snprintf(err, err_size, "system.keys.cert: %s\n", gnutls_strerror(rc));
        return false;
    }
    gen->token_pcert_count = count;
    rc = gnutls_privkey_init(&gen->token_key);
    if (rc >= 0) {
        gnutls_privkey_set_pin_function(gen->token_key, pin_callback, gen->token_pin);
        rc = gnutls_privkey_import_url(gen->token_key, keys->key, 0);
    }
    if (rc < 0) {
        snprintf(err, err_size,
                 "system.keys.key: no usable private key at '%s' (%s: token absent, wrong PIN in "
                 "the PIN file, or no such key object)\n",
                 keys->key, gnutls_strerror(rc));
        return false;
    }
    /* The key must be the certificate's and must sign now, not at the
     * first handshake: a sign and verify with the leaf's public key. */
    static const unsigned char msg[] = "mcsec-httpd: the token key signs";
    gnutls_datum_t data = {(unsigned char *)(uintptr_t)msg, sizeof(msg)}, sig = {NULL, 0};
    gnutls_sign_algorithm_t algo = GNUTLS_SIGN_UNKNOWN;
    int pk = gnutls_privkey_get_pk_algorithm(gen->token_key, NULL);
    algo = gnutls_pk_to_sign((gnutls_pk_algorithm_t)pk, GNUTLS_DIG_SHA256);
    rc = gnutls_privkey_sign_data2(gen->token_key, algo, 0, &data, &sig);
    if (rc >= 0)
        rc = gnutls_pubkey_verify_data2(gen->token_pcerts[0].pubkey, algo, 0, &data, &sig);
    gnutls_free(sig.data);
    if (rc < 0) {
        snprintf(err, err_size,
                 "system.keys.key: the token key at '%s' does not sign for system.keys.cert "
                 "(%s)\n",
                 keys->key, gnutls_strerror(rc));
        return false;
    }
    return true;
}

void httpd_token_free(httpd_gen_t *gen)
{
    if (gen->token_key)
        gnutls_privkey_deinit(gen->token_key);
    for (unsigned i = 0; i < gen->token_pcert_count; i++)
        gnutls_pcert_deinit(&gen->token_pcerts[i]);
    gnutls_memset(gen->token_pin, 0, sizeof(gen->token_pin));
}
