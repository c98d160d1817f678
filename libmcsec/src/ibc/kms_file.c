/* Key files: hex values, the KMS public file and signing key directories.
 * Secret files are checked on the opened descriptor (no race between the
 * mode check and the read) and written through a 0600 temporary file that
 * is renamed (or linked, to refuse overwriting) into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/kms_cert.h"

#include "util/keyfile_internal.h"

#define KEYFILE_MAX 8192

__attribute__((format(printf, 4, 5))) static void set_why(char *why, size_t why_size, unsigned line,
                                                          const char *fmt, ...)
{
    if (why == NULL || why_size == 0) {
        return;
    }
    char text[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof(text), fmt, args);
    va_end(args);
    if (line > 0) {
        snprintf(why, why_size, "line %u: %s", line, text);
    } else {
        snprintf(why, why_size, "%s", text);
    }
}

/* Reads a whole small file into buf (NUL terminated). */
static mcsec_err_t read_small(const char *path, int secret, char *buf, size_t buf_size, size_t *len)
{
    struct stat st;
    mcsec_keyfile_fail_t fail;
    int fd = mcsec_keyfile_open(AT_FDCWD, path, 0, secret ? 077u : 0u, &st, &fail, NULL);
    if (fd < 0) {
        return fail == MCSEC_KEYFILE_MODE ? MCSEC_ERR_PERM : MCSEC_ERR_IO;
    }
    ssize_t got = mcsec_keyfile_read_upto(fd, buf, buf_size - 1);
    close(fd);
    if (got < 0) {
        return MCSEC_ERR_IO;
    }
    size_t total = (size_t)got;
    if (total == buf_size - 1) {
        return MCSEC_ERR_PARSE; /* larger than any key file */
    }
    buf[total] = '\0';
    *len = total;
    return MCSEC_OK;
}

/* Exactly 2*len hex digits. */
static mcsec_err_t hex_decode(const char *text, size_t text_len, uint8_t *out, size_t len)
{
    if (text_len != 2 * len || !mcsec_keyfile_hex_decode(text, len, out)) {
        return MCSEC_ERR_PARSE;
    }
    return MCSEC_OK;
}

static void hex_encode(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0F];
    }
    out[2 * len] = '\0';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

mcsec_err_t mcsec_keyfile_read_hex(const char *path, int secret, uint8_t *out, size_t len)
{
    char text[KEYFILE_MAX];
    size_t n = 0;
    if (path == NULL || out == NULL || len == 0 || len > KEYFILE_MAX / 4) {
        return MCSEC_ERR_ARG;
    }
    mcsec_err_t err = read_small(path, secret, text, sizeof(text), &n);
    if (err == MCSEC_OK) {
        while (n > 0 && is_space(text[n - 1])) {
            n--;
        }
        err = hex_decode(text, n, out, len);
        if (err != MCSEC_OK) {
            OPENSSL_cleanse(out, len);
        }
    }
    OPENSSL_cleanse(text, sizeof(text));
    return err;
}

/* Writes data to path atomically with the given mode. */
static mcsec_err_t write_atomic(const char *path, mode_t mode, int exclusive, const char *data,
                                size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp)) {
        return MCSEC_ERR_ARG;
    }
    if (exclusive && access(path, F_OK) == 0) {
        return MCSEC_ERR_INVALID;
    }
    int fd = mkstemp(tmp); /* created 0600 */
    if (fd < 0) {
        return MCSEC_ERR_IO;
    }
    size_t done = 0;
    int ok = fchmod(fd, mode) == 0;
    while (ok && done < len) {
        ssize_t put = write(fd, data + done, len - done);
        if (put < 0 && errno == EINTR) {
            continue;
        }
        ok = put > 0;
        done += ok ? (size_t)put : 0;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && exclusive) {
        /* link() fails when path exists: never replace a secret. */
        if (link(tmp, path) != 0) {
            unlink(tmp);
            return errno == EEXIST ? MCSEC_ERR_INVALID : MCSEC_ERR_IO;
        }
        unlink(tmp);
        return MCSEC_OK;
    }
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return MCSEC_ERR_IO;
    }
    return MCSEC_OK;
}

mcsec_err_t mcsec_keyfile_write_hex(const char *path, int secret, int exclusive,
                                    const uint8_t *data, size_t len)
{
    char text[KEYFILE_MAX];
    if (path == NULL || data == NULL || len == 0 || 2 * len + 2 > sizeof(text)) {
        return MCSEC_ERR_ARG;
    }
    hex_encode(data, len, text);
    text[2 * len] = '\n';
    mcsec_err_t err = write_atomic(path, secret ? 0600 : 0644, exclusive, text, 2 * len + 1);
    OPENSSL_cleanse(text, sizeof(text));
    return err;
}

/* ---- name=value files --------------------------------------------------- */

/* Calls field() for each "name=value" line (both trimmed); '#' lines and
 * blank lines skipped. Stops at the first error, reporting its line. */
typedef mcsec_err_t (*field_fn)(void *ctx, const char *name, const char *value, char *why,
                                size_t why_size);

static mcsec_err_t parse_fields(const char *text, size_t len, field_fn field, void *ctx, char *why,
                                size_t why_size)
{
    mcsec_keyfile_lines_t lines;
    mcsec_keyfile_lines_init(&lines, text, len);
    const char *line;
    size_t line_len;
    while (mcsec_keyfile_lines_next(&lines, &line, &line_len)) {
        unsigned line_no = lines.lineno;
        while (line_len > 0 && is_space(line[line_len - 1])) {
            line_len--;
        }
        while (line_len > 0 && is_space(line[0])) {
            line++;
            line_len--;
        }
        if (line_len == 0 || line[0] == '#') {
            continue;
        }
        char copy[1200];
        if (line_len >= sizeof(copy) || memchr(line, '\0', line_len) != NULL) {
            set_why(why, why_size, line_no, "line too long or not text");
            return MCSEC_ERR_PARSE;
        }
        memcpy(copy, line, line_len);
        copy[line_len] = '\0';
        char *eq = strchr(copy, '=');
        if (eq == NULL) {
            set_why(why, why_size, line_no, "expected name=value, got '%.64s'", copy);
            return MCSEC_ERR_PARSE;
        }
        char *name_end = eq;
        while (name_end > copy && is_space(name_end[-1])) {
            name_end--;
        }
        *name_end = '\0';
        char *value = eq + 1;
        while (is_space(*value)) {
            value++;
        }
        char local_why[200] = "";
        mcsec_err_t err = field(ctx, copy, value, local_why, sizeof(local_why));
        if (err != MCSEC_OK) {
            set_why(why, why_size, line_no, "%s", local_why);
            return err;
        }
    }
    return MCSEC_OK;
}

/* Strict decimal, at most 2^48. */
static bool parse_u64(const char *text, uint64_t *out)
{
    uint64_t v = 0;
    if (*text == '\0') {
        return false;
    }
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_C(1) << 48)) {
            return false;
        }
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > (UINT64_C(1) << 48)) {
        return false;
    }
    *out = v;
    return true;
}

/* Text for a name (issuer): 1..max octets, no control characters. */
static bool text_ok(const char *value, size_t max)
{
    size_t len = strlen(value);
    if (len == 0 || len > max) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)value[i] < 0x20 || value[i] == 0x7F) {
            return false;
        }
    }
    return true;
}

/* A URI-ish token: printable, no spaces, 1..max octets. */
static bool token_ok(const char *value, size_t max)
{
    size_t len = strlen(value);
    if (len == 0 || len > max) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)value[i] <= 0x20 || value[i] == 0x7F) {
            return false;
        }
    }
    return true;
}

typedef struct {
    mcsec_kms_pub_t *pub;
    unsigned seen; /* bit per field */
} kms_parse_t;

static mcsec_err_t kms_field(void *vctx, const char *name, const char *value, char *why,
                             size_t why_size)
{
    static const char *const names[] = {
        "kms_uri",    "kpak",     "key_period",     "key_offset",    "cert_uri",   "issuer",
        "valid_from", "valid_to", "user_id_format", "parameter_set", "pub_enc_key"};
    const unsigned count = sizeof(names) / sizeof(names[0]);
    kms_parse_t *ctx = vctx;
    unsigned which = 0;
    while (which < count && strcmp(names[which], name) != 0) {
        which++;
    }
    if (which == count) {
        set_why(why, why_size, 0, "unknown name '%.64s'", name);
        return MCSEC_ERR_PARSE;
    }
    if (ctx->seen & (1u << which)) {
        set_why(why, why_size, 0, "'%s' given twice", name);
        return MCSEC_ERR_PARSE;
    }
    ctx->seen |= 1u << which;
    bool ok;
    switch (which) {
    case 0:
        ok = token_ok(value, MCSEC_KMS_URI_MAX);
        if (ok) {
            snprintf(ctx->pub->kms_uri, sizeof(ctx->pub->kms_uri), "%s", value);
        }
        break;
    case 1:
        ok = hex_decode(value, strlen(value), ctx->pub->kpak, MCSEC_ECCSI_POINT_LEN) == MCSEC_OK;
        break;
    case 2:
        ok = parse_u64(value, &ctx->pub->key_period) && ctx->pub->key_period > 0;
        break;
    case 3:
        ok = parse_u64(value, &ctx->pub->key_offset);
        break;
    case 4:
        ok = token_ok(value, MCSEC_KMS_URI_MAX);
        if (ok) {
            snprintf(ctx->pub->cert_uri, sizeof(ctx->pub->cert_uri), "%s", value);
        }
        break;
    case 5:
        ok = text_ok(value, MCSEC_KMS_URI_MAX);
        if (ok) {
            snprintf(ctx->pub->issuer, sizeof(ctx->pub->issuer), "%s", value);
        }
        break;
    case 6:
        ok = mcsec_kms_time_parse(value, &ctx->pub->valid_from) == MCSEC_OK;
        break;
    case 7:
        ok = mcsec_kms_time_parse(value, &ctx->pub->valid_to) == MCSEC_OK;
        break;
    case 8:
    case 9: {
        char *dst = which == 8 ? ctx->pub->user_id_format : ctx->pub->parameter_set;
        ok = token_ok(value, MCSEC_KMS_TOKEN_MAX);
        if (ok) {
            snprintf(dst, MCSEC_KMS_TOKEN_MAX + 1, "%s", value);
        }
        break;
    }
    default: {
        size_t n = strlen(value);
        ok = n > 0 && n % 2 == 0 && n / 2 <= MCSEC_KMS_PUB_ENC_MAX &&
             hex_decode(value, n, ctx->pub->pub_enc_key, n / 2) == MCSEC_OK;
        ctx->pub->pub_enc_key_len = ok ? n / 2 : 0;
        break;
    }
    }
    if (!ok) {
        set_why(why, why_size, 0, "bad value for '%s'", name);
        return MCSEC_ERR_PARSE;
    }
    return MCSEC_OK;
}

mcsec_err_t mcsec_kms_pub_parse(const char *text, size_t len, mcsec_kms_pub_t *out, char *why,
                                size_t why_size)
{
    if (text == NULL || out == NULL) {
        return MCSEC_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    kms_parse_t ctx = {out, 0};
    mcsec_err_t err = parse_fields(text, len, kms_field, &ctx, why, why_size);
    if (err != MCSEC_OK) {
        return err;
    }
    if ((ctx.seen & 0x7u) != 0x7u) {
        set_why(why, why_size, 0, "kms_uri, kpak and key_period are required");
        return MCSEC_ERR_PARSE;
    }
    if (out->key_offset >= out->key_period) {
        set_why(why, why_size, 0, "key_offset must be less than key_period");
        return MCSEC_ERR_INVALID;
    }
    /* valid_from (bit 6) and valid_to (bit 7): both or neither. */
    if (((ctx.seen >> 6) & 3u) == 1u || ((ctx.seen >> 6) & 3u) == 2u) {
        set_why(why, why_size, 0, "valid_from and valid_to go together");
        return MCSEC_ERR_PARSE;
    }
    out->has_validity = ((ctx.seen >> 6) & 3u) == 3u;
    if (out->has_validity && out->valid_from >= out->valid_to) {
        set_why(why, why_size, 0, "valid_from must be before valid_to");
        return MCSEC_ERR_INVALID;
    }
    mcsec_eccsi_pub_t *kpak = NULL;
    err = mcsec_eccsi_pub_new(out->kpak, &kpak);
    mcsec_eccsi_pub_free(kpak);
    if (err != MCSEC_OK) {
        set_why(why, why_size, 0, "kpak is not a point of P-256");
        return err == MCSEC_ERR_NOMEM ? err : MCSEC_ERR_INVALID;
    }
    return MCSEC_OK;
}

mcsec_err_t mcsec_kms_pub_read(const char *path, mcsec_kms_pub_t *out, char *why, size_t why_size)
{
    char text[KEYFILE_MAX];
    size_t len = 0;
    if (path == NULL || out == NULL) {
        return MCSEC_ERR_ARG;
    }
    mcsec_err_t err = read_small(path, 0, text, sizeof(text), &len);
    if (err != MCSEC_OK) {
        set_why(why, why_size, 0, "cannot read '%s'", path);
        return err;
    }
    return mcsec_kms_pub_parse(text, len, out, why, why_size);
}

mcsec_err_t mcsec_kms_pub_write(const char *path, const mcsec_kms_pub_t *pub)
{
    char kpak_hex[2 * MCSEC_ECCSI_POINT_LEN + 1];
    char text[4096];
    if (path == NULL || pub == NULL || !token_ok(pub->kms_uri, MCSEC_KMS_URI_MAX) ||
        pub->pub_enc_key_len > MCSEC_KMS_PUB_ENC_MAX) {
        return MCSEC_ERR_ARG;
    }
    hex_encode(pub->kpak, sizeof(pub->kpak), kpak_hex);
    int len = snprintf(text, sizeof(text),
                       "# KMS public parameters (mcsec profile, docs/profile.md section 4)\n"
                       "kms_uri=%s\nkpak=%s\nkey_period=%" PRIu64 "\nkey_offset=%" PRIu64 "\n",
                       pub->kms_uri, kpak_hex, pub->key_period, pub->key_offset);
    /* The fields of a KMS certificate (mcsecctl kms import), when known. */
    const struct {
        const char *name, *value;
    } extra[] = {{"cert_uri", pub->cert_uri},
                 {"issuer", pub->issuer},
                 {"user_id_format", pub->user_id_format},
                 {"parameter_set", pub->parameter_set}};
    for (size_t i = 0; len > 0 && i < sizeof(extra) / sizeof(extra[0]); i++) {
        if (extra[i].value[0] != '\0' && (size_t)len < sizeof(text)) {
            len += snprintf(text + len, sizeof(text) - (size_t)len, "%s=%s\n", extra[i].name,
                            extra[i].value);
        }
    }
    if (pub->has_validity && len > 0 && (size_t)len < sizeof(text)) {
        char from[32], to[32];
        if (mcsec_kms_time_format(pub->valid_from, from, sizeof(from)) != MCSEC_OK ||
            mcsec_kms_time_format(pub->valid_to, to, sizeof(to)) != MCSEC_OK) {
            return MCSEC_ERR_ARG;
        }
        len += snprintf(text + len, sizeof(text) - (size_t)len, "valid_from=%s\nvalid_to=%s\n",
                        from, to);
    }
    if (pub->pub_enc_key_len > 0 && len > 0 &&
        (size_t)len + 2 * pub->pub_enc_key_len + 14 < sizeof(text)) {
        len += snprintf(text + len, sizeof(text) - (size_t)len, "pub_enc_key=");
        hex_encode(pub->pub_enc_key, pub->pub_enc_key_len, text + len);
        len += (int)(2 * pub->pub_enc_key_len);
        text[len++] = '\n';
        text[len] = '\0';
    }
    if (len < 0 || (size_t)len >= sizeof(text)) {
        return MCSEC_ERR_ARG;
    }
    return write_atomic(path, 0644, 0, text, (size_t)len);
}

/* ---- signing key directories ------------------------------------------- */

typedef struct {
    mcsec_eccsi_keydir_t *keys;
    unsigned seen;
} signer_parse_t;

static mcsec_err_t signer_field(void *vctx, const char *name, const char *value, char *why,
                                size_t why_size)
{
    signer_parse_t *ctx = vctx;
    if (strcmp(name, "uri") == 0 && !(ctx->seen & 1u) &&
        token_ok(value, sizeof(ctx->keys->uri) - 1)) {
        snprintf(ctx->keys->uri, sizeof(ctx->keys->uri), "%s", value);
        ctx->seen |= 1u;
        return MCSEC_OK;
    }
    if (strcmp(name, "key_period_number") == 0 && !(ctx->seen & 2u) &&
        parse_u64(value, &ctx->keys->key_period_number)) {
        ctx->seen |= 2u;
        return MCSEC_OK;
    }
    set_why(why, why_size, 0, "unknown, repeated or bad '%.64s'", name);
    return MCSEC_ERR_PARSE;
}

static int join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    return n > 0 && (size_t)n < size;
}

mcsec_err_t mcsec_eccsi_keydir_read(const char *dir, mcsec_eccsi_keydir_t *out, char *why,
                                    size_t why_size)
{
    char path[4096];
    if (dir == NULL || out == NULL) {
        return MCSEC_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    mcsec_err_t err = join(path, sizeof(path), dir, "ssk") ? MCSEC_OK : MCSEC_ERR_ARG;
    if (err == MCSEC_OK) {
        err = mcsec_keyfile_read_hex(path, 1, out->ssk, sizeof(out->ssk));
        if (err != MCSEC_OK) {
            if (err == MCSEC_ERR_PERM) {
                set_why(why, why_size, 0, "'%s' is readable by group or others; chmod 600", path);
            } else {
                set_why(why, why_size, 0, "cannot read the SSK from '%s'", path);
            }
        }
    }
    if (err == MCSEC_OK && join(path, sizeof(path), dir, "pvt")) {
        err = mcsec_keyfile_read_hex(path, 0, out->pvt, sizeof(out->pvt));
        if (err != MCSEC_OK) {
            set_why(why, why_size, 0, "cannot read the PVT from '%s'", path);
        }
    }
    if (err == MCSEC_OK && join(path, sizeof(path), dir, "kms.pub")) {
        err = mcsec_kms_pub_read(path, &out->kms, why, why_size);
    }
    if (err == MCSEC_OK && join(path, sizeof(path), dir, "signer")) {
        char text[KEYFILE_MAX];
        size_t len = 0;
        err = read_small(path, 0, text, sizeof(text), &len);
        if (err != MCSEC_OK) {
            set_why(why, why_size, 0, "cannot read '%s'", path);
        } else {
            signer_parse_t ctx = {out, 0};
            err = parse_fields(text, len, signer_field, &ctx, why, why_size);
            if (err == MCSEC_OK && ctx.seen != 3u) {
                set_why(why, why_size, 0, "'%s' needs uri and key_period_number", path);
                err = MCSEC_ERR_PARSE;
            }
        }
    }
    if (err != MCSEC_OK) {
        mcsec_eccsi_keydir_clear(out);
    }
    return err;
}

mcsec_err_t mcsec_eccsi_keydir_write(const char *dir, const mcsec_eccsi_keydir_t *keys)
{
    char path[4096];
    if (dir == NULL || keys == NULL || !token_ok(keys->uri, sizeof(keys->uri) - 1)) {
        return MCSEC_ERR_ARG;
    }
    mcsec_err_t err = join(path, sizeof(path), dir, "ssk") ? MCSEC_OK : MCSEC_ERR_ARG;
    if (err == MCSEC_OK) {
        err = mcsec_keyfile_write_hex(path, 1, 0, keys->ssk, sizeof(keys->ssk));
    }
    if (err == MCSEC_OK && join(path, sizeof(path), dir, "pvt")) {
        err = mcsec_keyfile_write_hex(path, 1, 0, keys->pvt, sizeof(keys->pvt));
    }
    if (err == MCSEC_OK && join(path, sizeof(path), dir, "kms.pub")) {
        err = mcsec_kms_pub_write(path, &keys->kms);
    }
    if (err == MCSEC_OK && join(path, sizeof(path), dir, "signer")) {
        char text[1200];
        int len = snprintf(text, sizeof(text), "uri=%s\nkey_period_number=%" PRIu64 "\n", keys->uri,
                           keys->key_period_number);
        err = len > 0 && (size_t)len < sizeof(text) ? write_atomic(path, 0644, 0, text, (size_t)len)
                                                    : MCSEC_ERR_ARG;
    }
    return err;
}

void mcsec_eccsi_keydir_clear(mcsec_eccsi_keydir_t *keys)
{
    if (keys != NULL) {
        OPENSSL_cleanse(keys, sizeof(*keys));
    }
}
