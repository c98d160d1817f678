/* Topology key files: the AES-SIV keys of the topology-hiding tokens.
 *
 * File format, one key per line:
 *     <key ID: 2 hex digits> <key: 64 hex digits> [since=<unix seconds>]
 * Blank lines and lines starting with '#' (after optional blanks) are
 * ignored. The file must be a regular file of mode 0600 or stricter (checked
 * with fstat on the opened descriptor), no ID may appear twice, and since
 * values must not decrease from one line to the next.
 *
 * Rotation (append-only, as `mcsecctl key gen --topology` does it):
 * - since= is the time a key becomes the one for new tokens; a key without
 *   it is active from the start. The key for new tokens at time t is the
 *   last key in file order whose since <= t, so a key appended with a future
 *   since can be copied to every node of a cluster before any node uses it.
 * - A key stops being current ("retires") at the since of the next line; if
 *   the next line has no since, at the file's modification time (the moment
 *   the newer key was written, as near as we know).
 * - A retired key still decodes for a configured time after it retired
 *   (mcsec_topo_config_t.prev_key_validity); keys after the current one
 *   always decode.
 *
 * Lifetime: a loaded key set is immutable and owned by the caller, who frees
 * it with mcsec_topo_keys_destroy(), which wipes the keys. Errors are
 * returned, never printed; why receives "FILE:LINE: message" and never key
 * material. */
#ifndef MCSEC_TOPO_KEYS_H
#define MCSEC_TOPO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_TOPO_KEY_LEN 32 /* AES-128-SIV key: 256 bits */
#define MCSEC_TOPO_KEYS_MAX 256
#define MCSEC_TOPO_KEYS_MAX_FILE 65536

/* mcsec_topo_keys_parse flag: a file with no key line is not an error
 * (mcsecctl appending to a new or comment-only file). */
#define MCSEC_TOPO_KEYS_ALLOW_EMPTY 1u

typedef struct {
    uint8_t id;
    uint8_t key[MCSEC_TOPO_KEY_LEN];
    bool has_since;
    int64_t since; /* unix seconds; 0 when !has_since */
    unsigned line; /* 1-based line in the file */
} mcsec_topo_key_t;

typedef struct mcsec_topo_keys mcsec_topo_keys_t;

/* Loads the key file at path. MCSEC_ERR_IO (cannot open/read, not a regular
 * file, too large), MCSEC_ERR_PERM (group/other bits set), MCSEC_ERR_PARSE
 * (bad line: field count, hex, since=), MCSEC_ERR_INVALID (duplicate ID,
 * decreasing since, no key). why may be NULL. */
mcsec_err_t mcsec_topo_keys_load(const char *path, mcsec_topo_keys_t **out, char *why,
                                 size_t why_size);

/* Same from text in memory (no permission check). name is used in messages;
 * mtime stands for the file's modification time (retirement of a key whose
 * successor has no since=). flags: 0 or MCSEC_TOPO_KEYS_ALLOW_EMPTY. */
mcsec_err_t mcsec_topo_keys_parse(const char *text, size_t len, const char *name, int64_t mtime,
                                  unsigned flags, mcsec_topo_keys_t **out, char *why,
                                  size_t why_size);

/* Frees the set and wipes its keys; NULL is a no-op. */
void mcsec_topo_keys_destroy(mcsec_topo_keys_t *keys);

/* Number of keys, and the index-th in file order (NULL when out of range);
 * pointers stay valid as long as the set. */
size_t mcsec_topo_keys_count(const mcsec_topo_keys_t *keys);
const mcsec_topo_key_t *mcsec_topo_keys_at(const mcsec_topo_keys_t *keys, size_t index);

/* Index of the key with this ID, or -1. O(1). */
int mcsec_topo_keys_find(const mcsec_topo_keys_t *keys, uint8_t id);

/* Index of the key for new tokens at time now (see the file comment); when
 * every key's since lies in the future, the first key. -1 for an empty set. */
int mcsec_topo_keys_current(const mcsec_topo_keys_t *keys, int64_t now);

/* Whether the key at index may decode tokens at time now: it is current or
 * newer, or it retired no more than prev_validity seconds ago. */
bool mcsec_topo_keys_decodes(const mcsec_topo_keys_t *keys, size_t index, int64_t now,
                             uint32_t prev_validity);

#endif
