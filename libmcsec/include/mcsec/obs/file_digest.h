/* SHA-256 of a file's octets, as 64 lower-case hex digits: the policy
 * content hash that reload audit lines and the mcsec_policy_info metric
 * carry, so two nodes (or a node before and after a reload) can be compared
 * at a glance. */
#ifndef MCSEC_OBS_FILE_DIGEST_H
#define MCSEC_OBS_FILE_DIGEST_H

#include <stddef.h>

#include "mcsec/util/status.h"

#define MCSEC_SHA256_HEX_LEN 64

/* hex gets 64 digits and a NUL. MCSEC_OK, MCSEC_ERR_IO (cannot read), or
 * MCSEC_ERR_NOMEM (the digest could not be computed). */
mcsec_err_t mcsec_file_sha256_hex(const char *path, char hex[MCSEC_SHA256_HEX_LEN + 1]);

/* The same for a buffer. */
mcsec_err_t mcsec_sha256_hex(const void *data, size_t len, char hex[MCSEC_SHA256_HEX_LEN + 1]);

#endif
