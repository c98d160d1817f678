/* MIKEY-SAKKE UID and key period arithmetic (TS 33.180 F.2.1). */
#include <string.h>

#include <openssl/evp.h>

#include "mcsec/ibc/uid.h"

mcsec_err_t mcsec_key_period_number(int64_t unix_time, uint64_t period, uint64_t offset,
                                    uint64_t *number)
{
    if (number == NULL || period == 0 || offset >= period) {
        return MCSEC_ERR_ARG;
    }
    /* NTP seconds fit comfortably: refuse times before 1900 and beyond
     * 2^62 rather than wrap. */
    if (unix_time < -(int64_t)MCSEC_NTP_UNIX_OFFSET || unix_time > INT64_C(1) << 62) {
        return MCSEC_ERR_ARG;
    }
    uint64_t ntp = (uint64_t)(unix_time + (int64_t)MCSEC_NTP_UNIX_OFFSET);
    if (ntp < offset) {
        return MCSEC_ERR_ARG;
    }
    *number = (ntp - offset) / period;
    return MCSEC_OK;
}

mcsec_err_t mcsec_key_period_end(uint64_t number, uint64_t period, uint64_t offset, int64_t *end)
{
    uint64_t ntp = 0;
    if (end == NULL || period == 0 || offset >= period || number == UINT64_MAX ||
        __builtin_mul_overflow(number + 1, period, &ntp) ||
        __builtin_add_overflow(ntp, offset, &ntp) || ntp > (UINT64_C(1) << 62)) {
        return MCSEC_ERR_ARG;
    }
    *end = (int64_t)ntp - (int64_t)MCSEC_NTP_UNIX_OFFSET;
    return MCSEC_OK;
}

/* Big-endian in the fewest octets; zero is one 0x00. Returns the length. */
static size_t minimal_be(uint64_t value, uint8_t out[8])
{
    size_t len = 1;
    while (len < 8 && (value >> (8 * len)) != 0) {
        len++;
    }
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(value >> (8 * (len - 1 - i)));
    }
    return len;
}

/* Feeds field || L(field) to the hash. */
static int add_field(EVP_MD_CTX *md, const void *field, size_t len)
{
    const uint8_t l[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    return EVP_DigestUpdate(md, field, len) == 1 && EVP_DigestUpdate(md, l, 2) == 1;
}

static int add_integer(EVP_MD_CTX *md, uint64_t value)
{
    uint8_t octets[8];
    size_t len = minimal_be(value, octets);
    return add_field(md, octets, len);
}

mcsec_err_t mcsec_uid_compute(const char *uri, size_t uri_len, const char *kms_uri,
                              size_t kms_uri_len, uint64_t period, uint64_t offset,
                              uint64_t period_number, uint8_t uid[MCSEC_UID_LEN])
{
    static const uint8_t fc_and_label[] = {0x00, 'M', 'I', 'K', 'E', 'Y', '-', 'S',  'A',
                                           'K',  'K', 'E', '-', 'U', 'I', 'D', 0x00, 0x0F};
    if (uri == NULL || kms_uri == NULL || uid == NULL || uri_len == 0 || kms_uri_len == 0 ||
        uri_len > 0xFFFF || kms_uri_len > 0xFFFF) {
        return MCSEC_ERR_ARG;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int out_len = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(md, fc_and_label, sizeof(fc_and_label)) == 1 &&
             add_field(md, uri, uri_len) && add_field(md, kms_uri, kms_uri_len) &&
             add_integer(md, period) && add_integer(md, offset) && add_integer(md, period_number) &&
             EVP_DigestFinal_ex(md, uid, &out_len) == 1 && out_len == MCSEC_UID_LEN;
    EVP_MD_CTX_free(md);
    return ok ? MCSEC_OK : MCSEC_ERR_NOMEM;
}

mcsec_err_t mcsec_uid_at(const char *uri, size_t uri_len, const char *kms_uri, size_t kms_uri_len,
                         uint64_t period, uint64_t offset, int64_t unix_time,
                         uint8_t uid[MCSEC_UID_LEN])
{
    uint64_t number = 0;
    mcsec_err_t err = mcsec_key_period_number(unix_time, period, offset, &number);
    if (err != MCSEC_OK) {
        return err;
    }
    return mcsec_uid_compute(uri, uri_len, kms_uri, kms_uri_len, period, offset, number, uid);
}
