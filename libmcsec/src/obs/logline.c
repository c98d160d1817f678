/* logfmt and JSON log lines in a fixed buffer (mcsec/obs/logline.h). */
#include "mcsec/obs/logline.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8_internal.h"

/* Room kept for the truncation marker and the closing brace. */
#define TAIL_RESERVE 24

void mcsec_logline_init(mcsec_logline_t *l, mcsec_logfmt_t style)
{
    l->len = 0;
    l->buf[0] = '\0';
    l->style = style;
    l->truncated = false;
    l->closed = false;
}

/* Appends n octets if they fit below the reserve; false (and truncated) if
 * not. */
static bool put(mcsec_logline_t *l, const char *s, size_t n)
{
    if (l->closed || l->truncated)
        return false;
    if (l->len + n + TAIL_RESERVE >= sizeof(l->buf)) {
        l->truncated = true;
        return false;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
    l->buf[l->len] = '\0';
    return true;
}

static void put_sep(mcsec_logline_t *l)
{
    if (l->style == MCSEC_LOGFMT_JSON)
        put(l, l->len == 0 ? "{" : ",", 1);
    else if (l->len > 0)
        put(l, " ", 1);
}

/* Writes the separator and key only when they and the value's opening
 * quote fit together (value_min more octets): a key is never left without
 * its value. False (and truncated) when they do not. */
static bool put_key(mcsec_logline_t *l, const char *key, size_t value_min)
{
    size_t need = 4 + strlen(key) + value_min;
    if (l->closed || l->truncated || l->len + need + TAIL_RESERVE >= sizeof(l->buf)) {
        l->truncated = true;
        return false;
    }
    put_sep(l);
    if (l->style == MCSEC_LOGFMT_JSON) {
        put(l, "\"", 1);
        put(l, key, strlen(key));
        put(l, "\":", 2);
    } else {
        put(l, key, strlen(key));
        put(l, "=", 1);
    }
    return true;
}

/* Length of the valid UTF-8 sequence at s (at most n octets), 0 if the
 * octets there do not begin one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    mcsec_utf8_t u;
    memset(&u, 0, sizeof(u));
    for (size_t i = 0; i < n; i++) {
        if (!mcsec_utf8_feed(&u, s[i]))
            return 0;
        if (u.need == 0)
            return i + 1;
    }
    return 0;
}

static bool needs_quotes(const unsigned char *s, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] == '=' || s[i] == '"' || s[i] == '\\' || s[i] >= 0x7f)
            return true;
    return false;
}

static void put_escape(mcsec_logline_t *l, unsigned char c)
{
    char esc[8];
    if (c == '"' || c == '\\') {
        esc[0] = '\\';
        esc[1] = (char)c;
        put(l, esc, 2);
    } else if (c == '\n') {
        put(l, "\\n", 2);
    } else if (c == '\r') {
        put(l, "\\r", 2);
    } else if (c == '\t') {
        put(l, "\\t", 2);
    } else if (l->style == MCSEC_LOGFMT_JSON) {
        snprintf(esc, sizeof(esc), "\\u%04x", c);
        put(l, esc, 6);
    } else {
        snprintf(esc, sizeof(esc), "\\x%02x", c);
        put(l, esc, 4);
    }
}

static void put_value(mcsec_logline_t *l, const unsigned char *s, size_t n)
{
    bool quote = l->style == MCSEC_LOGFMT_JSON || needs_quotes(s, n);
    if (quote)
        put(l, "\"", 1);
    for (size_t i = 0; i < n && !l->truncated;) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t seq = utf8_seq(s + i, n - i);
            if (seq > 0) {
                put(l, (const char *)s + i, seq);
                i += seq;
                continue;
            }
            put_escape(l, c);
        } else if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            put_escape(l, c);
        } else {
            put(l, (const char *)&c, 1);
        }
        i++;
    }
    if (quote) {
        if (l->truncated) {
            /* close the cut value inside the reserve */
            l->buf[l->len++] = '"';
            l->buf[l->len] = '\0';
        } else {
            put(l, "\"", 1);
        }
    }
}

void mcsec_logline_strn(mcsec_logline_t *l, const char *key, const char *value, size_t n)
{
    if (!put_key(l, key, 2))
        return;
    put_value(l, (const unsigned char *)(value ? value : ""), value ? n : 0);
}

void mcsec_logline_str(mcsec_logline_t *l, const char *key, const char *value)
{
    mcsec_logline_strn(l, key, value, value ? strlen(value) : 0);
}

void mcsec_logline_int(mcsec_logline_t *l, const char *key, long long value)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", value);
    if (!put_key(l, key, (size_t)n))
        return;
    put(l, num, (size_t)n);
}

const char *mcsec_logline_text(mcsec_logline_t *l)
{
    if (l->closed)
        return l->buf;
    const char *tail;
    if (l->style == MCSEC_LOGFMT_JSON)
        tail = l->truncated ? (l->len ? ",\"truncated\":1}" : "{\"truncated\":1}")
                            : (l->len ? "}" : "{}");
    else
        tail = l->truncated ? (l->len ? " truncated=1" : "truncated=1") : "";
    size_t n = strlen(tail);
    if (l->len + n < sizeof(l->buf)) {
        memcpy(l->buf + l->len, tail, n + 1);
        l->len += n;
    }
    l->closed = true;
    return l->buf;
}

bool mcsec_logfmt_parse(const char *name, mcsec_logfmt_t *out)
{
    if (name && strcmp(name, "text") == 0)
        *out = MCSEC_LOGFMT_TEXT;
    else if (name && strcmp(name, "json") == 0)
        *out = MCSEC_LOGFMT_JSON;
    else
        return false;
    return true;
}
