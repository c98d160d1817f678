/* mcsec-httpd: the TLS profile of TS 33.310 Annex E / TS 33.210 6.2 and the
 * check that a client certificate belongs to a partner's HTTP proxy
 * (tls.c). Below: httpd.h only. */
#ifndef MCSEC_HTTPD_TLS_H
#define MCSEC_HTTPD_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "httpd.h"

/* GnuTLS priority string of the TS 33.310 / 33.210 profile: TLS 1.2 and
 * 1.3 only, AEAD suites with ECDHE only. */
extern const char *const httpd_tls_priorities;
/* The same profile for libcurl (OpenSSL names). */
extern const char *const httpd_curl_ciphers;
extern const char *const httpd_curl_tls13_ciphers;

/* Index of the partner whose CA, key purpose (clientAuth) and HTTP proxy
 * name (peer_name in a SAN dNSName) the session's client certificate
 * matches; -1 when none (no certificate, other CA, wrong purpose, an MC
 * client certificate...). detail gets a short reason for the log. */
int httpd_tls_partner_of(const httpd_gen_t *gen, gnutls_session_t session, char *detail,
                         size_t detail_size);

/* True when the session's client certificate has the clientAuth key
 * purpose and chains to the inside CA (system.http.inside_tls); false
 * with a short reason in detail otherwise (no certificate, another CA, a
 * plain HTTP connection: session NULL). */
bool httpd_tls_inside_client_ok(const httpd_gen_t *gen, gnutls_session_t session, char *detail,
                                size_t detail_size);

/* True when partner p has CRLs, one is past its nextUpdate at now and
 * system.revocation.stale is refuse: its certificates are refused. */
bool httpd_tls_crl_refused(const httpd_gen_t *gen, size_t p, int64_t now);

/* libcurl outbound (OpenSSL backend, CURLOPT_SSL_CTX_FUNCTION): turns on
 * the CRL check of every certificate of the chain for the CRLs libcurl
 * loaded with the CA (CURLOPT_CAINFO_BLOB); keep_stale forgives a CRL
 * past its nextUpdate (system.revocation.stale keep). 0, or -1. */
int httpd_tls_curl_crls(void *ssl_ctx, bool keep_stale);

#endif
