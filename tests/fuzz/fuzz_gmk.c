/* libFuzzer target: arbitrary bytes through the MIKEY-SAKKE parser and the
 * GMK transfer check (under the public vectors' KMS, so seeds derived from
 * the GMK vector reach the signature and addressing checks), the text
 * decoder, and the body scanner (XML and multipart). The first octet
 * chooses the path. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/gmk/gmk_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t vector_kpak[65] = {
    0x04, 0x48, 0xf9, 0xc2, 0xc4, 0x8b, 0x50, 0x73, 0x5f, 0x6b, 0xc7, 0x0e, 0xc6,
    0x69, 0x10, 0x73, 0x24, 0x3f, 0x1e, 0x0b, 0xd8, 0x3c, 0xc7, 0x3b, 0xb9, 0x36,
    0xd6, 0x1f, 0xfc, 0xb2, 0xd6, 0x04, 0x9a, 0x5b, 0x29, 0x7e, 0x82, 0x05, 0xb2,
    0x9f, 0xbd, 0x85, 0x91, 0xcb, 0x58, 0x2d, 0x64, 0x02, 0xad, 0xd2, 0x14, 0x51,
    0xce, 0x4b, 0xee, 0xbe, 0xaa, 0xa7, 0x52, 0x0e, 0x93, 0xb1, 0x1c, 0xf2, 0x8f};

static mcsec_gmk_policy_t *policy_once(void)
{
    static mcsec_gmk_policy_t policy;
    static mcsec_kms_pub_t kms;
    static mcsec_eccsi_pub_t *kpak;
    static mcsec_replay_cache_t *replay;
    if (kpak == NULL) {
        memcpy(kms.kpak, vector_kpak, sizeof(vector_kpak));
        strcpy(kms.kms_uri, "kms.mydev.streamwide.com");
        kms.key_period = 16777215;
        if (mcsec_eccsi_pub_new(vector_kpak, &kpak) != MCSEC_OK ||
            mcsec_replay_mem_new(1024, &replay) != MCSEC_OK) {
            abort();
        }
        policy = (mcsec_gmk_policy_t){
            .signer_kms = &kms,
            .signer_kpak = kpak,
            .receiver_kms = &kms,
            .initiator = "gms@streamwide.com",
            .responder = "sip:alice@streamwide.com",
            .now = 1759448872,
            .max_age = 300,
            .replay = replay,
        };
    }
    return &policy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t octets[MCSEC_MIKEY_MAX_LEN];
    mcsec_gmk_policy_t *policy = policy_once();
    if (size == 0) {
        return 0;
    }
    const uint8_t mode = data[0];
    data++;
    size--;
    char detail[160];
    policy->push = (mode & 4) != 0;
    policy->now = 1759448872 + (int64_t)(mode >> 3) * 40 - 320;
    size_t len = 0;
    mcsec_mikey_t msg;
    switch (mode & 3) {
    case 0:
        (void)mcsec_gmk_check_octets(data, size, policy, &msg, detail, sizeof(detail));
        break;
    case 1:
        if (mcsec_mikey_decode_text(data, size, octets, sizeof(octets), &len) == MCSEC_OK) {
            (void)mcsec_gmk_check_octets(octets, len, policy, NULL, detail, sizeof(detail));
        }
        break;
    case 2:
        (void)mcsec_gmk_check_body("application/xml", data, size, policy, &len, detail,
                                   sizeof(detail));
        break;
    default:
        (void)mcsec_gmk_check_body("multipart/mixed;boundary=b1", data, size, policy, &len, detail,
                                   sizeof(detail));
        (void)mcsec_gmk_count_body("multipart/mixed;boundary=b1", data, size, &len, detail,
                                   sizeof(detail));
        break;
    }
    return 0;
}
