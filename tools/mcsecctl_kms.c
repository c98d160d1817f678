/* mcsecctl kms init|issue: a test KMS for ECCSI signing keys (RFC 6507),
 * for tests, the demo and operators without a KMS at hand. Keys are issued
 * for the 3GPP UID of a URI in a key period (docs/profile.md sections 3 and 4).
 * kms import: a real KMS's certificate (TS 33.180 Annex D) as a kms.pub. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/keyset.h"
#include "mcsec/ibc/kms_cert.h"
#include "mcsec/ibc/kms_keyprov.h"
#include "mcsec/ibc/uid.h"
#include "mcsecctl.h"

#define DEFAULT_KEY_PERIOD 2592000 /* 30 days */

static int parse_seconds(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v > (1ULL << 40)) {
        return 0;
    }
    *out = v;
    return 1;
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "mcsecctl: cannot create '%s'\n", dir);
        return 0;
    }
    return 1;
}

static int kms_init(int argc, char **argv)
{
    static const char *const names[] = {"--out", "--kms-uri", "--key-period", "--key-offset", NULL};
    const char *out = mcsecctl_opt(argc, argv, "--out");
    const char *uri = mcsecctl_opt(argc, argv, "--kms-uri");
    const char *period = mcsecctl_opt(argc, argv, "--key-period");
    const char *offset = mcsecctl_opt(argc, argv, "--key-offset");
    mcsec_kms_pub_t pub;
    memset(&pub, 0, sizeof(pub));
    pub.key_period = DEFAULT_KEY_PERIOD;
    if (!mcsecctl_opts_known(argc, argv, names) || out == NULL || uri == NULL ||
        (period != NULL && (!parse_seconds(period, &pub.key_period) || pub.key_period == 0)) ||
        (offset != NULL && !parse_seconds(offset, &pub.key_offset)) ||
        strlen(uri) > MCSEC_KMS_URI_MAX) {
        fprintf(stderr, "usage: mcsecctl kms init --out DIR --kms-uri URI [--key-period S] "
                        "[--key-offset S]\n");
        return MCSECCTL_USAGE;
    }
    if (pub.key_offset >= pub.key_period) {
        fprintf(stderr, "mcsecctl: --key-offset must be less than --key-period\n");
        return MCSECCTL_USAGE;
    }
    snprintf(pub.kms_uri, sizeof(pub.kms_uri), "%s", uri);
    if (!make_dir(out)) {
        return MCSECCTL_FAIL;
    }
    char path[4096];
    uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN];
    mcsec_err_t err = mcsec_eccsi_kms_generate(ksak, pub.kpak);
    snprintf(path, sizeof(path), "%s/ksak", out);
    if (err == MCSEC_OK) {
        err = mcsec_keyfile_write_hex(path, 1, 1, ksak, sizeof(ksak));
        if (err == MCSEC_ERR_INVALID) {
            fprintf(stderr, "mcsecctl: '%s' exists: a KSAK is never overwritten\n", path);
        }
    }
    OPENSSL_cleanse(ksak, sizeof(ksak));
    if (err == MCSEC_OK) {
        snprintf(path, sizeof(path), "%s/kms.pub", out);
        err = mcsec_kms_pub_write(path, &pub);
    }
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: kms init: %s\n", mcsec_err_str(err));
        return MCSECCTL_FAIL;
    }
    printf("%s/ksak (secret, 0600)\n%s/kms.pub\n", out, out);
    return MCSECCTL_OK;
}

/* Writes DIR/kms.pub next to the period subdirectories when it is not
 * there yet: the proxies check our servers' EARs under it. An existing one
 * is kept (a KMS change is the operator's step, docs/ear.md). */
static mcsec_err_t write_top_kms(const char *out, const mcsec_kms_pub_t *kms)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/kms.pub", out);
    if (stat(path, &st) == 0) {
        mcsec_kms_pub_t old;
        if (mcsec_kms_pub_read(path, &old, NULL, 0) != MCSEC_OK ||
            memcmp(old.kpak, kms->kpak, sizeof(old.kpak)) != 0) {
            fprintf(stderr, "mcsecctl: note: %s is kept; it differs from this KMS's\n", path);
        }
        return MCSEC_OK;
    }
    return mcsec_kms_pub_write(path, kms);
}

/* The key period number to issue for: --period N (relative, 0 = current,
 * 1 = next, ... up to MCSEC_KEYSET_MAX - 1), --period-number N (absolute,
 * not in the past) or, with neither, the current one. *layout is 1 when
 * one of them was given (the per-period layout, ibc/keyset.h). */
static int pick_period(const char *rel, const char *abs, const mcsec_kms_pub_t *kms,
                       uint64_t *number, int *layout)
{
    uint64_t now = 0, value = 0;
    *layout = rel != NULL || abs != NULL;
    if (rel != NULL && abs != NULL) {
        fprintf(stderr, "mcsecctl: give --period or --period-number, not both\n");
        return 0;
    }
    if (mcsec_key_period_number((int64_t)time(NULL), kms->key_period, kms->key_offset, &now) !=
        MCSEC_OK) {
        fprintf(stderr, "mcsecctl: the clock is before the KMS's first key period\n");
        return 0;
    }
    if (rel != NULL && (!parse_seconds(rel, &value) || value >= MCSEC_KEYSET_MAX)) {
        fprintf(stderr, "mcsecctl: --period is 0 (current) to %d periods ahead\n",
                MCSEC_KEYSET_MAX - 1);
        return 0;
    }
    if (abs != NULL && (!parse_seconds(abs, &value) || value < now)) {
        fprintf(stderr, "mcsecctl: --period-number must be a number, not before %" PRIu64 "\n",
                now);
        return 0;
    }
    *number = abs != NULL ? value : now + value;
    return 1;
}

static int kms_issue(int argc, char **argv)
{
    static const char *const names[] = {"--kms",           "--id", "--out", "--period",
                                        "--period-number", NULL};
    const char *kms_dir = mcsecctl_opt(argc, argv, "--kms");
    const char *id = mcsecctl_opt(argc, argv, "--id");
    const char *out = mcsecctl_opt(argc, argv, "--out");
    const char *rel = mcsecctl_opt(argc, argv, "--period");
    const char *abs = mcsecctl_opt(argc, argv, "--period-number");
    if (!mcsecctl_opts_known(argc, argv, names) || kms_dir == NULL || id == NULL || out == NULL) {
        fprintf(stderr, "usage: mcsecctl kms issue --kms DIR --id URI --out DIR [--period N | "
                        "--period-number N]\n");
        return MCSECCTL_USAGE;
    }
    char path[4096], why[256] = "";
    uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN], kpak[MCSEC_ECCSI_POINT_LEN], uid[MCSEC_UID_LEN];
    mcsec_eccsi_keydir_t keys;
    memset(&keys, 0, sizeof(keys));
    if (strlen(id) >= sizeof(keys.uri)) {
        fprintf(stderr, "mcsecctl: --id is too long\n");
        return MCSECCTL_USAGE;
    }
    snprintf(keys.uri, sizeof(keys.uri), "%s", id);
    snprintf(path, sizeof(path), "%s/kms.pub", kms_dir);
    mcsec_err_t err = mcsec_kms_pub_read(path, &keys.kms, why, sizeof(why));
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s: %s\n", path, why);
        return MCSECCTL_FAIL;
    }
    snprintf(path, sizeof(path), "%s/ksak", kms_dir);
    err = mcsec_keyfile_read_hex(path, 1, ksak, sizeof(ksak));
    if (err == MCSEC_OK) {
        err = mcsec_eccsi_kms_kpak(ksak, kpak);
    }
    if (err == MCSEC_OK && memcmp(kpak, keys.kms.kpak, sizeof(kpak)) != 0) {
        fprintf(stderr, "mcsecctl: %s does not belong to %s/kms.pub\n", path, kms_dir);
        err = MCSEC_ERR_INVALID;
    }
    int layout = 0;
    if (err == MCSEC_OK && !pick_period(rel, abs, &keys.kms, &keys.key_period_number, &layout)) {
        OPENSSL_cleanse(ksak, sizeof(ksak));
        return MCSECCTL_USAGE;
    }
    if (err == MCSEC_OK) {
        err = mcsec_uid_compute(id, strlen(id), keys.kms.kms_uri, strlen(keys.kms.kms_uri),
                                keys.kms.key_period, keys.kms.key_offset, keys.key_period_number,
                                uid);
    }
    if (err == MCSEC_OK) {
        err = mcsec_eccsi_kms_issue(ksak, uid, sizeof(uid), keys.ssk, keys.pvt);
    }
    OPENSSL_cleanse(ksak, sizeof(ksak));
    if (err == MCSEC_OK) {
        /* Self-check (RFC 6507 5.1.2) before anything is written. */
        mcsec_eccsi_signer_t *signer = NULL;
        err = mcsec_eccsi_signer_new(keys.kms.kpak, uid, sizeof(uid), keys.ssk, keys.pvt, &signer);
        mcsec_eccsi_signer_free(signer);
    }
    char sub[4096];
    snprintf(sub, sizeof(sub), "%s", out);
    if (err == MCSEC_OK && layout) {
        int n = snprintf(sub, sizeof(sub), "%s/" MCSEC_KEYSET_SUBDIR_PREFIX "%" PRIu64, out,
                         keys.key_period_number);
        err = n > 0 && (size_t)n < sizeof(sub) && make_dir(out) ? write_top_kms(out, &keys.kms)
                                                                : MCSEC_ERR_IO;
    }
    if (err == MCSEC_OK) {
        err = make_dir(sub) ? mcsec_eccsi_keydir_write(sub, &keys) : MCSEC_ERR_IO;
    }
    uint64_t number = keys.key_period_number;
    mcsec_eccsi_keydir_clear(&keys);
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: kms issue: %s\n", mcsec_err_str(err));
        return MCSECCTL_FAIL;
    }
    printf("%s: ssk, pvt, kms.pub, signer for %s (key period %" PRIu64 ")\n", sub, id, number);
    return MCSECCTL_OK;
}

/* Reads a whole file (at most 1 MB) into a NUL-terminated buffer. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1024 * 1024 + 1;
    char *buf = malloc(cap);
    size_t n = buf != NULL ? fread(buf, 1, cap - 1, f) : 0;
    int bad = buf == NULL || ferror(f) || n == cap - 1;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int kms_import(int argc, char **argv)
{
    static const char *const names[] = {"--cert", "--out", NULL};
    const char *cert = mcsecctl_opt(argc, argv, "--cert");
    const char *out = mcsecctl_opt(argc, argv, "--out");
    if (!mcsecctl_opts_known(argc, argv, names) || cert == NULL || out == NULL) {
        fprintf(stderr, "usage: mcsecctl kms import --cert FILE.xml --out KMS.pub\n");
        return MCSECCTL_USAGE;
    }
    size_t len = 0;
    char *xml = read_all(cert, &len);
    if (xml == NULL) {
        fprintf(stderr, "mcsecctl: cannot read '%s' (or it is over 1 MB)\n", cert);
        return MCSECCTL_FAIL;
    }
    mcsec_kms_pub_t pub;
    char why[512] = "";
    mcsec_err_t err = mcsec_kms_cert_parse(xml, len, (int64_t)time(NULL), &pub, why, sizeof(why));
    free(xml);
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s: %s\n", cert, why[0] ? why : mcsec_err_str(err));
        return MCSECCTL_FAIL;
    }
    err = mcsec_kms_pub_write(out, &pub);
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: cannot write '%s': %s\n", out, mcsec_err_str(err));
        return MCSECCTL_FAIL;
    }
    char to[32] = "?";
    (void)mcsec_kms_time_format(pub.valid_to, to, sizeof(to));
    printf("%s: KMS %s, key period %" PRIu64 " s, valid to %s\n", out, pub.kms_uri, pub.key_period,
           to);
    return MCSECCTL_OK;
}

/* The border's own keys from a KmsKeyProv response (TS 33.180 Annex D):
 * one SIGNING/period-N directory per KmsKeySet, kms.pub next to them. */
static int kms_import_keys(int argc, char **argv)
{
    static const char *const names[] = {"--keyprov", "--kms-pub", "--transport-key",
                                        "--id",      "--out",     NULL};
    const char *file = mcsecctl_opt(argc, argv, "--keyprov");
    const char *kms_path = mcsecctl_opt(argc, argv, "--kms-pub");
    const char *tk_path = mcsecctl_opt(argc, argv, "--transport-key");
    const char *id = mcsecctl_opt(argc, argv, "--id");
    const char *out = mcsecctl_opt(argc, argv, "--out");
    if (!mcsecctl_opts_known(argc, argv, names) || file == NULL || kms_path == NULL || id == NULL ||
        out == NULL) {
        fprintf(stderr, "usage: mcsecctl kms import-keys --keyprov FILE.xml --kms-pub KMS.pub "
                        "[--transport-key FILE] --id URI --out DIR\n");
        return MCSECCTL_USAGE;
    }
    char why[512] = "";
    mcsec_kms_pub_t kms;
    if (mcsec_kms_pub_read(kms_path, &kms, why, sizeof(why)) != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s: %s\n", kms_path, why);
        return MCSECCTL_FAIL;
    }
    uint8_t tk[32];
    size_t tk_len = 0;
    if (tk_path != NULL) {
        if (mcsec_keyfile_read_hex(tk_path, 1, tk, 32) == MCSEC_OK) {
            tk_len = 32;
        } else if (mcsec_keyfile_read_hex(tk_path, 1, tk, 16) == MCSEC_OK) {
            tk_len = 16;
        } else {
            fprintf(stderr, "mcsecctl: %s: not a 16 or 32 octet hex key of mode 0600\n", tk_path);
            return MCSECCTL_FAIL;
        }
    }
    size_t len = 0, count = 0;
    char *xml = read_all(file, &len);
    if (xml == NULL) {
        OPENSSL_cleanse(tk, sizeof(tk));
        fprintf(stderr, "mcsecctl: cannot read '%s' (or it is over 1 MB)\n", file);
        return MCSECCTL_FAIL;
    }
    mcsec_eccsi_keydir_t *sets = calloc(MCSEC_KEYSET_MAX, sizeof(*sets));
    mcsec_err_t err =
        sets == NULL ? MCSEC_ERR_NOMEM
                     : mcsec_kms_keyprov_parse(xml, len, &kms, tk_len ? tk : NULL, tk_len, id, sets,
                                               MCSEC_KEYSET_MAX, &count, why, sizeof(why));
    OPENSSL_cleanse(xml, len);
    free(xml);
    OPENSSL_cleanse(tk, sizeof(tk));
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s: %s\n", file, why[0] ? why : mcsec_err_str(err));
        free(sets);
        return MCSECCTL_FAIL;
    }
    err = make_dir(out) ? write_top_kms(out, &kms) : MCSEC_ERR_IO;
    for (size_t i = 0; err == MCSEC_OK && i < count; i++) {
        char sub[4096];
        snprintf(sub, sizeof(sub), "%s/" MCSEC_KEYSET_SUBDIR_PREFIX "%" PRIu64, out,
                 sets[i].key_period_number);
        err = make_dir(sub) ? mcsec_eccsi_keydir_write(sub, &sets[i]) : MCSEC_ERR_IO;
        if (err == MCSEC_OK) {
            printf("%s: ssk, pvt, kms.pub, signer for %s (key period %" PRIu64 ")\n", sub, id,
                   sets[i].key_period_number);
        }
    }
    for (size_t i = 0; i < MCSEC_KEYSET_MAX; i++) {
        mcsec_eccsi_keydir_clear(&sets[i]);
    }
    free(sets);
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: kms import-keys: %s\n", mcsec_err_str(err));
        return MCSECCTL_FAIL;
    }
    return MCSECCTL_OK;
}

static const mcsecctl_cmd_t kms_cmds[] = {
    {"init", "--out DIR --kms-uri URI [--key-period S] [--key-offset S]",
     "new test KMS: secret KSAK (DIR/ksak, 0600) and the public file DIR/kms.pub", kms_init},
    {"issue", "--kms DIR --id URI --out DIR [--period N | --period-number N]",
     "ECCSI SSK/PVT for the UID of URI in a key period, with kms.pub: the current one in DIR "
     "itself, or with --period N (0 current, 1 next, relative) or --period-number N "
     "(absolute) in DIR/period-NUMBER (docs/ear.md, key periods)",
     kms_issue},
    {"import", "--cert FILE.xml --out KMS.pub",
     "a TS 33.180 Annex D KmsCertificate (alone or inside a KMS response) as the KMS public "
     "file the border loads, every field kept; refused when revoked, outside its validity or "
     "with a KPAK off P-256",
     kms_import},
    {"import-keys",
     "--keyprov FILE.xml --kms-pub KMS.pub [--transport-key FILE] --id URI --out DIR",
     "the border's ECCSI keys from a TS 33.180 Annex D KmsKeyProv response (SSK and PVT plain "
     "hex or AES-key-wrapped under the transport key, a 0600 hex file) into DIR/period-N, after "
     "the UserID and RFC 6507 key checks against KMS.pub",
     kms_import_keys},
};

const mcsecctl_group_t mcsecctl_kms_group = {"kms", kms_cmds,
                                             (unsigned)(sizeof(kms_cmds) / sizeof(kms_cmds[0]))};
