/* Topology key files (topo_keys.h): bounded line parser, permission check on
 * the opened descriptor, rotation times, keys wiped on destroy. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "mcsec/topo/topo_keys.h"

#include "util/keyfile_internal.h"

struct mcsec_topo_keys {
    size_t count;
    int64_t mtime;
    int16_t index_of_id[256]; /* -1 when the ID is unused */
    mcsec_topo_key_t entries[MCSEC_TOPO_KEYS_MAX];
};

/* "since=<decimal unix seconds>", at most 12 digits (year 33658). */
static bool parse_since(const char *p, size_t len, int64_t *since)
{
    static const char prefix[] = "since=";
    size_t plen = sizeof(prefix) - 1;
    if (len <= plen || len > plen + 12 || memcmp(p, prefix, plen) != 0)
        return false;
    int64_t value = 0;
    for (size_t i = plen; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        value = value * 10 + (p[i] - '0');
    }
    *since = value;
    return true;
}

static mcsec_err_t parse_line(mcsec_topo_keys_t *keys, const char *name, unsigned lineno,
                              const char *line, size_t len, char *why, size_t why_size)
{
    const char *field[4];
    size_t field_len[4];
    int n = mcsec_keyfile_fields(line, len, 4, field, field_len);
    if (n == 0)
        return MCSEC_OK;
    if (n < 2 || n > 3) {
        mcsec_keyfile_say(why, why_size,
                          "%s:%u: expected '<key ID 2 hex digits> <key 64 hex digits> "
                          "[since=<unix seconds>]'",
                          name, lineno);
        return MCSEC_ERR_PARSE;
    }
    uint8_t id;
    if (field_len[0] != 2 || !mcsec_keyfile_hex_decode(field[0], 1, &id)) {
        mcsec_keyfile_say(why, why_size, "%s:%u: key ID must be 2 hex digits", name, lineno);
        return MCSEC_ERR_PARSE;
    }
    if (keys->index_of_id[id] >= 0) {
        mcsec_keyfile_say(why, why_size, "%s:%u: duplicate key ID %02x (first on line %u)", name,
                          lineno, id, keys->entries[keys->index_of_id[id]].line);
        return MCSEC_ERR_INVALID;
    }
    mcsec_topo_key_t *entry = &keys->entries[keys->count];
    if (field_len[1] != 2 * MCSEC_TOPO_KEY_LEN ||
        !mcsec_keyfile_hex_decode(field[1], MCSEC_TOPO_KEY_LEN, entry->key)) {
        OPENSSL_cleanse(entry->key, sizeof(entry->key));
        mcsec_keyfile_say(why, why_size, "%s:%u: key must be %d hex digits", name, lineno,
                          2 * MCSEC_TOPO_KEY_LEN);
        return MCSEC_ERR_PARSE;
    }
    entry->has_since = false;
    entry->since = 0;
    if (n == 3) {
        if (!parse_since(field[2], field_len[2], &entry->since)) {
            OPENSSL_cleanse(entry->key, sizeof(entry->key));
            mcsec_keyfile_say(why, why_size, "%s:%u: third field must be since=<unix seconds>",
                              name, lineno);
            return MCSEC_ERR_PARSE;
        }
        entry->has_since = true;
    }
    for (size_t i = keys->count; i-- > 0;) {
        if (keys->entries[i].has_since && entry->has_since &&
            keys->entries[i].since > entry->since) {
            OPENSSL_cleanse(entry->key, sizeof(entry->key));
            mcsec_keyfile_say(why, why_size, "%s:%u: since is earlier than on line %u", name,
                              lineno, keys->entries[i].line);
            return MCSEC_ERR_INVALID;
        }
    }
    entry->id = id;
    entry->line = lineno;
    keys->index_of_id[id] = (int16_t)keys->count;
    keys->count++;
    return MCSEC_OK;
}

mcsec_err_t mcsec_topo_keys_parse(const char *text, size_t len, const char *name, int64_t mtime,
                                  unsigned flags, mcsec_topo_keys_t **out, char *why,
                                  size_t why_size)
{
    if (!out || (!text && len))
        return MCSEC_ERR_ARG;
    *out = NULL;
    if (!name)
        name = "<memory>";
    mcsec_topo_keys_t *keys = calloc(1, sizeof(*keys));
    if (!keys)
        return MCSEC_ERR_NOMEM;
    memset(keys->index_of_id, 0xff, sizeof(keys->index_of_id));
    keys->mtime = mtime;
    mcsec_keyfile_lines_t lines;
    mcsec_keyfile_lines_init(&lines, text, len);
    const char *line;
    size_t line_len;
    while (mcsec_keyfile_lines_next(&lines, &line, &line_len)) {
        mcsec_err_t rc = MCSEC_OK;
        if (memchr(line, '\0', line_len)) {
            mcsec_keyfile_say(why, why_size, "%s:%u: NUL byte", name, lines.lineno);
            rc = MCSEC_ERR_PARSE;
        } else {
            /* 256 distinct one-octet IDs at most: a 257th line is a duplicate. */
            rc = parse_line(keys, name, lines.lineno, line, line_len, why, why_size);
        }
        if (rc != MCSEC_OK) {
            mcsec_topo_keys_destroy(keys);
            return rc;
        }
    }
    if (keys->count == 0 && !(flags & MCSEC_TOPO_KEYS_ALLOW_EMPTY)) {
        mcsec_keyfile_say(why, why_size, "%s: no key", name);
        mcsec_topo_keys_destroy(keys);
        return MCSEC_ERR_INVALID;
    }
    *out = keys;
    return MCSEC_OK;
}

mcsec_err_t mcsec_topo_keys_load(const char *path, mcsec_topo_keys_t **out, char *why,
                                 size_t why_size)
{
    if (!path || !out)
        return MCSEC_ERR_ARG;
    *out = NULL;
    struct stat st;
    mcsec_err_t rc;
    int fd = mcsec_keyfile_open_secret(path, "topology key file", MCSEC_TOPO_KEYS_MAX_FILE, &st,
                                       &rc, why, why_size);
    if (fd < 0)
        return rc;
    size_t size = (size_t)st.st_size;
    char *text = malloc(size + 1);
    if (!text) {
        close(fd);
        return MCSEC_ERR_NOMEM;
    }
    ssize_t got = mcsec_keyfile_read_upto(fd, text, size);
    close(fd);
    rc = MCSEC_ERR_IO;
    if (got >= 0 && (size_t)got == size)
        rc = mcsec_topo_keys_parse(text, size, path, (int64_t)st.st_mtime, 0, out, why, why_size);
    else
        mcsec_keyfile_say(why, why_size, "%s: short read", path);
    OPENSSL_cleanse(text, size + 1);
    free(text);
    return rc;
}

void mcsec_topo_keys_destroy(mcsec_topo_keys_t *keys)
{
    if (!keys)
        return;
    OPENSSL_cleanse(keys, sizeof(*keys));
    free(keys);
}

size_t mcsec_topo_keys_count(const mcsec_topo_keys_t *keys)
{
    return keys ? keys->count : 0;
}

const mcsec_topo_key_t *mcsec_topo_keys_at(const mcsec_topo_keys_t *keys, size_t index)
{
    return keys && index < keys->count ? &keys->entries[index] : NULL;
}

int mcsec_topo_keys_find(const mcsec_topo_keys_t *keys, uint8_t id)
{
    return keys ? keys->index_of_id[id] : -1;
}

int mcsec_topo_keys_current(const mcsec_topo_keys_t *keys, int64_t now)
{
    if (!keys || keys->count == 0)
        return -1;
    for (size_t i = keys->count; i-- > 0;)
        if (!keys->entries[i].has_since || keys->entries[i].since <= now)
            return (int)i;
    return 0;
}

bool mcsec_topo_keys_decodes(const mcsec_topo_keys_t *keys, size_t index, int64_t now,
                             uint32_t prev_validity)
{
    if (!keys || index >= keys->count)
        return false;
    int current = mcsec_topo_keys_current(keys, now);
    if ((int)index >= current)
        return true;
    const mcsec_topo_key_t *next = &keys->entries[index + 1];
    int64_t retired = next->has_since ? next->since : keys->mtime;
    return now - retired <= (int64_t)prev_validity;
}
