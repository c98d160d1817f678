/* CRL files of the CAs a policy names (mcsec/policy/crl.h): parse (PEM or
 * DER), issuer among the configured CA certificates, signature verified
 * with that CA's key, authority key identifier present (RFC 5280 5.2.1),
 * thisUpdate not in the future, coverage of every CA. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mcsec/policy/crl.h"
#include "mcsec/policy/policy.h"

/* Largest CRL file read (a CA's CRL for a border PKI is small). */
#define CRL_FILE_MAX (4u * 1024u * 1024u)

/* The CA certificates of a PEM bundle; NULL when none could be read. */
static STACK_OF(X509) * load_cas(const char *ca_path)
{
    BIO *bio = BIO_new_file(ca_path, "r");
    if (!bio)
        return NULL;
    STACK_OF(X509) *cas = sk_X509_new_null();
    X509 *cert;
    while (cas && (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(cas, cert))
            X509_free(cert);
    BIO_free(bio);
    if (cas && sk_X509_num(cas) == 0) {
        sk_X509_free(cas);
        cas = NULL;
    }
    return cas;
}

/* One CRL from a file, PEM first, then DER. */
static X509_CRL *read_crl(const char *path, char *why, size_t why_size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(why, why_size, "CRL '%s' not readable", path);
        return NULL;
    }
    unsigned char *data = malloc(CRL_FILE_MAX);
    size_t len = data ? fread(data, 1, CRL_FILE_MAX, fp) : 0;
    fclose(fp);
    X509_CRL *crl = NULL;
    if (data && len > 0 && len < CRL_FILE_MAX) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        crl = bio ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        if (!crl) {
            const unsigned char *p = data;
            crl = d2i_X509_CRL(NULL, &p, (long)len);
            if (crl && p != data + len) {
                X509_CRL_free(crl); /* trailing octets: not one DER CRL */
                crl = NULL;
            }
        }
    }
    free(data);
    if (!crl)
        snprintf(why, why_size, "CRL '%s' is not a CRL (PEM or DER)", path);
    return crl;
}

/* "CN=..., O=..." of a name, for messages. */
static void name_text(const X509_NAME *name, char *out, size_t size)
{
    BIO *bio = BIO_new(BIO_s_mem());
    out[0] = '\0';
    if (!bio)
        return;
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
    int n = BIO_read(bio, out, (int)size - 1);
    out[n > 0 ? n : 0] = '\0';
    BIO_free(bio);
}

/* Unix seconds of an ASN.1 time; 0 when absent or unreadable. */
static int64_t unix_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

/* Checks crl against the CAs; returns the issuing CA or NULL (why set). */
static X509 *check_crl(X509_CRL *crl, STACK_OF(X509) * cas, const char *path, char *why,
                       size_t why_size)
{
    char issuer[256];
    name_text(X509_CRL_get_issuer(crl), issuer, sizeof(issuer));
    X509 *ca = NULL;
    for (int i = 0; !ca && i < sk_X509_num(cas); i++)
        if (X509_NAME_cmp(X509_get_subject_name(sk_X509_value(cas, i)), X509_CRL_get_issuer(crl)) ==
            0)
            ca = sk_X509_value(cas, i);
    if (!ca) {
        snprintf(why, why_size, "CRL '%s': issuer '%s' is none of the configured CAs", path,
                 issuer);
        return NULL;
    }
    /* A CA whose keyUsage is present must allow cRLSign (RFC 5280 4.2.1.3). */
    if ((X509_get_key_usage(ca) & KU_CRL_SIGN) == 0) {
        snprintf(why, why_size, "CRL '%s': CA '%s' may not sign CRLs (no cRLSign key usage)", path,
                 issuer);
        return NULL;
    }
    EVP_PKEY *key = X509_get0_pubkey(ca);
    if (!key || X509_CRL_verify(crl, key) != 1) {
        snprintf(why, why_size, "CRL '%s': signature does not verify with CA '%s'", path, issuer);
        return NULL;
    }
    /* RFC 5280 5.2.1: a conforming CRL carries the authority key
     * identifier; strongSwan's revocation plugin finds CRLs by it and
     * silently checks nothing without it. It must name the CA's key. */
    AUTHORITY_KEYID *aki = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, NULL, NULL);
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca);
    bool aki_ok = aki && aki->keyid && (!ski || ASN1_OCTET_STRING_cmp(aki->keyid, ski) == 0);
    AUTHORITY_KEYID_free(aki);
    if (!aki_ok) {
        snprintf(why, why_size,
                 "CRL '%s': no authorityKeyIdentifier naming the key of CA '%s' (RFC 5280 5.2.1)",
                 path, issuer);
        return NULL;
    }
    int64_t this_update = unix_time(X509_CRL_get0_lastUpdate(crl));
    if (this_update == 0 || this_update > (int64_t)time(NULL) + 300) {
        snprintf(why, why_size, "CRL '%s': thisUpdate missing or in the future", path);
        return NULL;
    }
    return ca;
}

/* Appends the PEM form of crl to set->pem. */
static mcsec_err_t append_pem(mcsec_crl_set_t *set, X509_CRL *crl)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio || PEM_write_bio_X509_CRL(bio, crl) != 1) {
        BIO_free(bio);
        return MCSEC_ERR_NOMEM;
    }
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    size_t used = set->pem ? strlen(set->pem) : 0;
    char *grown = realloc(set->pem, used + (size_t)n + 1);
    if (!grown) {
        BIO_free(bio);
        return MCSEC_ERR_NOMEM;
    }
    memcpy(grown + used, data, (size_t)n);
    grown[used + (size_t)n] = '\0';
    set->pem = grown;
    BIO_free(bio);
    return MCSEC_OK;
}

mcsec_err_t mcsec_crl_set_add(mcsec_crl_set_t *set, const char *ca_path, const char *crl_path,
                              char *why, size_t why_size)
{
    if (!set || !ca_path || !crl_path)
        return MCSEC_ERR_ARG;
    STACK_OF(X509) *cas = load_cas(ca_path);
    if (!cas) {
        snprintf(why, why_size, "CA file '%s' holds no readable PEM certificate", ca_path);
        return MCSEC_ERR_INVALID;
    }
    X509_CRL *crl = read_crl(crl_path, why, why_size);
    mcsec_err_t rc = MCSEC_ERR_INVALID;
    if (crl && check_crl(crl, cas, crl_path, why, why_size)) {
        STACK_OF(X509_NAME) *issuers = set->issuers;
        if (!issuers)
            issuers = sk_X509_NAME_new_null();
        X509_NAME *name = X509_NAME_dup(X509_CRL_get_issuer(crl));
        rc = issuers && name ? append_pem(set, crl) : MCSEC_ERR_NOMEM;
        if (rc == MCSEC_OK && sk_X509_NAME_push(issuers, name) > 0) {
            name = NULL;
            set->count++;
            int64_t next = unix_time(X509_CRL_get0_nextUpdate(crl));
            if (next && (!set->next_update || next < set->next_update))
                set->next_update = next;
        } else if (rc == MCSEC_OK) {
            rc = MCSEC_ERR_NOMEM;
        }
        X509_NAME_free(name);
        set->issuers = issuers;
        if (rc == MCSEC_ERR_NOMEM)
            snprintf(why, why_size, "out of memory");
    }
    X509_CRL_free(crl);
    sk_X509_pop_free(cas, X509_free);
    return rc;
}

mcsec_err_t mcsec_crl_set_covers(const mcsec_crl_set_t *set, const char *ca_path, char *why,
                                 size_t why_size)
{
    STACK_OF(X509) *cas = load_cas(ca_path);
    if (!cas) {
        snprintf(why, why_size, "CA file '%s' holds no readable PEM certificate", ca_path);
        return MCSEC_ERR_INVALID;
    }
    STACK_OF(X509_NAME) *issuers = set ? set->issuers : NULL;
    mcsec_err_t rc = MCSEC_OK;
    for (int i = 0; rc == MCSEC_OK && i < sk_X509_num(cas); i++) {
        const X509_NAME *subject = X509_get_subject_name(sk_X509_value(cas, i));
        bool found = false;
        for (int j = 0; !found && issuers && j < sk_X509_NAME_num(issuers); j++)
            found = X509_NAME_cmp(subject, sk_X509_NAME_value(issuers, j)) == 0;
        if (!found) {
            char text[256];
            name_text(subject, text, sizeof(text));
            snprintf(why, why_size, "CA '%s' of '%s' has no CRL: list one CRL for every CA", text,
                     ca_path);
            rc = MCSEC_ERR_INVALID;
        }
    }
    sk_X509_pop_free(cas, X509_free);
    return rc;
}

mcsec_err_t mcsec_crl_set_load(mcsec_crl_set_t *set, const char *ca_path, char *const *paths,
                               size_t count, char *why, size_t why_size)
{
    mcsec_err_t rc = MCSEC_OK;
    for (size_t i = 0; rc == MCSEC_OK && i < count; i++)
        rc = mcsec_crl_set_add(set, ca_path, paths[i], why, why_size);
    if (rc == MCSEC_OK)
        rc = mcsec_crl_set_covers(set, ca_path, why, why_size);
    if (rc != MCSEC_OK)
        mcsec_crl_set_clear(set);
    return rc;
}

void mcsec_crl_set_clear(mcsec_crl_set_t *set)
{
    if (!set)
        return;
    free(set->pem);
    sk_X509_NAME_pop_free((STACK_OF(X509_NAME) *)set->issuers, X509_NAME_free);
    memset(set, 0, sizeof(*set));
}

mcsec_crl_freshness_t mcsec_crl_freshness(int64_t next_update, int64_t now, uint32_t warn_before)
{
    if (next_update == 0)
        return MCSEC_CRL_FRESH;
    if (now > next_update)
        return MCSEC_CRL_STALE;
    if (next_update - now <= (int64_t)warn_before)
        return MCSEC_CRL_DUE;
    return MCSEC_CRL_FRESH;
}

/* Appends printf text to *text (length *len); false when out of memory. */
static bool append(char **text, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool append(char **text, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *grown = n >= 0 ? realloc(*text, *len + (size_t)n + 1) : NULL;
    if (!grown)
        return false;
    va_start(ap, fmt);
    vsnprintf(grown + *len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *text = grown;
    *len += (size_t)n;
    return true;
}

mcsec_err_t mcsec_crl_expiry_text(const struct mcsec_policy *policy, int64_t now, char **out)
{
    if (!policy || !out)
        return MCSEC_ERR_ARG;
    char *text = calloc(1, 1);
    size_t len = 0;
    bool ok = text != NULL;
    const mcsec_http_system_t *http = &policy->system.http;
    /* p == partner_count: the inside clients' CA (system.http.inside_tls) */
    for (size_t p = 0; ok && p <= policy->partner_count; p++) {
        bool inside = p == policy->partner_count;
        const char *name = inside ? "(inside)" : policy->partners[p].name;
        const char *ca = inside ? http->inside_ca : policy->partners[p].keys.ca;
        const mcsec_strlist_t *crls = inside ? &http->inside_crls : &policy->partners[p].keys.crls;
        for (size_t i = 0; ok && i < crls->count; i++) {
            const char *file = crls->items[i];
            mcsec_crl_set_t one = {NULL, 0, 0, NULL};
            char why[512];
            if (mcsec_crl_set_add(&one, ca, file, why, sizeof(why)) != MCSEC_OK) {
                ok = append(&text, &len, "# crl %s %s: unusable: %s\n", name, file, why);
                continue;
            }
            char when[32] = "none";
            time_t next = (time_t)one.next_update;
            struct tm tm;
            if (one.next_update && gmtime_r(&next, &tm))
                strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
            mcsec_crl_freshness_t fresh =
                mcsec_crl_freshness(one.next_update, now, policy->system.revocation.warn_before);
            int64_t left = one.next_update ? one.next_update - now : 0;
            /* whole days, rounded towards minus infinity */
            long long days = (long long)(left >= 0 ? left / 86400 : -((-left + 86399) / 86400));
            ok = append(&text, &len, "# crl %s %s: nextUpdate %s, %lld days left%s\n", name, file,
                        when, days,
                        fresh == MCSEC_CRL_STALE ? "; stale"
                        : fresh == MCSEC_CRL_DUE ? "; due"
                                                 : "");
            mcsec_crl_set_clear(&one);
        }
    }
    if (!ok) {
        free(text);
        return MCSEC_ERR_NOMEM;
    }
    *out = text;
    return MCSEC_OK;
}
