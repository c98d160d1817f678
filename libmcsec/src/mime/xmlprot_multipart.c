/* A small, strictly bounded multipart/mixed splitter (RFC 2046 5.1) and
 * Content-Type parser. Views only: nothing is copied or allocated, nothing
 * is read past the given length. CRLF line ends only, as SIP uses. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "mime_split_internal.h"

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

/* Copies a parameter value lower-cased into out (size out_size); false
 * when it does not fit. */
static bool copy_lower(const char *value, size_t len, char *out, size_t out_size)
{
    if (len >= out_size)
        return false;
    for (size_t k = 0; k < len; k++)
        out[k] = (char)tolower((unsigned char)value[k]);
    out[len] = '\0';
    return true;
}

mcsec_err_t xp_content_type_params(const char *value, size_t len, char *type, size_t type_size,
                                   char *boundary, size_t boundary_size, char *charset,
                                   size_t charset_size)
{
    if (boundary && boundary_size)
        boundary[0] = '\0';
    if (charset && charset_size)
        charset[0] = '\0';
    bool seen_boundary = false, seen_charset = false;
    size_t i = skip_ws(value, 0, len);
    size_t start = i;
    i = read_token(value, i, len);
    if (i == start || i >= len || value[i] != '/')
        return MCSEC_ERR_PARSE;
    i = read_token(value, i + 1, len);
    if (value[i - 1] == '/' || !copy_lower(value + start, i - start, type, type_size))
        return MCSEC_ERR_PARSE;
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
            /* RFC 2046: 1 to 70 characters, not ending with a space; one
             * boundary parameter only (receivers differ on which wins). */
            if (seen_boundary || param_len == 0 || param_len > 70 || param_len >= boundary_size ||
                param[param_len - 1] == ' ' || memchr(param, '\0', param_len))
                return MCSEC_ERR_PARSE;
            memcpy(boundary, param, param_len + 1);
            seen_boundary = true;
        } else if (name_len == 7 && strncasecmp(value + name, "charset", 7) == 0 && charset) {
            if (seen_charset || memchr(param, '\0', param_len) ||
                !copy_lower(param, param_len, charset, charset_size))
                return MCSEC_ERR_PARSE;
            seen_charset = true;
        }
    }
}

mcsec_err_t xp_content_type(const char *value, size_t len, char *type, size_t type_size,
                            char *boundary, size_t boundary_size)
{
    return xp_content_type_params(value, len, type, type_size, boundary, boundary_size, NULL, 0);
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

/* Whether the field name h[0, n) is name, or its SIP compact form. */
static bool field_is(const char *h, size_t n, const char *name, char compact)
{
    return (n == strlen(name) && strncasecmp(h, name, n) == 0) ||
           (compact && n == 1 && tolower((unsigned char)h[0]) == compact);
}

/* The value h[v, end) without surrounding white space. */
static void trim_value(const char *h, size_t *v, size_t *end)
{
    *v = skip_ws(h, *v, *end);
    while (*end > *v && (h[*end - 1] == ' ' || h[*end - 1] == '\t'))
        (*end)--;
}

static mcsec_err_t refuse(xp_mime_t *mime, const char *fault)
{
    mime->fault = fault;
    return MCSEC_ERR_PARSE;
}

/* Content-Type, Content-ID, Content-Transfer-Encoding and Content-Encoding
 * of one part's header block (see mcsec/mime/mime.h for what is refused). */
static mcsec_err_t part_headers(xp_part_t *part, xp_mime_t *mime)
{
    strcpy(part->type, "text/plain");
    part->cid[0] = '\0';
    part->charset[0] = '\0';
    const char *h = (const char *)part->headers;
    size_t len = part->headers_len, i = 0;
    unsigned seen_type = 0, seen_id = 0, seen_cte = 0;
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
            return refuse(mime, "part header field without a colon");
        size_t name_len = (size_t)(colon - (h + i));
        /* RFC 5322 obsolete syntax allows blanks before the colon. */
        while (name_len > 0 && (h[i + name_len - 1] == ' ' || h[i + name_len - 1] == '\t'))
            name_len--;
        if (name_len == 0 || read_token(h, i, i + name_len) != i + name_len)
            return refuse(mime, "part header field name is not a token");
        size_t v = (size_t)(colon - h) + 1, stop = end;
        trim_value(h, &v, &stop);
        if (field_is(h + i, name_len, "Content-Type", 'c')) {
            if (seen_type++)
                return refuse(mime, "part with more than one Content-Type");
            if (xp_content_type_params(h + v, stop - v, part->type, sizeof(part->type), NULL, 0,
                                       part->charset, sizeof(part->charset)) != MCSEC_OK)
                return refuse(mime, "part Content-Type cannot be parsed");
            part->ct_value = h + v;
            part->ct_value_len = stop - v;
        } else if (field_is(h + i, name_len, "Content-ID", 0)) {
            if (seen_id++)
                return refuse(mime, "part with more than one Content-ID");
            size_t id_len = stop - v;
            if (id_len < 3 || h[v] != '<' || h[stop - 1] != '>' || id_len - 2 >= sizeof(part->cid))
                return refuse(mime, "part Content-ID is not <id> of at most 127 octets");
            for (size_t k = v + 1; k < stop - 1; k++)
                if (!isgraph((unsigned char)h[k]) || h[k] == '<' || h[k] == '>' || h[k] == '#')
                    return refuse(mime, "part Content-ID holds a character it may not");
            memcpy(part->cid, h + v + 1, id_len - 2);
            part->cid[id_len - 2] = '\0';
        } else if (field_is(h + i, name_len, "Content-Transfer-Encoding", 0)) {
            if (seen_cte++)
                return refuse(mime, "part with more than one Content-Transfer-Encoding");
            size_t n = stop - v;
            if (!((n == 4 && strncasecmp(h + v, "7bit", 4) == 0) ||
                  (n == 4 && strncasecmp(h + v, "8bit", 4) == 0) ||
                  (n == 6 && strncasecmp(h + v, "binary", 6) == 0)))
                return refuse(mime, "part Content-Transfer-Encoding other than 7bit, 8bit or "
                                    "binary");
        } else if (field_is(h + i, name_len, "Content-Encoding", 'e')) {
            return refuse(mime, "part with a Content-Encoding");
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
            return refuse(mime, "multipart body without its boundary");
        pos += delim_len;
    }
    bool close = false;
    pos = after_delimiter(body, pos, len, &close);
    if (pos == SIZE_MAX || close)
        return refuse(mime, "multipart body without a part");
    while (!close) {
        size_t next = find(body, pos, len, delim, delim_len);
        if (next == len)
            return refuse(mime, "multipart body without its close delimiter");
        if (mime->count == MCSEC_XMLPROT_MAX_PARTS)
            return refuse(mime, "more parts in one multipart than the limit");
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
                return refuse(mime, "part without the empty line after its headers");
            part->headers = body + pos;
            part->headers_len = blank - pos;
            part->body = body + blank + 4;
            part->body_len = next - blank - 4;
        }
        if (part_headers(part, mime) != MCSEC_OK)
            return MCSEC_ERR_PARSE;
        pos = after_delimiter(body, next + delim_len, len, &close);
        if (pos == SIZE_MAX)
            return refuse(mime, "multipart delimiter line followed by other text");
    }
    return MCSEC_OK;
}

mcsec_err_t xp_mime_split(const char *content_type, size_t ct_len, const uint8_t *body, size_t len,
                          xp_mime_t *mime)
{
    memset(mime, 0, sizeof(*mime));
    char type[MCSEC_MIME_TYPE_SIZE];
    char charset[MCSEC_MIME_CHARSET_SIZE];
    if (!content_type ||
        xp_content_type_params(content_type, ct_len, type, sizeof(type), mime->boundary,
                               sizeof(mime->boundary), charset, sizeof(charset)) != MCSEC_OK)
        return refuse(mime, "Content-Type cannot be parsed");
    if (strncmp(type, "multipart/", 10) != 0) {
        mime->count = 1;
        mime->parts[0].headers = body;
        mime->parts[0].body = body;
        mime->parts[0].body_len = len;
        mime->parts[0].ct_value = content_type;
        mime->parts[0].ct_value_len = ct_len;
        strcpy(mime->parts[0].type, type);
        strcpy(mime->parts[0].charset, charset);
        return MCSEC_OK;
    }
    /* RFC 2046 5.1.7: an unknown multipart subtype is read as mixed. */
    if (!mime->boundary[0] || !body)
        return refuse(mime, "multipart without a boundary");
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
