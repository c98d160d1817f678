/* libFuzzer target: arbitrary bytes through the two TS 33.180 Annex D KMS
 * XML readers (mcsec/ibc/kms_cert.h, mcsec/ibc/kms_keyprov.h). The first
 * octet chooses the reader (bit 0: KmsCertificate, else KmsKeyProv); the
 * rest is the document. The key provisioning reader gets the test KMS of
 * tests/unit/data/gmk/kms.pub, a fixed 256-bit transport key and a fixed
 * user URI. The verdict must be one the contract allows, and a refused
 * key provisioning must leave its output wiped. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/kms_cert.h"
#include "mcsec/ibc/kms_keyprov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char KMS_PUB[] =
    "kms_uri=kms.mydev.streamwide.com\n"
    "kpak=0448f9c2c48b50735f6bc70ec6691073243f1e0bd83cc73bb936d61ffcb2d6049a5b297e8205b29fbd"
    "8591cb582d6402add21451ce4beebeaaa7520e93b11cf28f\n"
    "key_period=16777215\n"
    "key_offset=0\n";

static const mcsec_kms_pub_t *kms_once(void)
{
    static mcsec_kms_pub_t kms;
    static int loaded;
    if (!loaded) {
        if (mcsec_kms_pub_parse(KMS_PUB, strlen(KMS_PUB), &kms, NULL, 0) != MCSEC_OK)
            abort();
        loaded = 1;
    }
    return &kms;
}

static int allowed(mcsec_err_t rc)
{
    return rc == MCSEC_OK || rc == MCSEC_ERR_PARSE || rc == MCSEC_ERR_INVALID ||
           rc == MCSEC_ERR_NOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *xml = (const char *)data + 1;
    size_t len = size - 1;
    char why[256];
    if (data[0] & 1) {
        mcsec_kms_pub_t pub;
        mcsec_err_t rc = mcsec_kms_cert_parse(xml, len, 1750000000, &pub, why, sizeof(why));
        if (!allowed(rc))
            abort();
        return 0;
    }
    static const uint8_t trk[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    mcsec_eccsi_keydir_t out[2];
    memset(out, 0, sizeof(out));
    size_t count = 0;
    mcsec_err_t rc =
        mcsec_kms_keyprov_parse(xml, len, kms_once(), trk, sizeof(trk), "sip:border@a.example", out,
                                2, &count, why, sizeof(why));
    if (!allowed(rc))
        abort();
    if (rc != MCSEC_OK) {
        /* On failure out is wiped (the contract): no key material left. */
        const uint8_t *p = (const uint8_t *)out;
        for (size_t i = 0; i < sizeof(out); i++)
            if (p[i] != 0)
                abort();
    }
    return 0;
}
