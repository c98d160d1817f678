/* A small, strictly bounded multipart/mixed splitter (RFC 2046 5.1) and
 * Content-Type parser. Views only: nothing is copied or allocated, nothing
 * is read past the given length. CRLF line ends only, as SIP uses. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "xmlprot_internal.h"

static bool is_token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

static size_t skip_ws(const char *p, size_t i, size_t len)
{
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i;
}

/* Reads a token at p[i], returns the index after it. */
static size_t read_token(const char *p, size_t i, size_t len)
{
    while (i < len && is_token_char((unsigned char)p[i]))
        i++;
    return i;
}

mcsec_err_t xp_content_type(const char *value, size_t len, char *type, size_t type_size,
                            char *boundary, size_t boundary_size)
{
    if (boundary && boundary_size)
        boundary[0] = '\0';
    size_t i = skip_ws(value, 0, len);
    size_t start = i;
    i = read_token(value, i, len);
    if (i == start || i >= len || value[i] != '/')
        return MCSEC_ERR_PARSE;
    i = read_token(value, i + 1, len);
    if (value[i - 1] == '/' || i - start >= type_size)
        return MCSEC_ERR_PARSE;
    for (size_t k = 0; k < i - start; k++)
        type[k] = (char)tolower((unsigned char)value[start + k]);
    type[i - start] = '\0';
    for (;;) {
        i = skip_ws(value, i, len);
        if (i == len)
            return MCSEC_OK;
        if (value[i] != ';')
            return MCSEC_ERR_PARSE;
        i = skip_ws(value, i + 1, len);
        size_t name = i;
        i = read_token(value, i, len);
        size_t name_len = i - name;
        i = skip_ws(value, i, len);
        if (name_len == 0 || i == len || value[i] != '=')
            return MCSEC_ERR_PARSE;
        i = skip_ws(value, i + 1, len);
        char param[128];
        size_t param_len = 0;
        if (i < len && value[i] == '"') {
            for (i++; i < len && value[i] != '"'; i++) {
                if (value[i] == '\\' && i + 1 < len)
                    i++;
                if (param_len + 1 >= sizeof(param))
                    return MCSEC_ERR_PARSE;
                param[param_len++] = value[i];
            }
            if (i == len)
                return MCSEC_ERR_PARSE;
            i++;
        } else {
            size_t v = i;
            i = read_token(value, i, len);
            if (i == v || i - v >= sizeof(param))
                return MCSEC_ERR_PARSE;
            memcpy(param, value + v, i - v);
            param_len = i - v;
        }
        param[param_len] = '\0';
        if (name_len == 8 && strncasecmp(value + name, "boundary", 8) == 0 && boundary) {
            /* RFC 2046: 1 to 70 characters, not ending with a space. */
            if (param_len == 0 || param_len > 70 || param_len >= boundary_size ||
                param[param_len - 1] == ' ' || memchr(param, '\0', param_len))
                return MCSEC_ERR_PARSE;
            memcpy(boundary, param, param_len + 1);
        }
    }
}

/* First occurrence of needle in hay[from, len), or len. */
static size_t find(const uint8_t *hay, size_t from, size_t len, const char *needle,
                   size_t needle_len)
{
    if (needle_len == 0 || from >= len || len - from < needle_len)
        return len;
    const uint8_t *at = memmem(hay + from, len - from, needle, needle_len);
    return at ? (size_t)(at - hay) : len;
}

/* Content-Type and Content-ID of one part's header block. */
static mcsec_err_t part_headers(xp_part_t *part)
{
    strcpy(part->type, "text/plain");
    part->cid[0] = '\0';
    const char *h = (const char *)part->headers;
    size_t len = part->headers_len, i = 0;
    while (i < len) {
        size_t end = i;
        /* A field ends at a CRLF not followed by folding white space. */
        for (;;) {
            end = find(part->headers, end, len, "\r\n", 2);
            if (end + 2 < len && (h[end + 2] == ' ' || h[end + 2] == '\t'))
                end += 2;
            else
                break;
        }
        const char *colon = memchr(h + i, ':', end - i);
        if (!colon)
            return MCSEC_ERR_PARSE;
        size_t name_len = (size_t)(colon - (h + i));
        size_t v = (size_t)(colon - h) + 1;
        if (name_len == 12 && strncasecmp(h + i, "Content-Type", 12) == 0) {
            if (xp_content_type(h + v, end - v, part->type, sizeof(part->type), NULL, 0) !=
                MCSEC_OK)
                return MCSEC_ERR_PARSE;
            part->ct_value = h + v;
            part->ct_value_len = end - v;
        } else if (name_len == 10 && strncasecmp(h + i, "Content-ID", 10) == 0) {
            v = skip_ws(h, v, end);
            size_t stop = end;
            while (stop > v && (h[stop - 1] == ' ' || h[stop - 1] == '\t'))
                stop--;
            size_t id_len = stop > v ? stop - v : 0;
            if (id_len < 3 || h[v] != '<' || h[stop - 1] != '>' || id_len - 2 >= sizeof(part->cid))
                return MCSEC_ERR_PARSE;
            for (size_t k = v + 1; k < stop - 1; k++)
                if (!isgraph((unsigned char)h[k]) || h[k] == '<' || h[k] == '>' || h[k] == '#')
                    return MCSEC_ERR_PARSE;
            memcpy(part->cid, h + v + 1, stop - v - 2);
            part->cid[stop - v - 2] = '\0';
        }
        i = end + 2;
    }
    return MCSEC_OK;
}

/* After a dash-boundary at pos: returns the index after the delimiter line
 * and sets *close for the close delimiter; len on a malformed line. */
static size_t after_delimiter(const uint8_t *body, size_t pos, size_t len, bool *close)
{
    *close = pos + 2 <= len && body[pos] == '-' && body[pos + 1] == '-';
    if (*close)
        pos += 2;
    while (pos < len && (body[pos] == ' ' || body[pos] == '\t'))
        pos++;
    if (*close && pos == len)
        return len; /* close delimiter at the very end: fine */
    if (pos + 2 > len || body[pos] != '\r' || body[pos + 1] != '\n')
        return *close ? len : SIZE_MAX;
    return pos + 2;
}

static mcsec_err_t split_multipart(const uint8_t *body, size_t len, xp_mime_t *mime)
{
    char delim[2 + 2 + 70 + 1];
    int n = snprintf(delim, sizeof(delim), "\r\n--%s", mime->boundary);
    size_t delim_len = (size_t)n;
    size_t pos;
    /* The first delimiter may open the body without a preceding CRLF. */
    if (len >= delim_len - 2 && memcmp(body, delim + 2, delim_len - 2) == 0)
        pos = delim_len - 2;
    else {
        pos = find(body, 0, len, delim, delim_len);
        if (pos == len)
            return MCSEC_ERR_PARSE;
        pos += delim_len;
    }
    bool close = false;
    pos = after_delimiter(body, pos, len, &close);
    if (pos == SIZE_MAX || close)
        return MCSEC_ERR_PARSE;
    while (!close) {
        size_t next = find(body, pos, len, delim, delim_len);
        if (next == len || mime->count == MCSEC_XMLPROT_MAX_PARTS)
            return MCSEC_ERR_PARSE;
        xp_part_t *part = &mime->parts[mime->count++];
        memset(part, 0, sizeof(*part));
        if (next - pos >= 2 && body[pos] == '\r' && body[pos + 1] == '\n') {
            part->headers = body + pos;
            part->headers_len = 0;
            part->body = body + pos + 2;
            part->body_len = next - pos - 2;
        } else {
            size_t blank = find(body, pos, next, "\r\n\r\n", 4);
            if (blank == next)
                return MCSEC_ERR_PARSE;
            part->headers = body + pos;
            part->headers_len = blank - pos;
            part->body = body + blank + 4;
            part->body_len = next - blank - 4;
        }
        if (part_headers(part) != MCSEC_OK)
            return MCSEC_ERR_PARSE;
        pos = after_delimiter(body, next + delim_len, len, &close);
        if (pos == SIZE_MAX)
            return MCSEC_ERR_PARSE;
    }
    return MCSEC_OK;
}

mcsec_err_t xp_mime_split(const char *content_type, const uint8_t *body, size_t len,
                          xp_mime_t *mime)
{
    memset(mime, 0, sizeof(*mime));
    char type[96];
    if (!content_type || xp_content_type(content_type, strlen(content_type), type, sizeof(type),
                                         mime->boundary, sizeof(mime->boundary)) != MCSEC_OK)
        return MCSEC_ERR_PARSE;
    if (strncmp(type, "multipart/", 10) != 0) {
        mime->count = 1;
        mime->parts[0].headers = body;
        mime->parts[0].body = body;
        mime->parts[0].body_len = len;
        mime->parts[0].ct_value = content_type;
        mime->parts[0].ct_value_len = strlen(content_type);
        strcpy(mime->parts[0].type, type);
        return MCSEC_OK;
    }
    if (strcmp(type, "multipart/mixed") != 0 || !mime->boundary[0] || !body)
        return MCSEC_ERR_PARSE;
    mime->multipart = true;
    return split_multipart(body, len, mime);
}

mcsec_err_t xp_random_bytes(uint8_t *out, size_t len)
{
    return len <= INT32_MAX && RAND_bytes(out, (int)len) == 1 ? MCSEC_OK : MCSEC_ERR_ARG;
}

mcsec_err_t xp_hex_token(const uint8_t *raw, size_t octets, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    if (out_size < 2 * octets + 1)
        return MCSEC_ERR_ARG;
    for (size_t i = 0; i < octets; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 0x0f];
    }
    out[2 * octets] = '\0';
    return MCSEC_OK;
}
