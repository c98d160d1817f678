/* libFuzzer target: arbitrary bytes as an MCX-EAR header value and as a
 * raw EAR, through the decoder, the re-encoder and the verifier. The first
 * octet chooses the path; the verifier runs under the RFC 6507 KPAK. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/ear/ear.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t rfc_kpak[65] = {
    0x04, 0x50, 0xD4, 0x67, 0x0B, 0xDE, 0x75, 0x24, 0x4F, 0x28, 0xD2, 0x83, 0x8A,
    0x0D, 0x25, 0x55, 0x8A, 0x7A, 0x72, 0x68, 0x6D, 0x45, 0x22, 0xD4, 0xC8, 0x27,
    0x3F, 0xB6, 0x44, 0x2A, 0xEB, 0xFA, 0x93, 0xDB, 0xDD, 0x37, 0x55, 0x1A, 0xFD,
    0x26, 0x3B, 0x5D, 0xFD, 0x61, 0x7F, 0x39, 0x60, 0xC6, 0x5A, 0x8C, 0x29, 0x88,
    0x50, 0xFF, 0x99, 0xF2, 0x03, 0x66, 0xDC, 0xE7, 0xD4, 0x36, 0x72, 0x17, 0xF4};

static mcsec_ear_policy_t *policy_once(void)
{
    static mcsec_ear_policy_t policy;
    static mcsec_kms_pub_t kms;
    static mcsec_eccsi_pub_t *kpak;
    static mcsec_replay_cache_t *replay;
    static char *theirs[] = {"b.example"};
    static char *ours[] = {"a.example", "*.a.example"};
    static mcsec_strlist_t partner_domains = {theirs, 1};
    static mcsec_strlist_t our_domains = {ours, 2};
    static const uint8_t roles[] = {1, 2, 3, 4};
    static const uint8_t types[] = {1, 3};
    static const mcsec_str_t asserted[] = {{"<sip:server@b.example>, <tel:+1>", 32},
                                           {"\"sip:gms@b.example\"", 19}};
    static const mcsec_ear_sender_t sender = {asserted, 2, true, "sip:border@b.example"};
    if (kpak == NULL) {
        memcpy(kms.kpak, rfc_kpak, sizeof(rfc_kpak));
        strcpy(kms.kms_uri, "kms.b.example");
        kms.key_period = 2592000;
        if (mcsec_eccsi_pub_new(rfc_kpak, &kpak) != MCSEC_OK ||
            mcsec_replay_mem_new(1024, &replay) != MCSEC_OK) {
            abort();
        }
        policy = (mcsec_ear_policy_t){
            .kms = &kms,
            .kpak = kpak,
            .partner_domains = &partner_domains,
            .source_roles = roles,
            .source_role_count = sizeof(roles),
            .our_identity = "sip:border@a.example",
            .our_domains = &our_domains,
            .request_uri = {"sip:alice@a.example", 19},
            .request_types = types,
            .request_type_count = sizeof(types),
            .replay = replay,
            .sender = &sender,
        };
    }
    return &policy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[MCSEC_EAR_MAX_LEN];
    static uint8_t again[MCSEC_EAR_MAX_LEN];
    mcsec_ear_policy_t *policy = policy_once();
    if (size == 0) {
        return 0;
    }
    const uint8_t mode = data[0];
    data++;
    size--;
    mcsec_ear_t ear;
    char detail[160];
    if (mode & 1) {
        /* Header path: the bytes are the header value. */
        (void)mcsec_ear_check_header((const char *)data, size, policy, buf, sizeof(buf), &ear,
                                     detail, sizeof(detail));
        return 0;
    }
    if (mcsec_ear_decode(data, size, &ear) != MCSEC_OK) {
        return 0;
    }
    /* Whatever decodes re-encodes to the same octets. */
    size_t len = 0;
    if (mcsec_ear_encode_payload(&ear, again, sizeof(again), &len) != MCSEC_OK ||
        len != ear.signed_len || memcmp(again, ear.signed_part, len) != 0) {
        abort();
    }
    policy->now = (int64_t)ear.date + (int64_t)(mode >> 1) - 64;
    (void)mcsec_ear_verify(&ear, policy, detail, sizeof(detail));
    /* The HTTP-3 target rule (https origin) on the same EAR. */
    mcsec_ear_policy_t http = *policy;
    http.http = true;
    http.our_http_host = (mode & 2) ? "border.a.example:8443" : NULL;
    http.request_uri = (mcsec_str_t){"https://border.a.example", 24};
    (void)mcsec_ear_verify(&ear, &http, detail, sizeof(detail));
    char header[MCSEC_EAR_HEADER_MAX];
    if (mcsec_ear_to_header(data, size, header, sizeof(header)) != MCSEC_OK ||
        mcsec_ear_from_header(header, strlen(header), buf, sizeof(buf), &len) != MCSEC_OK ||
        len != size || memcmp(buf, data, size) != 0) {
        abort();
    }
    return 0;
}
