/* Framing of HTTP/1.x requests judged on the octets as they arrived
 * (RFC 9112), and the same rules on a parsed header list. Stricter than
 * the RFC where it allows leniency: a border has no reason to accept bare
 * LF, obs-fold or whitespace before a colon, and every leniency is a place
 * where two parsers (ours and the next hop's) could disagree. */
#include <string.h>
#include <strings.h>

#include "mcsec/http/http_check.h"
#include "sip/check_internal.h"
#include "util/hex_internal.h"

enum {
    S_METHOD = 0, /* request line: method */
    S_TARGET,     /* request line: target */
    S_VERSION,    /* request line: HTTP-version */
    S_LINE_LF,    /* after the request line's CR */
    S_FIELD_START,
    S_NAME,
    S_VALUE,
    S_FIELD_LF, /* after a field line's CR */
    S_END_LF,   /* after the CR of the empty line ending the head */
    S_BODY,     /* Content-Length octets */
    S_CHUNK_SIZE,
    S_CHUNK_EXT,
    S_CHUNK_SIZE_LF,
    S_CHUNK_DATA,
    S_CHUNK_DATA_CR,
    S_CHUNK_DATA_LF,
    S_FAILED,
};

#define MAX_METHOD 32
#define MAX_CHUNK_DIGITS 15 /* keeps the size below 2^60 */
#define MAX_CL_DIGITS 15

/* tchar of RFC 9110 section 5.6.2. */
static bool is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar, SP or HTAB (obs-text allowed, as RFC 9110 keeps it). */
static bool is_value_octet(uint8_t c)
{
    return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

static uint8_t lower_octet(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

void mcsec_http_framing_init(mcsec_http_framing_t *scan, size_t max_head_bytes)
{
    memset(scan, 0, sizeof(*scan));
    scan->state = S_METHOD;
    scan->verdict = MCSEC_REASON_NONE;
    scan->max_head_bytes = max_head_bytes;
}

static mcsec_reason_t fail(mcsec_http_framing_t *scan, mcsec_reason_t reason)
{
    scan->state = S_FAILED;
    scan->verdict = reason;
    return reason;
}

static void start_head(mcsec_http_framing_t *scan)
{
    scan->state = S_METHOD;
    scan->head_bytes = 0;
    scan->name_len = 0;
    scan->content_lengths = 0;
    scan->transfer_encoding = false;
    scan->te_chunked = false;
    scan->in_trailer = false;
    scan->cl_overflow = false;
    scan->content_length = 0;
}

static bool name_is(const mcsec_http_framing_t *scan, const char *name)
{
    size_t n = strlen(name);
    return scan->name_len == n && memcmp(scan->name, name, n) == 0;
}

/* A field line is complete (its CRLF seen): apply what it says about
 * framing. Returns a violation or MCSEC_REASON_NONE. */
static mcsec_reason_t end_field(mcsec_http_framing_t *scan)
{
    size_t len = scan->value_len;
    while (len > 0 && (scan->value[len - 1] == ' ' || scan->value[len - 1] == '\t'))
        len--;
    if (scan->in_trailer)
        return MCSEC_REASON_NONE; /* trailer fields never change framing */
    if (name_is(scan, "content-length")) {
        scan->content_lengths++;
        if (scan->value_long || len == 0 || len > MAX_CL_DIGITS)
            return MCSEC_REASON_HTTP_BAD_FRAMING;
        uint64_t value = 0;
        for (size_t i = 0; i < len; i++) {
            if (scan->value[i] < '0' || scan->value[i] > '9')
                return MCSEC_REASON_HTTP_BAD_FRAMING;
            value = value * 10 + (uint64_t)(scan->value[i] - '0');
        }
        scan->content_length = value;
    } else if (name_is(scan, "transfer-encoding")) {
        if (scan->transfer_encoding)
            return MCSEC_REASON_HTTP_BAD_FRAMING; /* two fields: a list in disguise */
        scan->transfer_encoding = true;
        scan->te_chunked = !scan->value_long && len == 7 && memcmp(scan->value, "chunked", 7) == 0;
    }
    return MCSEC_REASON_NONE;
}

/* The empty line ending a head (or a trailer) was seen. */
static mcsec_reason_t end_head(mcsec_http_framing_t *scan)
{
    if (scan->in_trailer) {
        start_head(scan);
        return MCSEC_REASON_NONE;
    }
    if (scan->content_lengths > 0 && scan->transfer_encoding)
        return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
    if (scan->content_lengths > 1)
        return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
    if (scan->transfer_encoding && !scan->te_chunked)
        return fail(scan, MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING);
    scan->requests++;
    if (scan->transfer_encoding) {
        scan->state = S_CHUNK_SIZE;
        scan->remaining = 0;
        scan->chunk_digits = 0;
    } else if (scan->content_length > 0) {
        scan->state = S_BODY;
        scan->remaining = scan->content_length;
    } else {
        start_head(scan);
    }
    return MCSEC_REASON_NONE;
}

/* One octet of a request head (request line or field lines). */
static mcsec_reason_t head_octet(mcsec_http_framing_t *scan, uint8_t c)
{
    if (!scan->in_trailer && ++scan->head_bytes > scan->max_head_bytes)
        return fail(scan, MCSEC_REASON_HTTP_HEADERS_TOO_LARGE);
    switch (scan->state) {
    case S_METHOD:
        if (c == ' ' && scan->name_len > 0) {
            scan->state = S_TARGET;
            scan->value_len = 0;
        } else if (is_tchar(c) && scan->name_len < MAX_METHOD) {
            scan->name_len++;
        } else {
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        }
        return MCSEC_REASON_NONE;
    case S_TARGET:
        if (c == ' ' && scan->value_len > 0) {
            scan->state = S_VERSION;
            scan->name_len = 0;
        } else if (c > 0x20 && c < 0x7f) {
            scan->value_len = 1; /* only "not empty" matters here */
        } else if (c == '\r' || c == '\n' || c == ' ') {
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING); /* HTTP/0.9 or empty */
        } else {
            return fail(scan, MCSEC_REASON_HTTP_BAD_TARGET);
        }
        return MCSEC_REASON_NONE;
    case S_VERSION:
        if (c == '\r') {
            if (scan->name_len != 8 ||
                (memcmp(scan->name, "HTTP/1.1", 8) != 0 && memcmp(scan->name, "HTTP/1.0", 8) != 0))
                return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
            scan->state = S_LINE_LF;
        } else if (scan->name_len < 8) {
            scan->name[scan->name_len++] = (char)c;
        } else {
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        }
        return MCSEC_REASON_NONE;
    case S_LINE_LF:
    case S_FIELD_LF:
        if (c != '\n')
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING); /* bare CR */
        scan->state = S_FIELD_START;
        return MCSEC_REASON_NONE;
    case S_FIELD_START:
        if (c == '\r') {
            scan->state = S_END_LF;
            return MCSEC_REASON_NONE;
        }
        if (!is_tchar(c)) /* obs-fold (SP, HTAB), ':' first, bare LF, ... */
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        scan->state = S_NAME;
        scan->name_len = 0;
        scan->value_len = 0;
        scan->value_long = false;
        /* c is the first octet of the name */
        __attribute__((fallthrough));
    case S_NAME:
        if (c == ':' && scan->name_len > 0) {
            scan->state = S_VALUE;
        } else if (is_tchar(c)) {
            if (scan->name_len < sizeof(scan->name))
                scan->name[scan->name_len] = (char)lower_octet(c);
            scan->name_len++;
        } else {
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        }
        if (scan->name_len > sizeof(scan->name))
            scan->name_len = sizeof(scan->name) + 1; /* longer than any name we look for */
        return MCSEC_REASON_NONE;
    case S_VALUE:
        if (c == '\r') {
            mcsec_reason_t reason = end_field(scan);
            if (reason != MCSEC_REASON_NONE)
                return fail(scan, reason);
            scan->state = S_FIELD_LF;
        } else if (!is_value_octet(c)) {
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING); /* NUL, bare LF, CTL */
        } else if (scan->value_len > 0 || (c != ' ' && c != '\t')) {
            if (scan->value_len < sizeof(scan->value))
                scan->value[scan->value_len++] = (char)lower_octet(c);
            else
                scan->value_long = true;
        }
        return MCSEC_REASON_NONE;
    case S_END_LF:
        if (c != '\n')
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        return end_head(scan);
    default:
        return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
    }
}

/* One octet of chunked framing outside chunk data. */
static mcsec_reason_t chunk_octet(mcsec_http_framing_t *scan, uint8_t c)
{
    switch (scan->state) {
    case S_CHUNK_SIZE: {
        int digit = mcsec_hex_digit(c);
        if (digit >= 0 && scan->chunk_digits < MAX_CHUNK_DIGITS) {
            scan->remaining = scan->remaining * 16 + (uint64_t)digit;
            scan->chunk_digits++;
        } else if (scan->chunk_digits > 0 && (c == ';' || c == '\r')) {
            scan->state = c == ';' ? S_CHUNK_EXT : S_CHUNK_SIZE_LF;
        } else {
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        }
        return MCSEC_REASON_NONE;
    }
    case S_CHUNK_EXT:
        if (c == '\r')
            scan->state = S_CHUNK_SIZE_LF;
        else if (!is_value_octet(c))
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        return MCSEC_REASON_NONE;
    case S_CHUNK_SIZE_LF:
        if (c != '\n')
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        if (scan->remaining == 0) {
            scan->state = S_FIELD_START; /* trailer section */
            scan->in_trailer = true;
        } else {
            scan->state = S_CHUNK_DATA;
        }
        return MCSEC_REASON_NONE;
    case S_CHUNK_DATA_CR:
        if (c != '\r')
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        scan->state = S_CHUNK_DATA_LF;
        return MCSEC_REASON_NONE;
    case S_CHUNK_DATA_LF:
        if (c != '\n')
            return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
        scan->state = S_CHUNK_SIZE;
        scan->remaining = 0;
        scan->chunk_digits = 0;
        return MCSEC_REASON_NONE;
    default:
        return fail(scan, MCSEC_REASON_HTTP_BAD_FRAMING);
    }
}

mcsec_reason_t mcsec_http_framing_feed(mcsec_http_framing_t *scan, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && scan->state != S_FAILED) {
        if (scan->state == S_BODY || scan->state == S_CHUNK_DATA) {
            size_t take = (uint64_t)(n - i) < scan->remaining ? n - i : (size_t)scan->remaining;
            scan->remaining -= take;
            i += take;
            if (scan->remaining == 0) {
                if (scan->state == S_BODY)
                    start_head(scan);
                else
                    scan->state = S_CHUNK_DATA_CR;
            }
            continue;
        }
        if (scan->state >= S_CHUNK_SIZE)
            chunk_octet(scan, p[i]);
        else
            head_octet(scan, p[i]);
        i++;
    }
    return scan->verdict;
}

/* ---- the parsed header list ---------------------------------------------- */

static bool token(mcsec_str_t text)
{
    if (text.len == 0 || !text.ptr)
        return false;
    for (size_t i = 0; i < text.len; i++)
        if (!is_tchar((uint8_t)text.ptr[i]))
            return false;
    return true;
}

mcsec_reason_t mcsec_http_check_headers(const mcsec_http_header_t *headers, size_t count)
{
    unsigned content_lengths = 0, transfer_encodings = 0;
    bool chunked = false;
    for (size_t h = 0; h < count; h++) {
        const mcsec_http_header_t *field = &headers[h];
        if (!token(field->name))
            return MCSEC_REASON_HTTP_BAD_FRAMING;
        for (size_t i = 0; i < field->value.len; i++)
            if (!is_value_octet((uint8_t)field->value.ptr[i]))
                return MCSEC_REASON_HTTP_BAD_FRAMING;
        mcsec_str_t value = mcsec_str_trim_blank(field->value);
        if (mcsec_str_is(field->name, "Content-Length")) {
            content_lengths++;
            if (value.len == 0 || value.len > MAX_CL_DIGITS)
                return MCSEC_REASON_HTTP_BAD_FRAMING;
            for (size_t i = 0; i < value.len; i++)
                if (value.ptr[i] < '0' || value.ptr[i] > '9')
                    return MCSEC_REASON_HTTP_BAD_FRAMING;
        } else if (mcsec_str_is(field->name, "Transfer-Encoding")) {
            transfer_encodings++;
            chunked = mcsec_str_is(value, "chunked");
        }
    }
    if (content_lengths > 1 || transfer_encodings > 1 ||
        (content_lengths > 0 && transfer_encodings > 0))
        return MCSEC_REASON_HTTP_BAD_FRAMING;
    if (transfer_encodings > 0 && !chunked)
        return MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING;
    return MCSEC_REASON_NONE;
}
