/* The deep check of one policy (mcsec/config/config_check.h): the key
 * objects the proxies build, built here with the same calls and freed, and
 * the shared-memory sizing of the module's caches. The certificates are
 * config_check_tls.c's. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_check_internal.h"
#include "mcsec/config/config_expiry.h"
#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/keyset.h"
#include "mcsec/ibc/kms_cert.h"
#include "mcsec/ibc/uid.h"
#include "mcsec/spk/keystore.h"
#include "mcsec/spk/xmlprot.h"
#include "mcsec/topo/topo.h"
#include "mcsec/util/replay_table.h"
#include "policy/policy_internal.h"

void mcsec_ck_say(mcsec_ck_t *ck, const char *file, mcsec_ck_pos_t pos, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (mcsec_diag_addf(ck->diags, file ? file : ck->policy->source_path, pos.line, pos.col, "%s",
                        message) != MCSEC_OK)
        ck->rc = MCSEC_ERR_NOMEM;
    else if (ck->rc == MCSEC_OK)
        ck->rc = MCSEC_ERR_INVALID;
}

void mcsec_ck_warn(mcsec_ck_t *ck, const char *file, mcsec_ck_pos_t pos, const char *fmt, ...)
{
    if (!ck->opts->warnings)
        return;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (mcsec_diag_addf(ck->opts->warnings, file ? file : ck->policy->source_path, pos.line,
                        pos.col, "%s", message) != MCSEC_OK)
        ck->rc = MCSEC_ERR_NOMEM;
}

/* Reads "N: " at text; returns the text after it and sets *line, or NULL. */
static const char *after_line_number(const char *text, unsigned *line)
{
    char *end = NULL;
    if (!isdigit((unsigned char)text[0]))
        return NULL;
    unsigned long n = strtoul(text, &end, 10);
    if (end[0] != ':' || end[1] != ' ' || n == 0 || n > 0xffffffUL)
        return NULL;
    *line = (unsigned)n;
    return end + 2;
}

void mcsec_ck_say_keyfile(mcsec_ck_t *ck, const char *path, const char *why, const char *what)
{
    size_t n = strlen(path);
    unsigned line = 0;
    const char *rest = NULL;
    if (why[0] == '\0')
        why = "refused";
    if (strncmp(why, path, n) == 0 && why[n] == ':') {
        rest = after_line_number(why + n + 1, &line);
        if (!rest)
            rest = why[n + 1] == ' ' ? why + n + 2 : why + n + 1;
    } else if (strncmp(why, "line ", 5) == 0) {
        rest = after_line_number(why + 5, &line);
    }
    mcsec_ck_say(ck, path, (mcsec_ck_pos_t){line, 0}, "%s: %s", what, rest ? rest : why);
}

mcsec_ck_pos_t mcsec_ck_system_keys_pos(const mcsec_ck_t *ck)
{
    return (mcsec_ck_pos_t){ck->policy->system.keys.line, ck->policy->system.keys.col};
}

static bool set(const char *s)
{
    return s && s[0];
}

static mcsec_ck_pos_t partner_pos(const mcsec_partner_t *p)
{
    return (mcsec_ck_pos_t){p->line, p->col};
}

/* One XML protection object over the SPK file, as the module builds it
 * (kamailio-mod-mcsec/mcsec_spk_keys.c): the store, then the object with
 * identity as P0. */
static void check_spk(mcsec_ck_t *ck, const char *path, const char *identity,
                      const mcsec_strlist_t *elements, const mcsec_strlist_t *signed_types,
                      mcsec_ck_pos_t pos, const char *what)
{
    char why[512] = "";
    mcsec_keystore_t *store = NULL;
    mcsec_err_t rc = mcsec_keystore_load_spk(path, &store, why, sizeof(why));
    if (rc != MCSEC_OK) {
        mcsec_ck_say_keyfile(ck, path, why[0] ? why : mcsec_err_str(rc), what);
        return;
    }
    mcsec_xmlprot_conf_t conf;
    memset(&conf, 0, sizeof(conf));
    conf.keys = store;
    conf.identity = identity;
    if (elements && elements->count > 0) {
        conf.elements = (const char *const *)elements->items;
        conf.element_count = elements->count;
    }
    if (signed_types && signed_types->count > 0) {
        conf.signed_types = (const char *const *)signed_types->items;
        conf.signed_type_count = signed_types->count;
    }
    mcsec_xmlprot_t *prot = NULL;
    rc = set(identity) ? mcsec_xmlprot_create(&conf, &prot) : MCSEC_ERR_ARG;
    if (rc != MCSEC_OK)
        mcsec_ck_say(ck, NULL, pos, "%s %s: cannot derive the keys for '%s': %s", what, path,
                     identity ? identity : "(no identity)", mcsec_err_str(rc));
    mcsec_xmlprot_destroy(prot);
    mcsec_keystore_destroy(store);
}

static void check_spks(mcsec_ck_t *ck)
{
    const mcsec_policy_t *policy = ck->policy;
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *p = &policy->partners[i];
        if (p->spk.mode == MCSEC_SPK_OFF)
            continue;
        char what[160];
        snprintf(what, sizeof(what), "partner '%s' keys.spk", p->name);
        if (!set(p->keys.spk)) {
            mcsec_ck_say(ck, NULL, partner_pos(p), "%s: spk.mode is not off but no SPK file is set",
                         what);
            continue;
        }
        /* Egress signs as us, ingress verifies as the partner; the store is
         * the same file, so a key problem is said once. */
        size_t before = ck->diags->count;
        check_spk(ck, p->keys.spk, policy->system.identity, &p->spk.elements, &p->spk.signed_types,
                  partner_pos(p), what);
        if (ck->diags->count == before)
            check_spk(ck, p->keys.spk, p->identity, &p->spk.elements, &p->spk.signed_types,
                      partner_pos(p), what);
    }
    if (set(policy->system.keys.spk))
        check_spk(ck, policy->system.keys.spk, policy->system.spk_internal_identity, NULL, NULL,
                  mcsec_ck_system_keys_pos(ck), "system.keys.spk");
}

/* The topology context as kamailio-mod-mcsec/mcsec_topo_ctx.c builds it. */
static void check_topology(mcsec_ck_t *ck)
{
    const mcsec_system_t *sys = &ck->policy->system;
    if (!set(sys->keys.topology))
        return;
    if (!set(sys->topology_host)) {
        mcsec_ck_say(ck, NULL, mcsec_ck_system_keys_pos(ck),
                     "system.keys.topology: the policy names no topology host");
        return;
    }
    mcsec_topo_config_t config;
    memset(&config, 0, sizeof(config));
    config.border_host = (mcsec_str_t){sys->topology_host, strlen(sys->topology_host)};
    config.prev_key_validity = sys->topology_previous_validity;
    char why[512] = "";
    mcsec_topo_t *topo = NULL;
    mcsec_err_t rc = mcsec_topo_create(sys->keys.topology, &config, &topo, why, sizeof(why));
    if (rc != MCSEC_OK)
        mcsec_ck_say_keyfile(ck, sys->keys.topology, why[0] ? why : mcsec_err_str(rc),
                             "system.keys.topology");
    mcsec_topo_destroy(topo);
}

/* A KMS public file as both proxies load it: parsed, KPAK a P-256 point. */
static bool check_kms(mcsec_ck_t *ck, const char *path, const char *what)
{
    char why[512] = "";
    mcsec_kms_pub_t pub;
    mcsec_err_t rc = mcsec_kms_pub_read(path, &pub, why, sizeof(why));
    if (rc != MCSEC_OK) {
        mcsec_ck_say_keyfile(ck, path, why[0] ? why : mcsec_err_str(rc), what);
        return false;
    }
    mcsec_eccsi_pub_t *kpak = NULL;
    if (mcsec_eccsi_pub_new(pub.kpak, &kpak) != MCSEC_OK) {
        mcsec_ck_say(ck, path, (mcsec_ck_pos_t){0, 0}, "%s: the KPAK is not a valid P-256 point",
                     what);
        return false;
    }
    mcsec_eccsi_pub_free(kpak);
    /* A KMS certificate's validity (mcsecctl kms import): outside it the
     * KMS is refused; near its end, a warning. */
    if (pub.has_validity) {
        char from[32] = "?", to[32] = "?";
        (void)mcsec_kms_time_format(pub.valid_from, from, sizeof(from));
        (void)mcsec_kms_time_format(pub.valid_to, to, sizeof(to));
        if (ck->now < pub.valid_from || ck->now >= pub.valid_to) {
            mcsec_ck_say(ck, path, (mcsec_ck_pos_t){0, 0},
                         "%s: the KMS certificate is valid from %s to %s, not now", what, from, to);
            return false;
        }
        int64_t days = (pub.valid_to - ck->now) / 86400;
        if (days < (int64_t)ck->policy->system.expiry_warning_days)
            mcsec_ck_warn(ck, path, (mcsec_ck_pos_t){0, 0},
                          "%s: the KMS certificate expires on %s (%" PRId64 " days left)", what, to,
                          days);
    }
    return true;
}

/* The border's ECCSI signing keys as both proxies build them
 * (mcsec_eccsi_keyset_load in kamailio-mod-mcsec/mcsec_ear_keys.c and
 * http-proxy/state.c): every key period's keys must load, the current
 * period's must be there (mcsec_ear_sign_as_border, ear_sign_border.c),
 * and the next period's are due within system.expiry_warning_days of the
 * boundary (a warning, or a problem with opts->require_next_keys). */
static void check_signer(mcsec_ck_t *ck, const char *dir)
{
    const mcsec_system_t *sys = &ck->policy->system;
    mcsec_ck_pos_t pos = mcsec_ck_system_keys_pos(ck);
    const char *identity = set(sys->ear_sign_identity) ? sys->ear_sign_identity : sys->identity;
    char why[768] = "";
    mcsec_eccsi_keyset_t keys;
    if (!identity) {
        mcsec_ck_say(ck, NULL, pos, "system.keys.signing %s: no identity to sign as", dir);
        return;
    }
    if (mcsec_eccsi_keyset_load(dir, identity, &keys, why, sizeof(why)) != MCSEC_OK) {
        mcsec_ck_say(ck, NULL, pos, "system.keys.signing %s: unusable signing keys: %s", dir, why);
        return;
    }
    const mcsec_keyset_entry_t *now = mcsec_eccsi_keyset_at(&keys, ck->now);
    if (!now) {
        const mcsec_keyset_entry_t *last = &keys.entries[keys.count - 1];
        uint64_t period = 0;
        (void)mcsec_key_period_number(ck->now, last->kms.key_period, last->kms.key_offset, &period);
        mcsec_ck_say(ck, NULL, pos,
                     "system.keys.signing %s: no keys for the current key period %" PRIu64
                     " (newest: %" PRIu64 "; mcsecctl kms issue --period 0)",
                     dir, period, last->period);
    } else if (!mcsec_eccsi_keyset_at(&keys, now->end) &&
               now->end - ck->now <= (int64_t)sys->expiry_warning_days * 86400) {
        char text[1024];
        snprintf(text, sizeof(text),
                 "system.keys.signing %s: key period %" PRIu64 " ends in %" PRId64
                 " s and there are no keys for the next one (mcsecctl kms issue --period 1)",
                 dir, now->period, now->end - ck->now);
        if (ck->opts->require_next_keys)
            mcsec_ck_say(ck, NULL, pos, "%s", text);
        else
            mcsec_ck_warn(ck, NULL, pos, "%s", text);
    }
    mcsec_eccsi_keyset_free(&keys);
}

/* EAR (explicit partners) and GMK (checking partners) KMS keys, and the
 * border's own keys, as both proxies load them: our kms.pub
 * (system.keys.signing) for any explicit partner (egress EARs of our
 * servers are checked under it), the signer and its key period only when
 * an explicit partner has ear.sign_on_behalf (only then is it built and
 * used; an unused signer past its period must not stop a start). */
static void check_ibc(mcsec_ck_t *ck)
{
    const mcsec_policy_t *policy = ck->policy;
    const mcsec_system_t *sys = &policy->system;
    const mcsec_partner_t *first_explicit = NULL;
    bool any_gmk = false, any_sign = false;
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *p = &policy->partners[i];
        bool ear = p->auth == MCSEC_AUTH_EXPLICIT;
        bool gmk = p->gmk.transfer == MCSEC_GMK_TRANSFER_CHECK;
        if (ear && !first_explicit)
            first_explicit = p;
        any_sign = any_sign || (ear && p->ear.sign_on_behalf);
        any_gmk = any_gmk || gmk;
        if (!ear && !gmk)
            continue;
        char what[160];
        snprintf(what, sizeof(what), "partner '%s' keys.kms", p->name);
        if (!set(p->keys.kms))
            mcsec_ck_say(ck, NULL, partner_pos(p), "%s: auth explicit or gmk needs a KMS file",
                         what);
        else
            check_kms(ck, p->keys.kms, what);
        for (size_t k = 0; ear && k < p->keys.kms_more_count; k++)
            check_kms(ck, p->keys.kms_more[k], what);
    }
    if (first_explicit && !set(sys->keys.signing)) {
        mcsec_ck_say(ck, NULL, partner_pos(first_explicit),
                     "partner '%s' is explicit but system.keys.signing is not set (our KMS "
                     "and signing keys: egress EARs cannot be checked or signed)",
                     first_explicit->name);
    } else if (first_explicit) {
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/kms.pub", sys->keys.signing);
        if (n < 0 || (size_t)n >= sizeof(path))
            mcsec_ck_say(ck, NULL, mcsec_ck_system_keys_pos(ck),
                         "system.keys.signing: path too long");
        else if (check_kms(ck, path, "system.keys.signing kms.pub") && any_sign)
            check_signer(ck, sys->keys.signing);
    }
    if (any_gmk) {
        if (!set(sys->gmk.kms))
            mcsec_ck_say(ck, NULL, mcsec_ck_system_keys_pos(ck),
                         "a partner checks GMK transfers but system.gmk.kms is not set");
        else
            check_kms(ck, sys->gmk.kms, "system.gmk.kms");
    }
}

/* One module replay cache: two tables (the live one and the rebuild spare)
 * of the capacity its bound needs (kamailio-mod-mcsec/mcsec_shm_replay.c). */
static uint64_t cache_bytes(size_t bound)
{
    if (bound > MCSEC_REPLAY_MAX_ENTRIES)
        bound = MCSEC_REPLAY_MAX_ENTRIES;
    if (bound == 0)
        return 0;
    return 2u * (uint64_t)mcsec_replay_table_capacity(bound) * sizeof(mcsec_replay_slot_t);
}

uint64_t mcsec_config_cache_shm_bytes(const mcsec_policy_t *policy)
{
    return cache_bytes(policy->system.ear_replay_entries) +
           cache_bytes(policy->system.gmk.replay_entries);
}

/* The module's replay caches against Kamailio's shared memory: they may
 * take half of it, the rest is Kamailio's own. */
static void check_shm(mcsec_ck_t *ck)
{
    uint64_t shm = ck->opts->shm_bytes;
    if (shm == 0)
        return;
    uint64_t need = mcsec_config_cache_shm_bytes(ck->policy);
    if (need > shm / 2) {
        const mcsec_system_t *sys = &ck->policy->system;
        mcsec_ck_say(ck, NULL, (mcsec_ck_pos_t){0, 0},
                     "replay caches (ear.replay_entries %zu, gmk.replay_entries %zu) need %" PRIu64
                     " MB of shared memory, more than half of the %" PRIu64 " MB kamailio gets%s%s",
                     sys->ear_replay_entries, sys->gmk.replay_entries, (need + 1048575) >> 20,
                     shm >> 20, ck->opts->shm_source ? " from " : "",
                     ck->opts->shm_source ? ck->opts->shm_source : "");
    }
}

/* Certificates that expire within system.expiry_warning_days: a warning
 * each (KMS certificates and signing keys are warned about where they are
 * checked). */
static void warn_expiry(mcsec_ck_t *ck)
{
    if (!ck->opts->warnings)
        return;
    mcsec_expiry_list_t list;
    if (mcsec_config_expiry(ck->policy, ck->now, &list) != MCSEC_OK) {
        ck->rc = MCSEC_ERR_NOMEM;
        return;
    }
    for (size_t i = 0; i < list.count; i++) {
        const mcsec_expiry_item_t *item = &list.items[i];
        char date[32] = "?";
        (void)mcsec_kms_time_format(item->expires, date, sizeof(date));
        if (item->kind == MCSEC_EXPIRY_CERT && item->days_left >= 0 &&
            item->days_left < (int64_t)ck->policy->system.expiry_warning_days)
            mcsec_ck_warn(ck, item->path, (mcsec_ck_pos_t){0, 0},
                          "%s expires on %s (%" PRId64 " days left)", item->what, date,
                          item->days_left);
    }
    mcsec_expiry_list_free(&list);
}

mcsec_err_t mcsec_config_check(const mcsec_policy_t *policy, const mcsec_config_check_opts_t *opts,
                               mcsec_diag_list_t *diags)
{
    if (!policy || !diags)
        return MCSEC_ERR_ARG;
    static const mcsec_config_check_opts_t none = {0, 0, NULL, NULL, false};
    mcsec_ck_t ck = {policy, opts ? opts : &none, 0, diags, MCSEC_OK};
    ck.now = ck.opts->now != 0 ? ck.opts->now : (int64_t)time(NULL);
    check_spks(&ck);
    check_topology(&ck);
    check_ibc(&ck);
    mcsec_ck_tls(&ck);
    check_shm(&ck);
    warn_expiry(&ck);
    return ck.rc;
}
