/* Signing keys for several key periods: see mcsec/ibc/keyset.h. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mcsec/ibc/keyset.h"
#include "mcsec/ibc/uid.h"

static void say(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t why_size, const char *fmt, ...)
{
    if (why != NULL && why_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_size, fmt, ap);
        va_end(ap);
    }
}

mcsec_err_t mcsec_eccsi_keyset_add(mcsec_eccsi_keyset_t *set, const mcsec_eccsi_keydir_t *keys,
                                   char *why, size_t why_size)
{
    if (set == NULL || keys == NULL) {
        return MCSEC_ERR_ARG;
    }
    if (set->count > 0 && strcmp(set->uri, keys->uri) != 0) {
        say(why, why_size, "keys for %s next to keys for another identity (period %" PRIu64 ")",
            keys->uri, keys->key_period_number);
        return MCSEC_ERR_INVALID;
    }
    if (set->count == MCSEC_KEYSET_MAX) {
        say(why, why_size, "more than 16 key periods for %s (period %" PRIu64 ")", keys->uri,
            keys->key_period_number);
        return MCSEC_ERR_INVALID;
    }
    mcsec_keyset_entry_t entry;
    memset(&entry, 0, sizeof(entry));
    entry.period = keys->key_period_number;
    entry.kms = keys->kms;
    uint8_t uid[MCSEC_UID_LEN];
    if (mcsec_key_period_end(entry.period, entry.kms.key_period, entry.kms.key_offset,
                             &entry.end) != MCSEC_OK ||
        mcsec_uid_compute(keys->uri, strlen(keys->uri), entry.kms.kms_uri,
                          strlen(entry.kms.kms_uri), entry.kms.key_period, entry.kms.key_offset,
                          entry.period, uid) != MCSEC_OK ||
        mcsec_eccsi_signer_new(entry.kms.kpak, uid, sizeof(uid), keys->ssk, keys->pvt,
                               &entry.signer) != MCSEC_OK) {
        say(why, why_size, "keys for %s, key period %" PRIu64 ", fail the RFC 6507 key check",
            keys->uri, entry.period);
        return MCSEC_ERR_INVALID;
    }
    entry.start = entry.end - (int64_t)entry.kms.key_period;
    for (size_t i = 0; i < set->count; i++) {
        /* Two entries whose periods overlap in time (the same number, or
         * two KMS parameter sets covering the same seconds). */
        if (entry.start < set->entries[i].end && set->entries[i].start < entry.end) {
            mcsec_eccsi_signer_free(entry.signer);
            say(why, why_size, "two key sets for %s cover the time of key period %" PRIu64,
                keys->uri, entry.period);
            return MCSEC_ERR_INVALID;
        }
    }
    size_t at = set->count;
    while (at > 0 && set->entries[at - 1].start > entry.start) {
        set->entries[at] = set->entries[at - 1];
        at--;
    }
    set->entries[at] = entry;
    set->count++;
    snprintf(set->uri, sizeof(set->uri), "%s", keys->uri);
    return MCSEC_OK;
}

/* Reads one key directory and adds it; expected is the period number its
 * name gives (UINT64_MAX for the single-period layout). */
static mcsec_err_t add_dir(mcsec_eccsi_keyset_t *set, const char *path, const char *identity,
                           uint64_t expected, char *why, size_t why_size)
{
    mcsec_eccsi_keydir_t keys;
    char inner[256] = "";
    mcsec_err_t err = mcsec_eccsi_keydir_read(path, &keys, inner, sizeof(inner));
    if (err != MCSEC_OK) {
        if (why != NULL && why_size > 0) {
            snprintf(why, why_size, "%s", inner);
        }
        return err;
    }
    if (identity != NULL && strcmp(keys.uri, identity) != 0) {
        if (why != NULL && why_size > 0) {
            snprintf(why, why_size, "%s: keys are for %s, not for %s", path, keys.uri, identity);
        }
        err = MCSEC_ERR_INVALID;
    } else if (expected != UINT64_MAX && keys.key_period_number != expected) {
        if (why != NULL && why_size > 0) {
            snprintf(why, why_size, "%s: its signer file says key period %" PRIu64, path,
                     keys.key_period_number);
        }
        err = MCSEC_ERR_INVALID;
    } else {
        err = mcsec_eccsi_keyset_add(set, &keys, inner, sizeof(inner));
        if (err != MCSEC_OK && why != NULL && why_size > 0) {
            snprintf(why, why_size, "%s: %s", path, inner);
        }
    }
    mcsec_eccsi_keydir_clear(&keys);
    return err;
}

/* "period-<digits>" -> the number; 0 when name is not such a name. */
static int period_name(const char *name, uint64_t *number)
{
    const size_t plen = strlen(MCSEC_KEYSET_SUBDIR_PREFIX);
    if (strncmp(name, MCSEC_KEYSET_SUBDIR_PREFIX, plen) != 0 || name[plen] < '0' ||
        name[plen] > '9') {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(name + plen, &end, 10);
    if (errno != 0 || *end != '\0') {
        return 0;
    }
    *number = v;
    return 1;
}

mcsec_err_t mcsec_eccsi_keyset_load(const char *dir, const char *identity,
                                    mcsec_eccsi_keyset_t *set, char *why, size_t why_size)
{
    if (dir == NULL || set == NULL) {
        return MCSEC_ERR_ARG;
    }
    memset(set, 0, sizeof(*set));
    char path[4096];
    struct stat st;
    mcsec_err_t err = MCSEC_OK;
    /* The single-period layout: a signer file in dir itself. */
    int n = snprintf(path, sizeof(path), "%s/signer", dir);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return MCSEC_ERR_ARG;
    }
    if (stat(path, &st) == 0) {
        err = add_dir(set, dir, identity, UINT64_MAX, why, why_size);
    }
    DIR *d = err == MCSEC_OK ? opendir(dir) : NULL;
    if (err == MCSEC_OK && d == NULL) {
        if (why != NULL && why_size > 0) {
            snprintf(why, why_size, "cannot open the signing directory '%s'", dir);
        }
        err = MCSEC_ERR_IO;
    }
    for (struct dirent *e = d ? readdir(d) : NULL; err == MCSEC_OK && e != NULL; e = readdir(d)) {
        uint64_t number = 0;
        if (!period_name(e->d_name, &number)) {
            continue;
        }
        n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            err = MCSEC_ERR_ARG;
        } else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            err = add_dir(set, path, identity, number, why, why_size);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    if (err == MCSEC_OK && set->count == 0) {
        if (why != NULL && why_size > 0) {
            snprintf(why, why_size, "no signing keys in '%s' (mcsecctl kms issue --period N)", dir);
        }
        err = MCSEC_ERR_INVALID;
    }
    if (err != MCSEC_OK) {
        mcsec_eccsi_keyset_free(set);
    }
    return err;
}

const mcsec_keyset_entry_t *mcsec_eccsi_keyset_at(const mcsec_eccsi_keyset_t *set, int64_t now)
{
    if (set == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < set->count; i++) {
        if (set->entries[i].start <= now && now < set->entries[i].end) {
            return &set->entries[i];
        }
    }
    return NULL;
}

void mcsec_eccsi_keyset_free(mcsec_eccsi_keyset_t *set)
{
    if (set == NULL) {
        return;
    }
    for (size_t i = 0; i < set->count; i++) {
        mcsec_eccsi_signer_free(set->entries[i].signer);
    }
    memset(set, 0, sizeof(*set));
}
