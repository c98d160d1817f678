/* The TLS profile of TS 33.310 Annex E / TS 33.210 6.2 and the check that
 * a client certificate belongs to a partner's HTTP proxy, or (inside_tls)
 * to one of our inside clients. libmicrohttpd
 * only requests the certificate; the decision is ours. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "tls.h"

/* TLS 1.2 and 1.3; ECDHE key exchange (TLS 1.3: ECDHE groups only, no
 * FFDHE, no PSK); AEAD ciphers only. */
const char *const httpd_tls_priorities =
    "NONE:+VERS-TLS1.3:+VERS-TLS1.2:+ECDHE-ECDSA:+ECDHE-RSA:+AES-128-GCM:+AES-256-GCM:"
    "+CHACHA20-POLY1305:+AEAD:+SIGN-ALL:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-X25519:"
    "+COMP-NULL:+CTYPE-X509:%SAFE_RENEGOTIATION";

const char *const httpd_curl_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

const char *const httpd_curl_tls13_ciphers =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

#define MAX_CHAIN 8

/* True when the certificate names clientAuth in its extended key usage
 * (a certificate without the extension is refused: the profile requires
 * it, and GnuTLS would take it for "any purpose"). */
static bool has_client_auth(gnutls_x509_crt_t crt)
{
    for (unsigned i = 0;; i++) {
        char oid[128];
        size_t size = sizeof(oid);
        int rc = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, NULL);
        if (rc < 0)
            return false;
        if (strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0)
            return true;
    }
}

/* Imports the session's client certificate chain (at most MAX_CHAIN);
 * returns how many were imported, 0 with detail set when none. */
static unsigned peer_chain(gnutls_session_t session, gnutls_x509_crt_t *chain, char *detail,
                           size_t detail_size)
{
    unsigned count = 0;
    const gnutls_datum_t *peers = session ? gnutls_certificate_get_peers(session, &count) : NULL;
    if (!peers || count == 0) {
        snprintf(detail, detail_size, "no client certificate");
        return 0;
    }
    if (count > MAX_CHAIN)
        count = MAX_CHAIN;
    unsigned loaded = 0;
    for (; loaded < count; loaded++) {
        if (gnutls_x509_crt_init(&chain[loaded]) < 0)
            break;
        if (gnutls_x509_crt_import(chain[loaded], &peers[loaded], GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(chain[loaded]);
            break;
        }
    }
    if (loaded == 0)
        snprintf(detail, detail_size, "unreadable client certificate");
    return loaded;
}

static void free_chain(gnutls_x509_crt_t *chain, unsigned loaded)
{
    for (unsigned i = 0; i < loaded; i++)
        gnutls_x509_crt_deinit(chain[i]);
}

bool httpd_tls_inside_client_ok(const httpd_gen_t *gen, gnutls_session_t session, char *detail,
                                size_t detail_size)
{
    gnutls_x509_crt_t chain[MAX_CHAIN];
    unsigned loaded = peer_chain(session, chain, detail, detail_size);
    if (loaded == 0)
        return false;
    bool ok = false;
    if (!has_client_auth(chain[0])) {
        snprintf(detail, detail_size, "client certificate without clientAuth key purpose");
    } else {
        gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID,
                                         (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0};
        unsigned status = 0;
        int rc = gen->inside_trust
                     ? gnutls_x509_trust_list_verify_crt2(gen->inside_trust, chain, loaded,
                                                          &purpose, 1, 0, &status, NULL)
                     : -1;
        ok = rc >= 0 && status == 0;
        snprintf(detail, detail_size, ok ? "inside client" : "certificate of no inside CA");
        if (rc >= 0 && (status & GNUTLS_CERT_REVOKED))
            snprintf(detail, detail_size, "inside client certificate revoked (inside_tls.crls)");
        if (ok && gen->inside_crls.count > 0 &&
            gen->policy->system.revocation.stale == MCSEC_CRL_STALE_REFUSE &&
            mcsec_crl_freshness(gen->inside_crls.next_update, (int64_t)time(NULL), 0) ==
                MCSEC_CRL_STALE) {
            ok = false;
            snprintf(detail, detail_size,
                     "inside_tls CRL past its nextUpdate and system.revocation.stale is refuse");
        }
    }
    free_chain(chain, loaded);
    return ok;
}

bool httpd_tls_crl_refused(const httpd_gen_t *gen, size_t p, int64_t now)
{
    return gen->crls[p].count > 0 &&
           gen->policy->system.revocation.stale == MCSEC_CRL_STALE_REFUSE &&
           mcsec_crl_freshness(gen->crls[p].next_update, now, 0) == MCSEC_CRL_STALE;
}

/* OpenSSL verify callback of outbound connections with
 * system.revocation.stale keep: a CRL past its nextUpdate is still used
 * (a certificate it lists stays refused), only its age is forgiven. */
static int keep_stale_crl(int ok, X509_STORE_CTX *store)
{
    if (!ok && X509_STORE_CTX_get_error(store) == X509_V_ERR_CRL_HAS_EXPIRED) {
        /* libcurl reads the verify result after the handshake too */
        X509_STORE_CTX_set_error(store, X509_V_OK);
        return 1;
    }
    return ok;
}

int httpd_tls_curl_crls(void *ssl_ctx, bool keep_stale)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);
    if (!store ||
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL) != 1)
        return -1;
    if (keep_stale)
        SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, keep_stale_crl);
    return 0;
}

int httpd_tls_partner_of(const httpd_gen_t *gen, gnutls_session_t session, char *detail,
                         size_t detail_size)
{
    gnutls_x509_crt_t chain[MAX_CHAIN];
    unsigned loaded = peer_chain(session, chain, detail, detail_size);
    if (loaded == 0)
        return -1;
    int found = -1;
    snprintf(detail, detail_size, "certificate of no partner CA");
    if (!has_client_auth(chain[0])) {
        snprintf(detail, detail_size, "client certificate without clientAuth key purpose");
    } else {
        gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID,
                                         (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0};
        for (size_t p = 0; found < 0 && p < gen->policy->partner_count; p++) {
            const mcsec_partner_t *partner = &gen->policy->partners[p];
            unsigned status = 0;
            if (!gen->trust[p] || !partner->http.enabled || !partner->http.peer_name)
                continue;
            int rc = gnutls_x509_trust_list_verify_crt2(gen->trust[p], chain, loaded, &purpose, 1,
                                                        0, &status, NULL);
            if (rc >= 0 && (status & GNUTLS_CERT_REVOKED)) {
                snprintf(detail, detail_size, "certificate of partner %s revoked (keys.crls)",
                         partner->name);
                continue;
            }
            if (rc < 0 || status != 0)
                continue;
            if (httpd_tls_crl_refused(gen, p, (int64_t)time(NULL))) {
                snprintf(detail, detail_size,
                         "CRL of partner %s past its nextUpdate and system.revocation.stale is "
                         "refuse",
                         partner->name);
                continue;
            }
            /* The partner's CA also issues its MC client certificates:
             * only the name of its HTTP proxy makes a border. */
            if (gnutls_x509_crt_check_hostname2(chain[0], partner->http.peer_name,
                                                GNUTLS_VERIFY_DO_NOT_ALLOW_WILDCARDS) == 0) {
                snprintf(detail, detail_size,
                         "certificate of partner %s CA but not its HTTP proxy %s", partner->name,
                         partner->http.peer_name);
                continue;
            }
            found = (int)p;
            snprintf(detail, detail_size, "partner %s", partner->name);
        }
    }
    free_chain(chain, loaded);
    return found;
}
