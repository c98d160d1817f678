/* The certificate part of the deep check (mcsec/config/config_check.h):
 * our certificate and key (TLS of mcsec-httpd, IKE of charon), the
 * partner CAs and the inside listener's TLS material, read with OpenSSL at
 * the check's time. Profile: TS 33.310 Annex E as docs/http-proxy.md
 * states it (extended key usage serverAuth and clientAuth, the name in a
 * SAN dNSName) and docs/ipsec.md (SAN dNSName = IKE identity). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config_check_internal.h"
#include "mcsec/ipsec/ipsec.h"

static bool set(const char *s)
{
    return s && s[0];
}

/* Every certificate of a PEM file, in file order; NULL when none or the
 * file cannot be read. */
static STACK_OF(X509) * read_certs(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    STACK_OF(X509) *certs = sk_X509_new_null();
    X509 *cert;
    while (certs && (cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(certs, cert)) {
            X509_free(cert);
            break;
        }
    fclose(f);
    ERR_clear_error();
    if (certs && sk_X509_num(certs) == 0) {
        sk_X509_free(certs);
        certs = NULL;
    }
    return certs;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    ERR_clear_error();
    return key;
}

/* The certificate is inside its validity at now; says why not. */
static bool check_time(mcsec_ck_t *ck, X509 *cert, const char *path, const char *what)
{
    time_t now = (time_t)ck->now;
    char when[64] = "";
    const ASN1_TIME *limit = NULL;
    const char *problem = NULL;
    if (X509_cmp_time(X509_get0_notBefore(cert), &now) >= 0) {
        limit = X509_get0_notBefore(cert);
        problem = "is not valid before";
    } else if (X509_cmp_time(X509_get0_notAfter(cert), &now) <= 0) {
        limit = X509_get0_notAfter(cert);
        problem = "expired on";
    }
    if (!problem)
        return true;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio && ASN1_TIME_print(bio, limit) == 1) {
        int n = BIO_read(bio, when, (int)sizeof(when) - 1);
        when[n > 0 ? n : 0] = '\0';
    }
    BIO_free(bio);
    mcsec_ck_say(ck, path, (mcsec_ck_pos_t){0, 0}, "%s: certificate %s %s", what, problem,
                 when[0] ? when : "(unreadable time)");
    return false;
}

/* Reads a CA file: at least one certificate, each a CA inside its
 * validity. Returns the certificates or NULL after saying why. */
static STACK_OF(X509) * check_ca_file(mcsec_ck_t *ck, const char *path, const char *what)
{
    STACK_OF(X509) *cas = read_certs(path);
    if (!cas) {
        mcsec_ck_say(ck, path, (mcsec_ck_pos_t){0, 0}, "%s: no PEM certificate", what);
        return NULL;
    }
    bool ok = true;
    for (int i = 0; i < sk_X509_num(cas); i++) {
        X509 *ca = sk_X509_value(cas, i);
        if (X509_check_ca(ca) < 1) {
            mcsec_ck_say(ck, path, (mcsec_ck_pos_t){0, 0}, "%s: certificate %d is not a CA", what,
                         i + 1);
            ok = false;
        }
        ok = check_time(ck, ca, path, what) && ok;
    }
    if (!ok) {
        sk_X509_pop_free(cas, X509_free);
        return NULL;
    }
    return cas;
}

/* leaf (with the rest of its file as intermediates) chains to cas. */
static void check_chain(mcsec_ck_t *ck, STACK_OF(X509) * chain, STACK_OF(X509) * cas,
                        const char *path, const char *what, const char *ca_path)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_dup(chain);
    X509 *leaf = sk_X509_value(chain, 0);
    bool ok = store && ctx && untrusted;
    for (int i = 0; ok && i < sk_X509_num(cas); i++)
        ok = X509_STORE_add_cert(store, sk_X509_value(cas, i)) == 1;
    if (ok) {
        (void)sk_X509_shift(untrusted);
        ok = X509_STORE_CTX_init(ctx, store, leaf, untrusted) == 1;
    }
    int verdict = 0;
    if (ok) {
        /* Validity is check_time's; here only the chain. */
        X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
        verdict = X509_verify_cert(ctx);
    }
    if (!ok)
        mcsec_ck_say(ck, path, (mcsec_ck_pos_t){0, 0}, "%s: cannot verify the chain (no memory)",
                     what);
    else if (verdict != 1)
        mcsec_ck_say(ck, path, (mcsec_ck_pos_t){0, 0}, "%s: does not chain to the CA %s: %s", what,
                     ca_path, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    ERR_clear_error();
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
}

static void check_name(mcsec_ck_t *ck, X509 *leaf, const char *path, const char *what,
                       const char *name, const char *why)
{
    if (X509_check_host(leaf, name, 0,
                        X509_CHECK_FLAG_NO_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                        NULL) != 1)
        mcsec_ck_say(ck, path, (mcsec_ck_pos_t){0, 0}, "%s: no subjectAltName dNSName '%s' (%s)",
                     what, name, why);
}

/* TS 33.310 Annex E key purposes; need_client for the outside certificate
 * (we are the client towards partners too). */
static void check_eku(mcsec_ck_t *ck, X509 *leaf, const char *path, const char *what,
                      bool need_client)
{
    uint32_t want = XKU_SSL_SERVER | (need_client ? XKU_SSL_CLIENT : 0);
    bool has = (X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) != 0;
    if (!has || (X509_get_extended_key_usage(leaf) & want) != want)
        mcsec_ck_say(ck, path, (mcsec_ck_pos_t){0, 0},
                     "%s: extended key usage must name serverAuth%s (TS 33.310 Annex E)", what,
                     need_client ? " and clientAuth" : "");
}

/* A certificate file and its key: readable, matching, in validity.
 * Returns the chain (leaf first) or NULL after saying why. */
static STACK_OF(X509) * check_pair(mcsec_ck_t *ck, const char *cert_path, const char *key_path,
                                   const char *pin_file, mcsec_ck_pos_t pos, const char *what,
                                   const char *key_what)
{
    STACK_OF(X509) *chain = read_certs(cert_path);
    bool token = mcsec_key_is_pkcs11(key_path);
    char why[512] = "";
    EVP_PKEY *key = !set(key_path) ? NULL
                    : token        ? mcsec_ck_token_key(key_path, pin_file, why, sizeof(why))
                                   : read_key(key_path);
    if (!chain)
        mcsec_ck_say(ck, cert_path, (mcsec_ck_pos_t){0, 0}, "%s: no PEM certificate", what);
    if (!set(key_path))
        mcsec_ck_say(ck, NULL, pos, "%s is set but %s is not", what, key_what);
    else if (!key && token)
        mcsec_ck_say(ck, NULL, pos, "%s: %s", key_what, why);
    else if (!key)
        mcsec_ck_say(ck, key_path, (mcsec_ck_pos_t){0, 0}, "%s: no PEM private key", key_what);
    if (chain && key) {
        X509 *leaf = sk_X509_value(chain, 0);
        if (X509_check_private_key(leaf, key) != 1)
            mcsec_ck_say(ck, cert_path, (mcsec_ck_pos_t){0, 0},
                         "%s: does not match the private key %s (%s)", what, key_path, key_what);
        else if (token && !mcsec_ck_key_signs(key, X509_get0_pubkey(leaf)))
            mcsec_ck_say(ck, NULL, pos, "%s: the token key at %s does not sign", key_what,
                         key_path);
        ERR_clear_error();
        (void)check_time(ck, leaf, cert_path, what);
    }
    EVP_PKEY_free(key);
    if (chain && !key) {
        sk_X509_pop_free(chain, X509_free);
        chain = NULL;
    }
    return chain;
}

/* Our own certificate: system.keys.cert / key / ca. */
static void check_own(mcsec_ck_t *ck)
{
    const mcsec_policy_t *policy = ck->policy;
    const mcsec_system_t *sys = &policy->system;
    mcsec_ck_pos_t pos = mcsec_ck_system_keys_pos(ck);
    bool http = false;
    for (size_t i = 0; i < policy->partner_count; i++)
        http = http || policy->partners[i].http.enabled;
    if (!set(sys->keys.cert)) {
        if (set(sys->keys.key) || set(sys->keys.ca))
            mcsec_ck_say(ck, NULL, pos, "system.keys.key or keys.ca is set but keys.cert is not");
        return;
    }
    STACK_OF(X509) *chain = check_pair(ck, sys->keys.cert, sys->keys.key, sys->keys.key_pin_file,
                                       pos, "system.keys.cert", "system.keys.key");
    if (!chain)
        return;
    X509 *leaf = sk_X509_value(chain, 0);
    if (set(sys->keys.ca)) {
        STACK_OF(X509) *cas = check_ca_file(ck, sys->keys.ca, "system.keys.ca");
        if (cas)
            check_chain(ck, chain, cas, sys->keys.cert, "system.keys.cert", sys->keys.ca);
        sk_X509_pop_free(cas, X509_free);
    }
    char host[256];
    bool have_host =
        set(sys->identity) && mcsec_ipsec_identity(sys->identity, host, sizeof(host)) == MCSEC_OK;
    if (sys->has_gateway && have_host)
        check_name(ck, leaf, sys->keys.cert, "system.keys.cert", host,
                   "the IKE identity, docs/ipsec.md");
    if (http) {
        check_eku(ck, leaf, sys->keys.cert, "system.keys.cert", true);
        const char *name = set(sys->http.public_host) ? sys->http.public_host
                           : set(sys->topology_host)  ? sys->topology_host
                           : have_host                ? host
                                                      : NULL;
        if (name)
            check_name(ck, leaf, sys->keys.cert, "system.keys.cert", name,
                       "the HTTP proxy's public host, docs/http-proxy.md");
    }
    sk_X509_pop_free(chain, X509_free);
}

void mcsec_ck_tls(mcsec_ck_t *ck)
{
    const mcsec_policy_t *policy = ck->policy;
    check_own(ck);
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *p = &policy->partners[i];
        if (!set(p->keys.ca))
            continue;
        char what[160];
        snprintf(what, sizeof(what), "partner '%s' keys.ca", p->name);
        STACK_OF(X509) *cas = check_ca_file(ck, p->keys.ca, what);
        sk_X509_pop_free(cas, X509_free);
    }
    const mcsec_http_system_t *http = &policy->system.http;
    if (http->has_inside_tls) {
        mcsec_ck_pos_t pos = {0, 0};
        STACK_OF(X509) *chain =
            check_pair(ck, http->inside_cert, http->inside_key, NULL, pos,
                       "system.http.inside_tls cert", "system.http.inside_tls key");
        if (chain)
            check_eku(ck, sk_X509_value(chain, 0), http->inside_cert, "system.http.inside_tls cert",
                      false);
        sk_X509_pop_free(chain, X509_free);
        STACK_OF(X509) *cas = check_ca_file(ck, http->inside_ca, "system.http.inside_tls ca");
        sk_X509_pop_free(cas, X509_free);
    }
}
