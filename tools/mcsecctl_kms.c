/* mcsecctl kms init|issue: a test KMS for ECCSI signing keys (RFC 6507),
 * for tests, the demo and operators without a KMS at hand. Keys are issued
 * for the 3GPP UID of a URI in the current key period (docs/profile.md sections 3 and 4). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "mcsec/ibc/eccsi.h"
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

static int kms_issue(int argc, char **argv)
{
    static const char *const names[] = {"--kms", "--id", "--out", NULL};
    const char *kms_dir = mcsecctl_opt(argc, argv, "--kms");
    const char *id = mcsecctl_opt(argc, argv, "--id");
    const char *out = mcsecctl_opt(argc, argv, "--out");
    if (!mcsecctl_opts_known(argc, argv, names) || kms_dir == NULL || id == NULL || out == NULL) {
        fprintf(stderr, "usage: mcsecctl kms issue --kms DIR --id URI --out DIR\n");
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
    if (err == MCSEC_OK) {
        err = mcsec_key_period_number((int64_t)time(NULL), keys.kms.key_period, keys.kms.key_offset,
                                      &keys.key_period_number);
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
    if (err == MCSEC_OK) {
        err = make_dir(out) ? mcsec_eccsi_keydir_write(out, &keys) : MCSEC_ERR_IO;
    }
    uint64_t number = keys.key_period_number;
    mcsec_eccsi_keydir_clear(&keys);
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: kms issue: %s\n", mcsec_err_str(err));
        return MCSECCTL_FAIL;
    }
    printf("%s: ssk, pvt, kms.pub, signer for %s (key period %" PRIu64 ")\n", out, id, number);
    return MCSECCTL_OK;
}

static const mcsecctl_cmd_t kms_cmds[] = {
    {"init", "--out DIR --kms-uri URI [--key-period S] [--key-offset S]",
     "new test KMS: secret KSAK (DIR/ksak, 0600) and the public file DIR/kms.pub", kms_init},
    {"issue", "--kms DIR --id URI --out DIR",
     "ECCSI SSK/PVT for the UID of URI in the current key period, with kms.pub", kms_issue},
};

const mcsecctl_group_t mcsecctl_kms_group = {"kms", kms_cmds,
                                             (unsigned)(sizeof(kms_cmds) / sizeof(kms_cmds[0]))};
