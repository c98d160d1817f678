/* What a body must look like before the border's body checks (GKTP,
 * internal host names) can be trusted to see what the next hop will see:
 * no Content-Encoding (RFC 9110 8.4: a gzip body is opaque to every check),
 * no charset but UTF-8, and XML only in UTF-8 (RFC 7303; libxml2 would
 * decode an IBM037 or UTF-16 document the byte-level checks never read). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcsec/http_check.h"
#include "check_internal.h"
#include "utf8_internal.h"

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static mcsec_str_t trimmed(const char *p, size_t n)
{
    while (n > 0 && blank(p[0])) {
        p++;
        n--;
    }
    while (n > 0 && blank(p[n - 1]))
        n--;
    return (mcsec_str_t){p, n};
}

static bool same(mcsec_str_t text, const char *word)
{
    size_t n = strlen(word);
    return text.len == n && strncasecmp(text.ptr, word, n) == 0;
}

static mcsec_reason_t fail(mcsec_reason_t reason, char *detail, size_t detail_size,
                           const char *text)
{
    if (detail && detail_size > 0)
        snprintf(detail, detail_size, "%s", text);
    return reason;
}

mcsec_reason_t mcsec_http_check_content_encoding(const mcsec_str_t *values, size_t count)
{
    /* Every coding of every field: "identity" alone is no coding. */
    for (size_t f = 0; f < count; f++) {
        const char *p = values[f].ptr;
        size_t n = p ? values[f].len : 0;
        size_t start = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i < n && p[i] != ',')
                continue;
            mcsec_str_t coding = trimmed(p + start, i - start);
            if (coding.len > 0 && !same(coding, "identity"))
                return MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING;
            start = i + 1;
        }
    }
    return MCSEC_REASON_NONE;
}

/* The charset parameter of a Content-Type (RFC 9110 5.6.6, 8.3.1): *found
 * tells whether there is one, *charset its value without quotes. False
 * when the parameters do not parse or charset is given twice. */
static bool charset_of(mcsec_str_t type, bool *found, mcsec_str_t *charset)
{
    *found = false;
    if (!type.ptr)
        return true;
    const char *p = memchr(type.ptr, ';', type.len);
    const char *end = type.ptr + type.len;
    while (p && p < end) {
        p++; /* past ';' */
        while (p < end && blank(*p))
            p++;
        if (p == end)
            break;
        if (*p == ';')
            continue;
        const char *name = p;
        while (p < end && *p != '=' && *p != ';' && !blank(*p))
            p++;
        mcsec_str_t key = {name, (size_t)(p - name)};
        if (p == end || *p != '=')
            return false;
        p++;
        mcsec_str_t value;
        if (p < end && *p == '"') {
            const char *start = ++p;
            while (p < end && *p != '"')
                p += (*p == '\\' && p + 1 < end) ? 2 : 1;
            if (p >= end)
                return false;
            value = (mcsec_str_t){start, (size_t)(p - start)};
            p++;
        } else {
            const char *start = p;
            while (p < end && *p != ';' && !blank(*p))
                p++;
            value = (mcsec_str_t){start, (size_t)(p - start)};
        }
        while (p < end && blank(*p))
            p++;
        if (p < end && *p != ';')
            return false;
        if (same(key, "charset")) {
            if (*found)
                return false;
            *found = true;
            *charset = value;
        }
    }
    return true;
}

/* The encoding pseudo-attribute of the XML declaration at text (which
 * starts with "<?xml"): true with *has = false when there is none; false
 * when the declaration does not end or the attribute does not parse. */
static bool xml_decl_encoding(const char *text, size_t n, bool *has, mcsec_str_t *value)
{
    *has = false;
    const char *end = NULL;
    for (size_t i = 5; i + 1 < n; i++)
        if (text[i] == '?' && text[i + 1] == '>') {
            end = text + i;
            break;
        }
    if (!end)
        return false;
    for (const char *p = text + 5; p + 8 <= end; p++) {
        if (strncmp(p, "encoding", 8) != 0)
            continue;
        const char *q = p + 8;
        while (q < end && (blank(*q) || *q == '\r' || *q == '\n'))
            q++;
        if (q >= end || *q != '=')
            return false;
        q++;
        while (q < end && (blank(*q) || *q == '\r' || *q == '\n'))
            q++;
        if (q >= end || (*q != '"' && *q != '\''))
            return false;
        const char *close = memchr(q + 1, *q, (size_t)(end - q - 1));
        if (!close)
            return false;
        *has = true;
        *value = (mcsec_str_t){q + 1, (size_t)(close - q - 1)};
        return true;
    }
    return true;
}

mcsec_reason_t mcsec_http_check_body_text(mcsec_str_t content_type, const uint8_t *body, size_t len,
                                          char *detail, size_t detail_size)
{
    if (detail && detail_size > 0)
        detail[0] = '\0';
    bool has_charset;
    mcsec_str_t charset = {"", 0};
    if (!charset_of(content_type, &has_charset, &charset))
        return fail(MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED, detail, detail_size,
                    "content type parameters do not parse");
    if (has_charset && !same(charset, "utf-8"))
        return fail(MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED, detail, detail_size,
                    "charset other than utf-8");
    mcsec_str_t media = mcsec_media_type_of(content_type);
    bool xml = mcsec_http_rewritable_type(content_type);
    bool multipart = media.len > 10 && strncasecmp(media.ptr, "multipart/", 10) == 0;
    if ((!xml && !multipart) || len == 0)
        return MCSEC_REASON_NONE;
    /* XML (and multipart, whose parts the border reads as text): strict
     * UTF-8 without NUL, so UTF-16/32 (NULs or an invalid BOM) and EBCDIC
     * (0x4C 0x6F 0xA7 0x94 is no UTF-8) are refused before any parser
     * guesses an encoding. */
    if (!body || memchr(body, 0, len) != NULL || !mcsec_utf8_valid(body, len))
        return fail(MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED, detail, detail_size,
                    "XML body is not UTF-8 text");
    /* Every XML declaration (one at the start of an XML body, one per XML
     * part of a multipart body) says UTF-8 or nothing. */
    const char *text = (const char *)body;
    for (size_t i = 0; i + 5 <= len; i++) {
        if (memcmp(text + i, "<?xml", 5) != 0)
            continue;
        bool has;
        mcsec_str_t value;
        if (!xml_decl_encoding(text + i, len - i, &has, &value))
            return fail(MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED, detail, detail_size,
                        "XML declaration does not parse");
        if (has && !same(value, "utf-8"))
            return fail(MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED, detail, detail_size,
                        "XML declared in an encoding other than UTF-8");
    }
    return MCSEC_REASON_NONE;
}
