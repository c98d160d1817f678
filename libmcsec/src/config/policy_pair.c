/* Cross-check of two partners' policies (policy_pair.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/ipsec/ipsec.h"
#include "mcsec/spk/keystore.h"
#include "mcsec/config/policy_pair.h"
#include "policy/policy_internal.h"

/* One direction: what `self` says about `other`. */
typedef struct {
    const mcsec_policy_t *self;
    const mcsec_policy_t *other;
    const mcsec_partner_t *entry; /* self's partner entry for other */
    mcsec_diag_list_t *diags;
    mcsec_err_t *rc;
} side_t;

static void say(const side_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const side_t *s, const char *fmt, ...)
{
    char message[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    unsigned line = s->entry ? s->entry->line : 0;
    unsigned col = s->entry ? s->entry->col : 0;
    if (mcsec_diag_addf(s->diags, s->self->source_path, line, col, "%s", message) != MCSEC_OK)
        *s->rc = MCSEC_ERR_NOMEM;
    else if (*s->rc == MCSEC_OK)
        *s->rc = MCSEC_ERR_INVALID;
}

static const mcsec_partner_t *find_entry(const mcsec_policy_t *self, const mcsec_system_t *other)
{
    for (size_t i = 0; i < self->partner_count; i++)
        if (strcmp(self->partners[i].identity, other->identity) == 0)
            return &self->partners[i];
    return mcsec_policy_partner_by_name(self, other->name);
}

static void check_domains(const side_t *s)
{
    const mcsec_strlist_t *said = &s->entry->domains;
    const mcsec_strlist_t *own = &s->other->system.domains;
    for (size_t i = 0; i < own->count; i++)
        if (!mcsec_strlist_contains_nocase(said, own->items[i]))
            say(s, "partner '%s' lacks domain '%s' that %s serves", s->entry->name, own->items[i],
                s->other->source_path);
    for (size_t i = 0; i < said->count; i++)
        if (!mcsec_strlist_contains_nocase(own, said->items[i]))
            say(s, "partner '%s' lists domain '%s' that %s does not serve", s->entry->name,
                said->items[i], s->other->source_path);
}

static void check_addr(const side_t *s, const char *what, bool said_set, const mcsec_addr_t *said,
                       bool own_set, const mcsec_addr_t *own)
{
    if (said_set && !own_set)
        say(s, "partner '%s' addresses.%s is %s but %s sets no system addresses.%s", s->entry->name,
            what, said->ip, s->other->source_path, what);
    else if (!said_set && own_set)
        say(s, "partner '%s' has no addresses.%s; %s says %s", s->entry->name, what,
            s->other->source_path, own->ip);
    else if (said_set && (strcmp(said->ip, own->ip) != 0 || said->port != own->port))
        say(s, "partner '%s' addresses.%s is %s port %u but %s says %s port %u", s->entry->name,
            what, said->ip, said->port, s->other->source_path, own->ip, own->port);
}

static void check_is_proxy(const side_t *s)
{
    const mcsec_system_t *own = &s->other->system;
    if (!own->has_is_proxy)
        return;
    for (size_t i = 0; i < s->entry->is_proxy_count; i++) {
        const mcsec_addr_t *a = &s->entry->is_proxy[i];
        if (strcmp(a->ip, own->is_proxy.ip) == 0 && (a->port == 0 || a->port == own->is_proxy.port))
            return;
    }
    say(s, "partner '%s' addresses.is_proxy does not include %s port %u, the IS proxy %s names",
        s->entry->name, own->is_proxy.ip, own->is_proxy.port, s->other->source_path);
}

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return cert;
}

static void check_ca(const side_t *s)
{
    const char *ca_path = s->entry->keys.ca;
    const char *cert_path = s->other->system.keys.cert;
    if (!ca_path || !ca_path[0] || !cert_path || !cert_path[0])
        return;
    X509 *ca = read_cert(ca_path);
    X509 *cert = read_cert(cert_path);
    if (!ca)
        say(s, "partner '%s' keys.ca %s: not a readable PEM certificate", s->entry->name, ca_path);
    if (!cert)
        say(s, "%s keys.cert %s: not a readable PEM certificate", s->other->source_path, cert_path);
    if (ca && cert) {
        EVP_PKEY *ca_key = X509_get0_pubkey(ca);
        if (X509_check_issued(ca, cert) != X509_V_OK || !ca_key || X509_verify(cert, ca_key) != 1)
            say(s, "partner '%s' keys.ca %s did not issue %s's certificate %s", s->entry->name,
                ca_path, s->other->system.name, cert_path);
        char host[256];
        if (mcsec_ipsec_identity(s->other->system.identity, host, sizeof(host)) == MCSEC_OK &&
            X509_check_host(cert, host, 0,
                            X509_CHECK_FLAG_NO_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                            NULL) != 1)
            say(s, "certificate %s of %s has no subjectAltName dNSName '%s' (its IKE identity)",
                cert_path, s->other->system.name, host);
    }
    X509_free(ca);
    X509_free(cert);
}

static const char *spk_path(const mcsec_partner_t *p)
{
    return p && p->keys.spk && p->keys.spk[0] ? p->keys.spk : NULL;
}

/* Keys of `mine` must agree with `theirs` where IDs meet, and mine's
 * current key must be known to theirs. */
static void compare_spk(const side_t *s, const mcsec_keystore_t *mine,
                        const mcsec_keystore_t *theirs, const char *their_path)
{
    for (size_t i = 0; i < mcsec_keystore_count(mine); i++) {
        uint32_t id;
        const uint8_t *key;
        if (mcsec_keystore_at(mine, i, &id, &key) != MCSEC_OK)
            continue;
        const uint8_t *other_key = mcsec_keystore_find(theirs, id);
        if (other_key && CRYPTO_memcmp(key, other_key, MCSEC_SPK_LEN) != 0)
            say(s, "partner '%s' SPK ID %08x differs from SPK ID %08x in %s", s->entry->name, id,
                id, their_path);
    }
    uint32_t current;
    const uint8_t *key;
    if (mcsec_keystore_current(mine, &current, &key) == MCSEC_OK &&
        !mcsec_keystore_find(theirs, current))
        say(s, "partner '%s' current SPK ID %08x is not in %s", s->entry->name, current,
            their_path);
}

/* Only run from a's side: the files are shared, one comparison is enough. */
static void check_spk(const side_t *s, const mcsec_partner_t *back)
{
    const char *mine_path = spk_path(s->entry), *their_path = spk_path(back);
    if (!mine_path && !their_path)
        return;
    if (!mine_path || !their_path) {
        say(s, "partner '%s' %s a shared SPK file but %s %s", s->entry->name,
            mine_path ? "names" : "names no", s->other->source_path,
            their_path ? "names one" : "names none");
        return;
    }
    mcsec_keystore_t *mine = NULL, *theirs = NULL;
    char why[256];
    if (mcsec_keystore_load_spk(mine_path, &mine, why, sizeof(why)) != MCSEC_OK)
        say(s, "partner '%s' keys.spk: %s", s->entry->name, why);
    else if (mcsec_keystore_load_spk(their_path, &theirs, why, sizeof(why)) != MCSEC_OK)
        say(s, "%s: %s", s->other->source_path, why);
    else {
        compare_spk(s, mine, theirs, their_path);
        side_t back_side = {s->other, s->self, back, s->diags, s->rc};
        compare_spk(&back_side, theirs, mine, mine_path);
    }
    mcsec_keystore_destroy(mine);
    mcsec_keystore_destroy(theirs);
}

static void check_spk_mode(const side_t *s, const mcsec_partner_t *back)
{
    if (s->entry->spk.mode == MCSEC_SPK_REQUIRED && back && back->spk.mode == MCSEC_SPK_OFF)
        say(s, "partner '%s' spk.mode is required but %s sends bodies unprotected (spk.mode off)",
            s->entry->name, s->other->source_path);
}

/* Every item of mine (self's list for other) must be in theirs (other's
 * list for self): both sides judge the traffic of both directions by
 * their own list, so an item only one side lists is refused at the other
 * border. */
static void compare_list(const side_t *s, const char *what, const mcsec_strlist_t *mine,
                         const mcsec_strlist_t *theirs)
{
    for (size_t i = 0; i < mine->count; i++)
        if (!mcsec_strlist_contains_nocase(theirs, mine->items[i]))
            say(s, "partner '%s' %s lists '%s' but %s does not: refused there", s->entry->name,
                what, mine->items[i], s->other->source_path);
}

/* Explicit authentication: the EARs self verifies from other are signed
 * with other's keys, so self's keys.kms for other must be the KMS of
 * other's own signing keys (system.keys.signing/kms.pub), and both must
 * carry EARs in the same header. */
static void check_ear(const side_t *s, const mcsec_partner_t *back)
{
    if (s->entry->auth != MCSEC_AUTH_EXPLICIT || back->auth != MCSEC_AUTH_EXPLICIT)
        return;
    if (strcasecmp(s->entry->ear.header, back->ear.header) != 0)
        say(s, "partner '%s' ear.header is '%s' but %s uses '%s'", s->entry->name,
            s->entry->ear.header, s->other->source_path, back->ear.header);
    const char *kms_path = s->entry->keys.kms;
    const char *signing = s->other->system.keys.signing;
    if (!kms_path || !kms_path[0] || !signing || !signing[0])
        return;
    char theirs_path[4096];
    snprintf(theirs_path, sizeof(theirs_path), "%s/kms.pub", signing);
    mcsec_kms_pub_t mine, theirs;
    char why[256];
    if (mcsec_kms_pub_read(theirs_path, &theirs, why, sizeof(why)) != MCSEC_OK) {
        say(s, "%s: %s", s->other->source_path, why);
        return;
    }
    /* keys.kms as a list: one of its files must be that KMS. */
    const mcsec_partner_keys_t *keys = &s->entry->keys;
    for (size_t i = 0; i <= keys->kms_more_count; i++) {
        const char *path = i == 0 ? kms_path : keys->kms_more[i - 1];
        if (!path || mcsec_kms_pub_read(path, &mine, why, sizeof(why)) != MCSEC_OK) {
            say(s, "partner '%s' keys.kms: %s", s->entry->name, why);
            return;
        }
        if (strcmp(mine.kms_uri, theirs.kms_uri) == 0 &&
            CRYPTO_memcmp(mine.kpak, theirs.kpak, sizeof(mine.kpak)) == 0 &&
            mine.key_period == theirs.key_period && mine.key_offset == theirs.key_offset)
            return;
    }
    say(s, "partner '%s' keys.kms %s is not the KMS of %s's signing keys (%s)", s->entry->name,
        kms_path, s->other->system.name, theirs_path);
}

/* What both sides must agree on, said once (from a's side) where the two
 * entries differ, per side where one lists more than the other. */
static void check_rules(const side_t *s, const side_t *back_side)
{
    const mcsec_partner_t *mine = s->entry, *back = back_side->entry;
    if (mine->auth != back->auth)
        say(s, "partner '%s' auth is %s but %s's partner '%s' is %s: EARs would be %s", mine->name,
            mine->auth == MCSEC_AUTH_EXPLICIT ? "explicit" : "implicit", s->other->source_path,
            back->name, back->auth == MCSEC_AUTH_EXPLICIT ? "explicit" : "implicit",
            mine->auth == MCSEC_AUTH_EXPLICIT ? "required here and never sent there"
                                              : "required there and never sent here");
    check_ear(s, back);
    check_ear(back_side, mine);
    if (mine->sip.max_body != back->sip.max_body)
        say(s, "partner '%s' sip.max_body is %zu but %s says %zu", mine->name, mine->sip.max_body,
            s->other->source_path, back->sip.max_body);
    const side_t *sides[2] = {s, back_side};
    for (int i = 0; i < 2; i++) {
        const mcsec_partner_t *x = sides[i]->entry, *y = sides[1 - i]->entry;
        compare_list(sides[i], "sip.methods", &x->sip.methods, &y->sip.methods);
        compare_list(sides[i], "sip.content_types", &x->sip.content_types, &y->sip.content_types);
    }
    if (mine->http.enabled != back->http.enabled) {
        say(s, "partner '%s' has %s http section but %s's partner '%s' has %s", mine->name,
            mine->http.enabled ? "an" : "no", s->other->source_path, back->name,
            back->http.enabled ? "one" : "none");
        return;
    }
    if (!mine->http.enabled)
        return;
    if (mine->http.max_body != back->http.max_body)
        say(s, "partner '%s' http.max_body is %zu but %s says %zu", mine->name, mine->http.max_body,
            s->other->source_path, back->http.max_body);
    for (int i = 0; i < 2; i++) {
        const mcsec_partner_t *x = sides[i]->entry, *y = sides[1 - i]->entry;
        compare_list(sides[i], "http.methods", &x->http.methods, &y->http.methods);
        compare_list(sides[i], "http.content_types", &x->http.content_types,
                     &y->http.content_types);
        compare_list(sides[i], "http.path_prefixes", &x->http.path_prefixes,
                     &y->http.path_prefixes);
    }
}

/* The partner's media section against the other side's relay
 * (docs/media.md): it must list the relay's outside address and its port
 * range, and exist exactly when the other side anchors media. */
static void check_media(const side_t *s)
{
    const mcsec_media_rules_t *said = &s->entry->media;
    const mcsec_media_system_t *own = &s->other->system.media;
    if (!said->set && !own->enabled)
        return;
    if (!said->set) {
        say(s, "partner '%s' has no media section but %s anchors media at %s", s->entry->name,
            s->other->source_path, own->outside_address.ip);
        return;
    }
    if (!own->enabled) {
        say(s, "partner '%s' has a media section but %s sets no system.media", s->entry->name,
            s->other->source_path);
        return;
    }
    bool listed = false;
    for (size_t i = 0; i < said->relay_address_count && !listed; i++)
        listed = strcmp(said->relay_addresses[i].ip, own->outside_address.ip) == 0;
    if (!listed)
        say(s, "partner '%s' media.relay_addresses does not include %s, the relay %s names",
            s->entry->name, own->outside_address.ip, s->other->source_path);
    if (said->port_min != own->port_min || said->port_max != own->port_max)
        say(s, "partner '%s' media ports are %u-%u but %s says %u-%u", s->entry->name,
            (unsigned)said->port_min, (unsigned)said->port_max, s->other->source_path,
            (unsigned)own->port_min, (unsigned)own->port_max);
}

/* Runs the one-way checks; returns self's entry for other (NULL = none). */
static const mcsec_partner_t *check_side(side_t *s)
{
    const mcsec_system_t *other = &s->other->system;
    s->entry = find_entry(s->self, other);
    if (!s->entry) {
        say(s, "no partner for %s (name '%s', identity '%s')", s->other->source_path, other->name,
            other->identity);
        return NULL;
    }
    if (strcmp(s->entry->identity, other->identity) != 0)
        say(s, "partner '%s' identity is '%s' but %s says '%s'", s->entry->name, s->entry->identity,
            s->other->source_path, other->identity);
    check_domains(s);
    check_is_proxy(s);
    check_addr(s, "http_proxy", s->entry->has_http_proxy, &s->entry->http_proxy,
               other->has_http_proxy, &other->http_proxy);
    check_addr(s, "gateway", s->entry->has_gateway, &s->entry->gateway, other->has_gateway,
               &other->gateway);
    check_ca(s);
    check_media(s);
    return s->entry;
}

mcsec_err_t mcsec_policy_pair(const mcsec_policy_t *a, const mcsec_policy_t *b,
                              mcsec_diag_list_t *diags)
{
    if (!a || !b || !diags)
        return MCSEC_ERR_ARG;
    mcsec_err_t rc = MCSEC_OK;
    side_t from_a = {a, b, NULL, diags, &rc};
    side_t from_b = {b, a, NULL, diags, &rc};
    const mcsec_partner_t *a_for_b = check_side(&from_a);
    const mcsec_partner_t *b_for_a = check_side(&from_b);
    if (a_for_b && b_for_a) {
        check_spk(&from_a, b_for_a);
        check_spk_mode(&from_a, b_for_a);
        check_spk_mode(&from_b, a_for_b);
        check_rules(&from_a, &from_b);
    }
    return rc;
}
