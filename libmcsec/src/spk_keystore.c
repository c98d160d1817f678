/* SPK key files (keystore.h): bounded line parser, permission check on the
 * opened descriptor, keys wiped on destroy. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "mcsec/keystore.h"

typedef struct {
    uint32_t id;
    uint8_t key[MCSEC_SPK_LEN];
} spk_entry_t;

struct mcsec_keystore {
    size_t count;
    spk_entry_t entries[MCSEC_KEYSTORE_MAX_KEYS];
};

static void say(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t why_size, const char *fmt, ...)
{
    if (!why || why_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes exactly 2*n hex digits at p into out. */
static bool hex_decode(const char *p, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(p[2 * i]), lo = hex_value(p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Splits one line into at most 3 blank-separated fields. Returns the field
 * count (3 means "more than two"). */
static int split_fields(const char *line, size_t len, const char **field, size_t *field_len)
{
    int count = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && is_blank(line[i]))
            i++;
        if (i == len)
            break;
        if (count == 3)
            return 3;
        size_t start = i;
        while (i < len && !is_blank(line[i]))
            i++;
        field[count] = line + start;
        field_len[count] = i - start;
        count++;
    }
    return count;
}

static mcsec_err_t parse_line(mcsec_keystore_t *store, const char *name, unsigned lineno,
                              const char *line, size_t len, char *why, size_t why_size)
{
    const char *field[3];
    size_t field_len[3];
    int n = split_fields(line, len, field, field_len);
    if (n == 0 || field[0][0] == '#')
        return MCSEC_OK;
    if (n != 2) {
        say(why, why_size, "%s:%u: expected '<SPK-ID 8 hex digits> <key 32 hex digits>'", name,
            lineno);
        return MCSEC_ERR_PARSE;
    }
    uint8_t id_be[4];
    if (field_len[0] != 8 || !hex_decode(field[0], 4, id_be)) {
        say(why, why_size, "%s:%u: SPK-ID must be 8 hex digits", name, lineno);
        return MCSEC_ERR_PARSE;
    }
    uint32_t id =
        (uint32_t)id_be[0] << 24 | (uint32_t)id_be[1] << 16 | (uint32_t)id_be[2] << 8 | id_be[3];
    if (id >> 28 != MCSEC_KEY_PURPOSE_SPK) {
        say(why, why_size, "%s:%u: key ID %08x has purpose tag %u, an SPK needs %u", name, lineno,
            id, id >> 28, MCSEC_KEY_PURPOSE_SPK);
        return MCSEC_ERR_INVALID;
    }
    for (size_t i = 0; i < store->count; i++)
        if (store->entries[i].id == id) {
            say(why, why_size, "%s:%u: duplicate SPK-ID %08x", name, lineno, id);
            return MCSEC_ERR_INVALID;
        }
    if (store->count == MCSEC_KEYSTORE_MAX_KEYS) {
        say(why, why_size, "%s:%u: more than %d keys", name, lineno, MCSEC_KEYSTORE_MAX_KEYS);
        return MCSEC_ERR_INVALID;
    }
    spk_entry_t *entry = &store->entries[store->count];
    if (field_len[1] != 2 * MCSEC_SPK_LEN || !hex_decode(field[1], MCSEC_SPK_LEN, entry->key)) {
        OPENSSL_cleanse(entry->key, sizeof(entry->key));
        say(why, why_size, "%s:%u: key must be %d hex digits", name, lineno, 2 * MCSEC_SPK_LEN);
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
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (memchr(text + pos, '\0', line_len)) {
            say(why, why_size, "%s:%u: NUL byte", name, lineno);
            mcsec_keystore_destroy(store);
            return MCSEC_ERR_PARSE;
        }
        mcsec_err_t rc = parse_line(store, name, lineno, text + pos, line_len, why, why_size);
        if (rc != MCSEC_OK) {
            mcsec_keystore_destroy(store);
            return rc;
        }
        pos += line_len + (nl ? 1 : 0);
    }
    if (store->count == 0) {
        say(why, why_size, "%s: no key", name);
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
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        say(why, why_size, "%s: cannot open (%s)", path,
            errno == ENOENT ? "not found" : "not readable");
        return MCSEC_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        say(why, why_size, "%s: not a regular file", path);
        return MCSEC_ERR_IO;
    }
    unsigned mode = (unsigned)st.st_mode & 07777u;
    if (mode & 077u) {
        close(fd);
        say(why, why_size, "%s: SPK file is accessible by group or others (mode %04o); chmod 600",
            path, mode);
        return MCSEC_ERR_PERM;
    }
    if (st.st_size > MCSEC_KEYSTORE_MAX_FILE) {
        close(fd);
        say(why, why_size, "%s: larger than %d octets", path, MCSEC_KEYSTORE_MAX_FILE);
        return MCSEC_ERR_IO;
    }
    char *text = malloc(MCSEC_KEYSTORE_MAX_FILE + 1);
    if (!text) {
        close(fd);
        return MCSEC_ERR_NOMEM;
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, text + len, MCSEC_KEYSTORE_MAX_FILE + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            len = SIZE_MAX;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > MCSEC_KEYSTORE_MAX_FILE)
            break;
    }
    close(fd);
    mcsec_err_t rc;
    if (len == SIZE_MAX) {
        say(why, why_size, "%s: read error", path);
        rc = MCSEC_ERR_IO;
    } else if (len > MCSEC_KEYSTORE_MAX_FILE) {
        say(why, why_size, "%s: larger than %d octets", path, MCSEC_KEYSTORE_MAX_FILE);
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
