/* A generation: the policy and the TLS material read from the files it
 * names, loaded completely before it replaces the running one. The policy
 * must pass the deep check every proxy runs (mcsec/config/config_check.h)
 * first: start, --check and SIGHUP refuse what it refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "httpd.h"
#include "mcsec/config/config_check.h"
#include "mcsec/ibc/uid.h"

/* Reads a whole (small) file; NULL when it cannot. */
static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, len = 0;
    char *text = malloc(cap);
    while (text) {
        len += fread(text + len, 1, cap - len - 1, fp);
        if (len < cap - 1 || cap > (1u << 20))
            break;
        char *grown = realloc(text, cap * 2);
        if (!grown) {
            free(text);
            text = NULL;
            break;
        }
        text = grown;
        cap *= 2;
    }
    fclose(fp);
    if (text)
        text[len] = '\0';
    return text;
}

/* Appends "problem\n" to err. */
static void add_err(char *err, size_t err_size, const char *text)
{
    size_t used = strlen(err);
    if (used < err_size)
        snprintf(err + used, err_size - used, "%s\n", text);
}

/* host[:port] of an http(s) URL as a view-free malloc'd copy. */
static char *url_authority(const char *url)
{
    const char *rest = strstr(url, "://");
    if (!rest)
        return NULL;
    rest += 3;
    size_t n = strcspn(rest, "/");
    return strndup(rest, n);
}

static bool add_internal(httpd_gen_t *gen, const char *host, size_t *cap)
{
    for (size_t i = 0; i < gen->internal_count; i++)
        if (strcmp(gen->internal_hosts[i], host) == 0)
            return true;
    if (gen->internal_count == *cap) {
        size_t more = *cap ? *cap * 2 : 8;
        const char **grown = realloc(gen->internal_hosts, more * sizeof(*grown));
        if (!grown)
            return false;
        gen->internal_hosts = grown;
        *cap = more;
    }
    gen->internal_hosts[gen->internal_count++] = host;
    return true;
}

static void kms_clear(httpd_kms_t *kms)
{
    mcsec_eccsi_pub_free(kms->kpak);
    memset(kms, 0, sizeof(*kms));
}

static void gen_free(httpd_gen_t *gen)
{
    if (!gen)
        return;
    for (size_t i = 0; i < HTTPD_MAX_PARTNERS; i++) {
        kms_clear(&gen->partner_kms[i]);
        for (size_t j = 0; j < MCSEC_PARTNER_KMS_MAX - 1; j++)
            kms_clear(&gen->partner_kms_more[i][j]);
    }
    kms_clear(&gen->own_ear_kms);
    kms_clear(&gen->own_gmk_kms);
    mcsec_eccsi_keyset_free(&gen->signing);
    mcsec_diag_list_free(&gen->warnings);
    for (size_t i = 0; i < HTTPD_MAX_PARTNERS; i++) {
        if (gen->trust[i])
            gnutls_x509_trust_list_deinit(gen->trust[i], 1);
        mcsec_crl_set_clear(&gen->crls[i]);
        free(gen->ca_crl_pem[i]);
    }
    /* internal_hosts owns the authority copies made from upstream URLs: they
     * follow the policy's own entries. */
    size_t own = gen->policy ? gen->policy->system.http.internal_hosts.count : 0;
    for (size_t i = own; i < gen->internal_count; i++)
        free((char *)gen->internal_hosts[i]);
    free(gen->internal_hosts);
    httpd_token_free(gen);
    if (gen->key_pem) {
        gnutls_memset(gen->key_pem, 0, strlen(gen->key_pem));
        free(gen->key_pem);
    }
    if (gen->inside_key_pem) {
        gnutls_memset(gen->inside_key_pem, 0, strlen(gen->inside_key_pem));
        free(gen->inside_key_pem);
    }
    free(gen->inside_cert_pem);
    free(gen->inside_ca_pem);
    if (gen->inside_trust)
        gnutls_x509_trust_list_deinit(gen->inside_trust, 1);
    mcsec_crl_set_clear(&gen->inside_crls);
    free(gen->cert_pem);
    free(gen->trust_pem);
    mcsec_policy_free(gen->policy);
    free(gen);
}

/* The partner's CRLs (keys.crls), checked again as the loader does, and
 * the CA PEM with them appended for libcurl (forward.c). */
static bool load_partner_crls(httpd_gen_t *gen, size_t p, const char *ca_pem, char *err,
                              size_t err_size)
{
    const mcsec_partner_t *partner = &gen->policy->partners[p];
    if (partner->keys.crls.count == 0)
        return true;
    char why[512];
    if (mcsec_crl_set_load(&gen->crls[p], partner->keys.ca, partner->keys.crls.items,
                           partner->keys.crls.count, why, sizeof(why)) != MCSEC_OK) {
        char line[640];
        snprintf(line, sizeof(line), "partner %s: %s", partner->name, why);
        add_err(err, err_size, line);
        return false;
    }
    size_t a = strlen(ca_pem), b = strlen(gen->crls[p].pem);
    gen->ca_crl_pem[p] = malloc(a + b + 2);
    if (!gen->ca_crl_pem[p])
        return false;
    memcpy(gen->ca_crl_pem[p], ca_pem, a);
    gen->ca_crl_pem[p][a] = '\n';
    memcpy(gen->ca_crl_pem[p] + a + 1, gen->crls[p].pem, b + 1);
    return true;
}

/* Loads the partner CAs into per-partner trust lists and one PEM bundle. */
static bool load_partner_trust(httpd_gen_t *gen, char *err, size_t err_size)
{
    const mcsec_policy_t *policy = gen->policy;
    size_t bundle_len = 0;
    gen->trust_pem = calloc(1, 1);
    if (!gen->trust_pem)
        return false;
    for (size_t p = 0; p < policy->partner_count; p++) {
        const mcsec_partner_t *partner = &policy->partners[p];
        if (!partner->http.enabled)
            continue;
        char *pem = read_text(partner->keys.ca);
        char line[512];
        if (!pem) {
            snprintf(line, sizeof(line), "%s: cannot read partner CA", partner->keys.ca);
            add_err(err, err_size, line);
            return false;
        }
        if (!load_partner_crls(gen, p, pem, err, err_size)) {
            free(pem);
            return false;
        }
        gnutls_datum_t datum = {(unsigned char *)pem, (unsigned)strlen(pem)};
        gnutls_datum_t crls = {(unsigned char *)gen->crls[p].pem,
                               gen->crls[p].pem ? (unsigned)strlen(gen->crls[p].pem) : 0};
        int rc = gnutls_x509_trust_list_init(&gen->trust[p], 0);
        /* The CRLs were verified by mcsec_crl_set_load: added as they are
         * (GNUTLS_TL_VERIFY_CRL would drop a stale one silently, and what
         * a stale CRL does is system.revocation.stale's to say, tls.c). */
        if (rc >= 0)
            rc = gnutls_x509_trust_list_add_trust_mem(
                gen->trust[p], &datum, crls.size ? &crls : NULL, GNUTLS_X509_FMT_PEM, 0, 0);
        if (rc <= 0) {
            snprintf(line, sizeof(line), "%s: no CA certificate (%s)", partner->keys.ca,
                     rc < 0 ? gnutls_strerror(rc) : "empty");
            add_err(err, err_size, line);
            free(pem);
            return false;
        }
        size_t n = strlen(pem);
        char *grown = realloc(gen->trust_pem, bundle_len + n + 2);
        if (!grown) {
            free(pem);
            return false;
        }
        gen->trust_pem = grown;
        memcpy(gen->trust_pem + bundle_len, pem, n);
        bundle_len += n;
        gen->trust_pem[bundle_len++] = '\n';
        gen->trust_pem[bundle_len] = '\0';
        free(pem);
    }
    return true;
}

/* The inside listener's TLS material when system.http.inside_tls is set:
 * certificate, key, and the CA our inside clients' certificates must chain
 * to (as a trust list for the check and as PEM for the CA names sent). */
static bool load_inside_tls(httpd_gen_t *gen, char *err, size_t err_size)
{
    const mcsec_http_system_t *http = &gen->policy->system.http;
    if (!http->has_inside_tls)
        return true;
    gen->inside_cert_pem = read_text(http->inside_cert);
    gen->inside_key_pem = read_text(http->inside_key);
    gen->inside_ca_pem = read_text(http->inside_ca);
    if (!gen->inside_cert_pem || !gen->inside_key_pem || !gen->inside_ca_pem) {
        add_err(err, err_size, "cannot read system.http.inside_tls cert, key or ca");
        return false;
    }
    char why[512], line[640];
    if (http->inside_crls.count > 0 &&
        mcsec_crl_set_load(&gen->inside_crls, http->inside_ca, http->inside_crls.items,
                           http->inside_crls.count, why, sizeof(why)) != MCSEC_OK) {
        snprintf(line, sizeof(line), "system.http.inside_tls: %s", why);
        add_err(err, err_size, line);
        return false;
    }
    gnutls_datum_t datum = {(unsigned char *)gen->inside_ca_pem,
                            (unsigned)strlen(gen->inside_ca_pem)};
    gnutls_datum_t crls = {(unsigned char *)gen->inside_crls.pem,
                           gen->inside_crls.pem ? (unsigned)strlen(gen->inside_crls.pem) : 0};
    int rc = gnutls_x509_trust_list_init(&gen->inside_trust, 0);
    if (rc >= 0) /* CRLs as for the partners (load_partner_trust) */
        rc = gnutls_x509_trust_list_add_trust_mem(
            gen->inside_trust, &datum, crls.size ? &crls : NULL, GNUTLS_X509_FMT_PEM, 0, 0);
    if (rc <= 0) {
        snprintf(line, sizeof(line), "%s: no CA certificate (%s)", http->inside_ca,
                 rc < 0 ? gnutls_strerror(rc) : "empty");
        add_err(err, err_size, line);
        return false;
    }
    return true;
}

/* Reads and parses a KMS public file (kms_uri, KPAK, key period). */
static bool kms_load(httpd_kms_t *kms, const char *path, const char *what, char *err,
                     size_t err_size)
{
    char why[256] = "";
    char line[512];
    if (!path || !path[0]) {
        snprintf(line, sizeof(line), "%s: no KMS public file configured", what);
        add_err(err, err_size, line);
        return false;
    }
    if (mcsec_kms_pub_read(path, &kms->kms, why, sizeof(why)) != MCSEC_OK) {
        snprintf(line, sizeof(line), "%s: %s: unusable KMS public file: %s", what, path, why);
        add_err(err, err_size, line);
        return false;
    }
    if (mcsec_eccsi_pub_new(kms->kms.kpak, &kms->kpak) != MCSEC_OK) {
        snprintf(line, sizeof(line), "%s: %s: the KPAK is not a valid P-256 point", what, path);
        add_err(err, err_size, line);
        return false;
    }
    kms->usable = true;
    return true;
}

/* The border's ECCSI signing keys (sign_on_behalf) from
 * system.keys.signing for the identity it signs as, every key period held
 * (ibc/keyset.h): the one of the signing time is picked per EAR. */
static bool signer_load(httpd_gen_t *gen, char *err, size_t err_size)
{
    const mcsec_system_t *sys = &gen->policy->system;
    const char *dir = sys->keys.signing;
    gen->sign_identity = sys->ear_sign_identity && sys->ear_sign_identity[0]
                             ? sys->ear_sign_identity
                             : sys->identity;
    char why[512] = "";
    if (!dir || !dir[0] || !gen->sign_identity ||
        mcsec_eccsi_keyset_load(dir, gen->sign_identity, &gen->signing, why, sizeof(why)) !=
            MCSEC_OK) {
        char line[2400];
        snprintf(line, sizeof(line), "system.keys.signing %s: unusable for sign_on_behalf: %s",
                 dir ? dir : "(unset)", gen->sign_identity ? why : "no identity to sign as");
        add_err(err, err_size, line);
        return false;
    }
    return true;
}

/* EAR and GMK keys of the partners with an http section (see httpd.h). */
static bool load_auth_keys(httpd_gen_t *gen, char *err, size_t err_size)
{
    const mcsec_policy_t *policy = gen->policy;
    const mcsec_system_t *sys = &policy->system;
    bool explicit_any = false, sign_any = false, gmk_any = false;
    for (size_t p = 0; p < policy->partner_count; p++) {
        const mcsec_partner_t *partner = &policy->partners[p];
        if (!partner->http.enabled)
            continue;
        bool ear = partner->auth == MCSEC_AUTH_EXPLICIT;
        bool gmk = partner->gmk.transfer == MCSEC_GMK_TRANSFER_CHECK;
        explicit_any = explicit_any || ear;
        sign_any = sign_any || (ear && partner->ear.sign_on_behalf);
        gmk_any = gmk_any || gmk;
        if ((ear || gmk) &&
            !kms_load(&gen->partner_kms[p], partner->keys.kms, partner->name, err, err_size))
            return false;
        for (size_t i = 0; ear && i < partner->keys.kms_more_count; i++)
            if (!kms_load(&gen->partner_kms_more[p][i], partner->keys.kms_more[i], partner->name,
                          err, err_size))
                return false;
    }
    if (explicit_any && sys->keys.signing && sys->keys.signing[0]) {
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/kms.pub", sys->keys.signing);
        if (n < 0 || (size_t)n >= sizeof(path) ||
            !kms_load(&gen->own_ear_kms, path, "our KMS (EAR)", err, err_size))
            return false;
    }
    if (gmk_any &&
        !kms_load(&gen->own_gmk_kms, sys->gmk.kms, "our KMS (system.gmk.kms)", err, err_size))
        return false;
    return !sign_any || signer_load(gen, err, err_size);
}

httpd_gen_t *httpd_gen_load(const char *policy_path, char *err, size_t err_size)
{
    err[0] = '\0';
    httpd_gen_t *gen = calloc(1, sizeof(*gen));
    if (!gen) {
        add_err(err, err_size, "out of memory");
        return NULL;
    }
    atomic_init(&gen->refs, 1);
    mcsec_diag_list_t diags = {NULL, 0};
    /* The caches of mcsec-httpd are on the heap: no shared-memory sizing. */
    mcsec_config_check_opts_t opts = {0, 0, NULL, &gen->warnings, false};
    if (mcsec_policy_load_file(policy_path, &gen->policy, &diags) != MCSEC_OK ||
        mcsec_config_check(gen->policy, &opts, &diags) != MCSEC_OK) {
        if (diags.count == 0)
            add_err(err, err_size, "the policy check failed (out of memory)");
        for (size_t i = 0; i < diags.count; i++) {
            char line[512];
            mcsec_diag_format(&diags.items[i], line, sizeof(line));
            add_err(err, err_size, line);
        }
        mcsec_diag_list_free(&diags);
        gen_free(gen);
        return NULL;
    }
    mcsec_diag_list_free(&diags);
    const mcsec_policy_t *policy = gen->policy;
    const mcsec_system_t *sys = &policy->system;
    bool any_http = false;
    for (size_t p = 0; p < policy->partner_count; p++)
        any_http = any_http || policy->partners[p].http.enabled;
    if (!any_http || policy->partner_count > HTTPD_MAX_PARTNERS) {
        add_err(err, err_size,
                any_http ? "too many partners for mcsec-httpd"
                         : "no partner has an 'http' section: nothing to proxy");
        gen_free(gen);
        return NULL;
    }
    gen->cert_pem = read_text(sys->keys.cert);
    bool token = mcsec_key_is_pkcs11(sys->keys.key);
    if (!token)
        gen->key_pem = read_text(sys->keys.key);
    if (!gen->cert_pem || (!token && !gen->key_pem)) {
        add_err(err, err_size, "cannot read system.keys.cert or system.keys.key");
        gen_free(gen);
        return NULL;
    }
    if (token) {
        size_t used = strlen(err);
        if (!httpd_token_load(gen, gen->cert_pem, err + used, err_size - used)) {
            gen_free(gen);
            return NULL;
        }
    }
    if (!load_partner_trust(gen, err, err_size)) {
        if (!err[0])
            add_err(err, err_size, "out of memory");
        gen_free(gen);
        return NULL;
    }
    if (!load_inside_tls(gen, err, err_size) || !load_auth_keys(gen, err, err_size)) {
        gen_free(gen);
        return NULL;
    }
    size_t cap = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < sys->http.internal_hosts.count; i++)
        ok = add_internal(gen, sys->http.internal_hosts.items[i], &cap);
    for (size_t p = 0; ok && p < policy->partner_count; p++) {
        const mcsec_http_rules_t *http = &policy->partners[p].http;
        for (size_t u = 0; ok && u < http->upstream_count; u++) {
            char *authority = url_authority(http->upstreams[u].url);
            size_t before = gen->internal_count;
            ok = authority && add_internal(gen, authority, &cap);
            if (!ok || gen->internal_count == before)
                free(authority);
        }
    }
    if (!ok) {
        add_err(err, err_size, "out of memory");
        gen_free(gen);
        return NULL;
    }
    return gen;
}

httpd_gen_t *httpd_gen_ref(httpd_gen_t *gen)
{
    if (gen)
        atomic_fetch_add(&gen->refs, 1);
    return gen;
}

void httpd_gen_unref(httpd_gen_t *gen)
{
    if (gen && atomic_fetch_sub(&gen->refs, 1) == 1)
        gen_free(gen);
}

static bool text_differs(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") != 0;
}

bool httpd_gen_tls_differs(const httpd_gen_t *a, const httpd_gen_t *b)
{
    /* A token key: the sites hold their generation's key; a reload gives
     * them the new one (listener.c). */
    return a->token_key || b->token_key || text_differs(a->cert_pem, b->cert_pem) ||
           text_differs(a->key_pem, b->key_pem) || text_differs(a->trust_pem, b->trust_pem);
}

bool httpd_gen_inside_tls_differs(const httpd_gen_t *a, const httpd_gen_t *b)
{
    return text_differs(a->inside_cert_pem, b->inside_cert_pem) ||
           text_differs(a->inside_key_pem, b->inside_key_pem) ||
           text_differs(a->inside_ca_pem, b->inside_ca_pem);
}
