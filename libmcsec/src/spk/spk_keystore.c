/* SPK key files (keystore.h): bounded line parser, permission check on the
 * opened descriptor, keys wiped on destroy. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "mcsec/spk/keystore.h"

#include "util/keyfile_internal.h"

typedef struct {
    uint32_t id;
    uint8_t key[MCSEC_SPK_LEN];
} spk_entry_t;

struct mcsec_keystore {
    size_t count;
    spk_entry_t entries[MCSEC_KEYSTORE_MAX_KEYS];
};

static mcsec_err_t parse_line(mcsec_keystore_t *store, const char *name, unsigned lineno,
                              const char *line, size_t len, char *why, size_t why_size)
{
    const char *field[3];
    size_t field_len[3];
    int n = mcsec_keyfile_fields(line, len, 3, field, field_len);
    if (n == 0)
        return MCSEC_OK;
    if (n != 2) {
        mcsec_keyfile_say(why, why_size,
                          "%s:%u: expected '<SPK-ID 8 hex digits> <key 32 hex digits>'", name,
                          lineno);
        return MCSEC_ERR_PARSE;
    }
    uint8_t id_be[4];
    if (field_len[0] != 8 || !mcsec_keyfile_hex_decode(field[0], 4, id_be)) {
        mcsec_keyfile_say(why, why_size, "%s:%u: SPK-ID must be 8 hex digits", name, lineno);
        return MCSEC_ERR_PARSE;
    }
    uint32_t id =
        (uint32_t)id_be[0] << 24 | (uint32_t)id_be[1] << 16 | (uint32_t)id_be[2] << 8 | id_be[3];
    if (id >> 28 != MCSEC_KEY_PURPOSE_SPK) {
        mcsec_keyfile_say(why, why_size, "%s:%u: key ID %08x has purpose tag %u, an SPK needs %u",
                          name, lineno, id, id >> 28, MCSEC_KEY_PURPOSE_SPK);
        return MCSEC_ERR_INVALID;
    }
    for (size_t i = 0; i < store->count; i++)
        if (store->entries[i].id == id) {
            mcsec_keyfile_say(why, why_size, "%s:%u: duplicate SPK-ID %08x", name, lineno, id);
            return MCSEC_ERR_INVALID;
        }
    if (store->count == MCSEC_KEYSTORE_MAX_KEYS) {
        mcsec_keyfile_say(why, why_size, "%s:%u: more than %d keys", name, lineno,
                          MCSEC_KEYSTORE_MAX_KEYS);
        return MCSEC_ERR_INVALID;
    }
    spk_entry_t *entry = &store->entries[store->count];
    if (field_len[1] != 2 * MCSEC_SPK_LEN ||
        !mcsec_keyfile_hex_decode(field[1], MCSEC_SPK_LEN, entry->key)) {
        OPENSSL_cleanse(entry->key, sizeof(entry->key));
        mcsec_keyfile_say(why, why_size, "%s:%u: key must be %d hex digits", name, lineno,
                          2 * MCSEC_SPK_LEN);
        return MCSEC_ERR_PARSE;
    }
    entry->id = id;
    store->count++;
    return MCSEC_OK;
}

mcsec_err_t mcsec_keystore_parse_spk(const char *text, size_t len, const char *name,
                                     mcsec_keystore_t **out, char *why, size_t why_size)
{
    if (!out || (!text && len))
        return MCSEC_ERR_ARG;
    *out = NULL;
    if (!name)
        name = "<memory>";
    mcsec_keystore_t *store = calloc(1, sizeof(*store));
    if (!store)
        return MCSEC_ERR_NOMEM;
    mcsec_keyfile_lines_t lines;
    mcsec_keyfile_lines_init(&lines, text, len);
    const char *line;
    size_t line_len;
    while (mcsec_keyfile_lines_next(&lines, &line, &line_len)) {
        if (memchr(line, '\0', line_len)) {
            mcsec_keyfile_say(why, why_size, "%s:%u: NUL byte", name, lines.lineno);
            mcsec_keystore_destroy(store);
            return MCSEC_ERR_PARSE;
        }
        mcsec_err_t rc = parse_line(store, name, lines.lineno, line, line_len, why, why_size);
        if (rc != MCSEC_OK) {
            mcsec_keystore_destroy(store);
            return rc;
        }
    }
    if (store->count == 0) {
        mcsec_keyfile_say(why, why_size, "%s: no key", name);
        mcsec_keystore_destroy(store);
        return MCSEC_ERR_INVALID;
    }
    *out = store;
    return MCSEC_OK;
}

mcsec_err_t mcsec_keystore_load_spk(const char *path, mcsec_keystore_t **out, char *why,
                                    size_t why_size)
{
    if (!path || !out)
        return MCSEC_ERR_ARG;
    *out = NULL;
    struct stat st;
    mcsec_err_t rc;
    int fd = mcsec_keyfile_open_secret(path, "SPK file", MCSEC_KEYSTORE_MAX_FILE, &st, &rc, why,
                                       why_size);
    if (fd < 0)
        return rc;
    char *text = malloc(MCSEC_KEYSTORE_MAX_FILE + 1);
    if (!text) {
        close(fd);
        return MCSEC_ERR_NOMEM;
    }
    ssize_t got = mcsec_keyfile_read_upto(fd, text, MCSEC_KEYSTORE_MAX_FILE + 1);
    size_t len = got < 0 ? SIZE_MAX : (size_t)got;
    close(fd);
    if (len == SIZE_MAX) {
        mcsec_keyfile_say(why, why_size, "%s: read error", path);
        rc = MCSEC_ERR_IO;
    } else if (len > MCSEC_KEYSTORE_MAX_FILE) {
        mcsec_keyfile_say(why, why_size, "%s: larger than %d octets", path,
                          MCSEC_KEYSTORE_MAX_FILE);
        rc = MCSEC_ERR_IO;
        len = MCSEC_KEYSTORE_MAX_FILE + 1;
    } else {
        rc = mcsec_keystore_parse_spk(text, len, path, out, why, why_size);
    }
    OPENSSL_cleanse(text, len == SIZE_MAX ? MCSEC_KEYSTORE_MAX_FILE + 1 : len);
    free(text);
    return rc;
}

void mcsec_keystore_destroy(mcsec_keystore_t *store)
{
    if (!store)
        return;
    OPENSSL_cleanse(store, sizeof(*store));
    free(store);
}

size_t mcsec_keystore_count(const mcsec_keystore_t *store)
{
    return store ? store->count : 0;
}

mcsec_err_t mcsec_keystore_at(const mcsec_keystore_t *store, size_t index, uint32_t *spk_id,
                              const uint8_t **key)
{
    if (!store || index >= store->count)
        return MCSEC_ERR_ARG;
    if (spk_id)
        *spk_id = store->entries[index].id;
    if (key)
        *key = store->entries[index].key;
    return MCSEC_OK;
}

mcsec_err_t mcsec_keystore_current(const mcsec_keystore_t *store, uint32_t *spk_id,
                                   const uint8_t **key)
{
    if (!store || store->count == 0)
        return MCSEC_ERR_ARG;
    return mcsec_keystore_at(store, store->count - 1, spk_id, key);
}

const uint8_t *mcsec_keystore_find(const mcsec_keystore_t *store, uint32_t spk_id)
{
    if (!store)
        return NULL;
    for (size_t i = 0; i < store->count; i++)
        if (store->entries[i].id == spk_id)
            return store->entries[i].key;
    return NULL;
}
