/* Expiry of the keys and certificates a policy names: see
 * mcsec/config/config_expiry.h. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mcsec/config/config_expiry.h"
#include "mcsec/ibc/keyset.h"
#include "mcsec/ibc/kms_cert.h"
#include "mcsec/policy/crl.h"

static bool set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* Floor division by a day. */
static int64_t days_between(int64_t now, int64_t t)
{
    int64_t d = t - now;
    return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

static mcsec_err_t add(mcsec_expiry_list_t *out, int64_t now, mcsec_expiry_kind_t kind,
                       const char *what, const char *path, int64_t expires)
{
    mcsec_expiry_item_t *items = realloc(out->items, (out->count + 1) * sizeof(*items));
    if (items == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    out->items = items;
    mcsec_expiry_item_t *item = &items[out->count++];
    memset(item, 0, sizeof(*item));
    item->kind = kind;
    snprintf(item->what, sizeof(item->what), "%s", what);
    snprintf(item->path, sizeof(item->path), "%s", path);
    item->expires = expires;
    item->days_left = days_between(now, expires);
    return MCSEC_OK;
}

static mcsec_err_t add_kms(mcsec_expiry_list_t *out, int64_t now, const char *what,
                           const char *path)
{
    mcsec_kms_pub_t pub;
    if (!set(path) || mcsec_kms_pub_read(path, &pub, NULL, 0) != MCSEC_OK || !pub.has_validity) {
        return MCSEC_OK;
    }
    return add(out, now, MCSEC_EXPIRY_KMS, what, path, pub.valid_to);
}

/* notAfter as Unix seconds. */
static bool not_after(X509 *cert, int64_t *out)
{
    struct tm tm;
    char text[32];
    const ASN1_TIME *t = X509_get0_notAfter(cert);
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
        strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        return false;
    }
    return mcsec_kms_time_parse(text, out) == MCSEC_OK;
}

/* Every certificate of a PEM file, named by what and its subject CN. */
static mcsec_err_t add_certs(mcsec_expiry_list_t *out, int64_t now, const char *what,
                             const char *path)
{
    if (!set(path)) {
        return MCSEC_OK;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return MCSEC_OK;
    }
    mcsec_err_t err = MCSEC_OK;
    X509 *cert;
    while (err == MCSEC_OK && (cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        char cn[128] = "";
        X509_NAME *subject = X509_get_subject_name(cert);
        if (subject == NULL ||
            X509_NAME_get_text_by_NID(subject, NID_commonName, cn, (int)sizeof(cn)) < 0) {
            cn[0] = '\0';
        }
        int64_t expires = 0;
        if (not_after(cert, &expires)) {
            char name[200];
            snprintf(name, sizeof(name), "%s%s%.120s", what, cn[0] ? " CN=" : "", cn);
            err = add(out, now, MCSEC_EXPIRY_CERT, name, path, expires);
        }
        X509_free(cert);
    }
    fclose(f);
    return err;
}

/* The nextUpdate of each CRL file of one CA file. */
static mcsec_err_t add_crls(mcsec_expiry_list_t *out, int64_t now, const char *what, const char *ca,
                            const mcsec_strlist_t *crls)
{
    mcsec_err_t err = MCSEC_OK;
    for (size_t i = 0; set(ca) && err == MCSEC_OK && i < crls->count; i++) {
        mcsec_crl_set_t one;
        memset(&one, 0, sizeof(one));
        char why[256];
        if (mcsec_crl_set_add(&one, ca, crls->items[i], why, sizeof(why)) == MCSEC_OK &&
            one.next_update != 0) {
            err = add(out, now, MCSEC_EXPIRY_CRL, what, crls->items[i], one.next_update);
        }
        mcsec_crl_set_clear(&one);
    }
    return err;
}

static mcsec_err_t add_signing(mcsec_expiry_list_t *out, int64_t now, const char *dir)
{
    if (!set(dir)) {
        return MCSEC_OK;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/kms.pub", dir);
    mcsec_err_t err = add_kms(out, now, "system.keys.signing kms.pub", path);
    mcsec_eccsi_keyset_t keys;
    if (err != MCSEC_OK || mcsec_eccsi_keyset_load(dir, NULL, &keys, NULL, 0) != MCSEC_OK) {
        return err;
    }
    for (size_t i = 0; err == MCSEC_OK && i < keys.count; i++) {
        char what[200];
        snprintf(what, sizeof(what), "system.keys.signing key period %" PRIu64,
                 keys.entries[i].period);
        err = add(out, now, MCSEC_EXPIRY_SIGNING, what, dir, keys.entries[i].end);
    }
    mcsec_eccsi_keyset_free(&keys);
    return err;
}

mcsec_err_t mcsec_config_expiry(const mcsec_policy_t *policy, int64_t now, mcsec_expiry_list_t *out)
{
    if (policy == NULL || out == NULL) {
        return MCSEC_ERR_ARG;
    }
    out->items = NULL;
    out->count = 0;
    if (now == 0) {
        now = (int64_t)time(NULL);
    }
    const mcsec_system_t *sys = &policy->system;
    mcsec_err_t err = add_signing(out, now, sys->keys.signing);
    for (size_t i = 0; err == MCSEC_OK && i < policy->partner_count; i++) {
        const mcsec_partner_t *p = &policy->partners[i];
        char what[200];
        snprintf(what, sizeof(what), "partner '%s' keys.kms", p->name);
        err = add_kms(out, now, what, p->keys.kms);
        for (size_t k = 0; err == MCSEC_OK && k < p->keys.kms_more_count; k++) {
            err = add_kms(out, now, what, p->keys.kms_more[k]);
        }
    }
    if (err == MCSEC_OK) {
        err = add_kms(out, now, "system.gmk.kms", sys->gmk.kms);
    }
    if (err == MCSEC_OK) {
        err = add_certs(out, now, "system.keys.cert", sys->keys.cert);
    }
    if (err == MCSEC_OK) {
        err = add_certs(out, now, "system.keys.ca", sys->keys.ca);
    }
    for (size_t i = 0; err == MCSEC_OK && i < policy->partner_count; i++) {
        char what[200];
        snprintf(what, sizeof(what), "partner '%s' keys.ca", policy->partners[i].name);
        err = add_certs(out, now, what, policy->partners[i].keys.ca);
    }
    if (err == MCSEC_OK && sys->http.has_inside_tls) {
        err = add_certs(out, now, "system.http.inside_tls cert", sys->http.inside_cert);
        if (err == MCSEC_OK) {
            err = add_certs(out, now, "system.http.inside_tls ca", sys->http.inside_ca);
        }
    }
    for (size_t i = 0; err == MCSEC_OK && i < policy->partner_count; i++) {
        char what[200];
        snprintf(what, sizeof(what), "partner '%s' keys.crls", policy->partners[i].name);
        err = add_crls(out, now, what, policy->partners[i].keys.ca, &policy->partners[i].keys.crls);
    }
    if (err == MCSEC_OK && sys->http.has_inside_tls) {
        err = add_crls(out, now, "system.http.inside_tls crls", sys->http.inside_ca,
                       &sys->http.inside_crls);
    }
    if (err != MCSEC_OK) {
        mcsec_expiry_list_free(out);
        return err;
    }
    int64_t last_signing = INT64_MIN;
    for (size_t i = 0; i < out->count; i++) {
        if (out->items[i].kind == MCSEC_EXPIRY_SIGNING && out->items[i].expires > last_signing) {
            last_signing = out->items[i].expires;
        }
    }
    for (size_t i = 0; i < out->count; i++) {
        mcsec_expiry_item_t *item = &out->items[i];
        if (item->kind == MCSEC_EXPIRY_CRL) {
            item->due = item->expires - now < (int64_t)sys->revocation.warn_before;
            continue;
        }
        item->due = item->days_left < (int64_t)sys->expiry_warning_days &&
                    (item->kind != MCSEC_EXPIRY_SIGNING || item->expires == last_signing);
    }
    return MCSEC_OK;
}

void mcsec_expiry_list_free(mcsec_expiry_list_t *list)
{
    if (list != NULL) {
        free(list->items);
        list->items = NULL;
        list->count = 0;
    }
}

const char *mcsec_expiry_kind_str(mcsec_expiry_kind_t kind)
{
    switch (kind) {
    case MCSEC_EXPIRY_SIGNING:
        return "signing";
    case MCSEC_EXPIRY_KMS:
        return "kms";
    case MCSEC_EXPIRY_CRL:
        return "crl";
    default:
        return "certificate";
    }
}
