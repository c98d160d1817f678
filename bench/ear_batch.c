/* ear_batch: many signed EARs at once, as a sipp injection file.
 *
 * The explicit-authentication benchmark sends tens of thousands of
 * requests, each with its own EAR (the border refuses a replayed one), and
 * `mcsecctl ear sign` costs a process start per EAR. This makes the same
 * EARs (same libmcsec calls as mcsecctl ear sign: keys from a `mcsecctl kms
 * issue` directory, a fresh random EAR ID each, the date now) in one process.
 *
 * Usage: ear_batch KEYDIR SOURCE_URI TARGET_URI COUNT [EXPIRY_SECONDS]
 * Prints "SEQUENTIAL" and then COUNT header values (base64url), one per line,
 * on stdout. Source and target role 2 (MC server), request type 3 (group),
 * request ID = line number, expiry 300 s unless given. Exit 1 on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcsec/ear/ear.h"
#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/uid.h"

/* The signer for the keys in dir, for the key period of now; NULL on failure
 * (the reason printed). */
static mcsec_eccsi_signer_t *load_signer(const char *dir, const char *source, uint64_t now)
{
    char why[256] = "";
    mcsec_eccsi_keydir_t keys;
    if (mcsec_eccsi_keydir_read(dir, &keys, why, sizeof(why)) != MCSEC_OK) {
        fprintf(stderr, "ear_batch: %s: %s\n", dir, why);
        return NULL;
    }
    mcsec_eccsi_signer_t *signer = NULL;
    uint64_t period = 0;
    uint8_t uid[MCSEC_UID_LEN];
    if (strcmp(keys.uri, source) != 0) {
        fprintf(stderr, "ear_batch: the keys in %s are for %s, not %s\n", dir, keys.uri, source);
    } else if (mcsec_key_period_number((int64_t)now, keys.kms.key_period, keys.kms.key_offset,
                                       &period) != MCSEC_OK ||
               period != keys.key_period_number) {
        fprintf(stderr, "ear_batch: the keys in %s are not for the current key period\n", dir);
    } else if (mcsec_uid_compute(source, strlen(source), keys.kms.kms_uri, strlen(keys.kms.kms_uri),
                                 keys.kms.key_period, keys.kms.key_offset, period,
                                 uid) != MCSEC_OK ||
               mcsec_eccsi_signer_new(keys.kms.kpak, uid, sizeof(uid), keys.ssk, keys.pvt,
                                      &signer) != MCSEC_OK) {
        fprintf(stderr, "ear_batch: cannot build the ECCSI signer\n");
        signer = NULL;
    }
    mcsec_eccsi_keydir_clear(&keys);
    return signer;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: ear_batch KEYDIR SOURCE_URI TARGET_URI COUNT [EXPIRY_SECONDS]\n");
        return 2;
    }
    const char *source = argv[2];
    const char *target = argv[3];
    long count = strtol(argv[4], NULL, 10);
    long expiry = argc == 6 ? strtol(argv[5], NULL, 10) : 300;
    if (count <= 0 || expiry <= 0) {
        fprintf(stderr, "ear_batch: COUNT and EXPIRY_SECONDS must be positive\n");
        return 2;
    }
    uint64_t now = (uint64_t)time(NULL);
    mcsec_eccsi_signer_t *signer = load_signer(argv[1], source, now);
    if (signer == NULL) {
        return 1;
    }
    mcsec_ear_t ear;
    memset(&ear, 0, sizeof(ear));
    ear.date = now;
    ear.source_role = 2;
    ear.source_id = (mcsec_str_t){source, strlen(source)};
    ear.target_role = 2;
    ear.target_id = (mcsec_str_t){target, strlen(target)};
    ear.has_request = true;
    ear.request_type = 3;
    ear.request_expiry = now + (uint64_t)expiry;
    printf("SEQUENTIAL\n");
    int status = 0;
    for (long i = 0; i < count && status == 0; i++) {
        uint8_t raw[MCSEC_EAR_MAX_LEN];
        char header[MCSEC_EAR_HEADER_MAX];
        size_t len = 0;
        ear.request_id = (uint32_t)(i + 1);
        if (mcsec_ear_new_id(ear.ear_id) != MCSEC_OK ||
            mcsec_ear_sign(&ear, signer, raw, sizeof(raw), &len) != MCSEC_OK ||
            mcsec_ear_to_header(raw, len, header, sizeof(header)) != MCSEC_OK) {
            fprintf(stderr, "ear_batch: signing EAR %ld failed\n", i + 1);
            status = 1;
        } else {
            printf("%s\n", header);
        }
    }
    mcsec_eccsi_signer_free(signer);
    return status;
}
