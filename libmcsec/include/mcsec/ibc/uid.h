/* MIKEY-SAKKE UIDs: the ECCSI identity 3GPP KMSs issue keys for
 * (TS 33.180 Annex F.2.1; docs/profile.md section 3).
 *
 * Contract: UID = SHA-256(0x00 || "MIKEY-SAKKE-UID" || 0x000F || URI || L ||
 * KMS-URI || L || key-period-length || L || key-period-offset || L ||
 * key-period-number || L), each L the 2-octet big-endian length of the
 * field before it, integers big-endian in the fewest octets (zero is one
 * 0x00). Key periods count on the NTP timescale. Pure functions: nothing
 * is allocated or kept. */
#ifndef MCSEC_UID_H
#define MCSEC_UID_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_UID_LEN 32
#define MCSEC_NTP_UNIX_OFFSET 2208988800u /* seconds from 1900-01-01 to 1970-01-01 */

/* floor((unix_time + 2208988800 - offset) / period). MCSEC_ERR_ARG when
 * period is 0, offset >= period or the time lies before the first period. */
mcsec_err_t mcsec_key_period_number(int64_t unix_time, uint64_t period, uint64_t offset,
                                    uint64_t *number);

/* Unix seconds at which key period number ends (the first second of
 * number + 1): (number + 1) * period + offset - 2208988800. MCSEC_ERR_ARG
 * when period is 0, offset >= period or the result does not fit. */
mcsec_err_t mcsec_key_period_end(uint64_t number, uint64_t period, uint64_t offset, int64_t *end);

/* The UID of uri (uri_len octets, at most 65535) at KMS kms_uri for the
 * given key period. MCSEC_ERR_ARG on NULL, empty or overlong strings. */
mcsec_err_t mcsec_uid_compute(const char *uri, size_t uri_len, const char *kms_uri,
                              size_t kms_uri_len, uint64_t period, uint64_t offset,
                              uint64_t period_number, uint8_t uid[MCSEC_UID_LEN]);

/* Both in one: the UID of uri for the key period containing unix_time. */
mcsec_err_t mcsec_uid_at(const char *uri, size_t uri_len, const char *kms_uri, size_t kms_uri_len,
                         uint64_t period, uint64_t offset, int64_t unix_time,
                         uint8_t uid[MCSEC_UID_LEN]);

#endif
