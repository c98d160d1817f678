/* The SPK key store: the shared Signalling Protection Keys of one file.
 *
 * File format: one key per line, "<SPK-ID as 8 hex digits> <key as 32 hex
 * digits>"; blank lines and lines starting with '#' (after optional blanks)
 * are ignored. The file must be a regular file of mode 0600 or stricter, every
 * ID must carry the SPK purpose tag (3) in its top 4 bits, and no ID may
 * appear twice. Several keys may be valid at once: the last key line is the
 * one protection uses; unprotection accepts any key of the store (rollover
 * without a flag day).
 *
 * Lifetime: a loaded store is immutable and owned by the caller, who frees
 * it with mcsec_keystore_destroy(), which wipes the keys. Errors are
 * returned, never printed; `why` receives "FILE:LINE: message" (never any
 * key material). */
#ifndef MCSEC_KEYSTORE_H
#define MCSEC_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_SPK_LEN 16         /* 128-bit SPK */
#define MCSEC_KEY_PURPOSE_SPK 3u /* top 4 bits of an SPK-ID */
#define MCSEC_KEYSTORE_MAX_KEYS 64
#define MCSEC_KEYSTORE_MAX_FILE 65536

typedef struct mcsec_keystore mcsec_keystore_t;

/* Loads the SPK file at path. MCSEC_ERR_IO (cannot open/read, not a regular
 * file, too large), MCSEC_ERR_PERM (group/other bits set), MCSEC_ERR_PARSE
 * (bad line), MCSEC_ERR_INVALID (wrong purpose tag, duplicate ID, no key).
 * why may be NULL. */
mcsec_err_t mcsec_keystore_load_spk(const char *path, mcsec_keystore_t **out, char *why,
                                    size_t why_size);

/* Same from text already in memory (no permission check); name is used in
 * messages. */
mcsec_err_t mcsec_keystore_parse_spk(const char *text, size_t len, const char *name,
                                     mcsec_keystore_t **out, char *why, size_t why_size);

/* Frees the store and wipes its keys; NULL is a no-op. */
void mcsec_keystore_destroy(mcsec_keystore_t *store);

/* Number of keys (>= 1 for a loaded store). */
size_t mcsec_keystore_count(const mcsec_keystore_t *store);

/* The index-th key in file order: ID and a pointer to its MCSEC_SPK_LEN
 * octets, valid as long as the store. MCSEC_ERR_ARG when out of range. */
mcsec_err_t mcsec_keystore_at(const mcsec_keystore_t *store, size_t index, uint32_t *spk_id,
                              const uint8_t **key);

/* The protecting key: the last line of the file. */
mcsec_err_t mcsec_keystore_current(const mcsec_keystore_t *store, uint32_t *spk_id,
                                   const uint8_t **key);

/* The key with this ID, or NULL when the store has none. */
const uint8_t *mcsec_keystore_find(const mcsec_keystore_t *store, uint32_t spk_id);

#endif
