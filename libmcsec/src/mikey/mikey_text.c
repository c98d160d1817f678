/* The text forms an I_MESSAGE travels in (mcsec/mikey/mikey.h): hex in <GKTP>
 * elements, base64 in SDP key-mgmt and on the command line, or raw. Every
 * decoder writes at most out_size octets and reads only its input. */
#include <string.h>

#include "mcsec/mikey/mikey.h"

#include "util/hex_internal.h"

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

mcsec_err_t mcsec_mikey_decode_hex(const uint8_t *in, size_t n, uint8_t *out, size_t out_size,
                                   size_t *out_len)
{
    if (in == NULL || out == NULL || out_len == NULL) {
        return MCSEC_ERR_ARG;
    }
    size_t len = 0;
    int high = -1;
    for (size_t i = 0; i < n; i++) {
        if (is_space(in[i])) {
            continue;
        }
        int v = mcsec_hex_digit(in[i]);
        if (v < 0) {
            return MCSEC_ERR_PARSE;
        }
        if (high < 0) {
            high = v;
            continue;
        }
        if (len >= out_size) {
            return MCSEC_ERR_PARSE;
        }
        out[len++] = (uint8_t)((high << 4) | v);
        high = -1;
    }
    if (high >= 0 || len == 0) {
        return MCSEC_ERR_PARSE;
    }
    *out_len = len;
    return MCSEC_OK;
}

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

/* Standard base64; whitespace ignored, padding optional but only at the
 * end, unused bits must be zero. */
static mcsec_err_t decode_base64(const uint8_t *in, size_t n, uint8_t *out, size_t out_size,
                                 size_t *out_len)
{
    size_t len = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t pad = 0;
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_space(in[i])) {
            continue;
        }
        if (in[i] == '=') {
            pad++;
            continue;
        }
        int v = b64_value(in[i]);
        if (v < 0 || pad > 0) {
            return MCSEC_ERR_PARSE;
        }
        digits++;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (len >= out_size) {
                return MCSEC_ERR_PARSE;
            }
            out[len++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    if (digits % 4 == 1 || acc != 0 || pad > 2 || (pad > 0 && (digits + pad) % 4 != 0) ||
        len == 0) {
        return MCSEC_ERR_PARSE;
    }
    *out_len = len;
    return MCSEC_OK;
}

static bool has_prefix(const uint8_t *in, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);
    return n >= len && memcmp(in, prefix, len) == 0;
}

mcsec_err_t mcsec_mikey_decode_text(const uint8_t *in, size_t n, uint8_t *out, size_t out_size,
                                    size_t *out_len)
{
    if (in == NULL || out == NULL || out_len == NULL) {
        return MCSEC_ERR_ARG;
    }
    if (n > 0 && in[0] == MCSEC_MIKEY_VERSION) {
        if (n > out_size) {
            return MCSEC_ERR_PARSE;
        }
        memcpy(out, in, n);
        *out_len = n;
        return MCSEC_OK;
    }
    while (n > 0 && is_space(in[0])) {
        in++;
        n--;
    }
    if (has_prefix(in, n, "a=key-mgmt:")) {
        in += 11;
        n -= 11;
    }
    if (has_prefix(in, n, "mikey") && n > 5 && is_space(in[5])) {
        return decode_base64(in + 6, n - 6, out, out_size, out_len);
    }
    if (mcsec_mikey_decode_hex(in, n, out, out_size, out_len) == MCSEC_OK) {
        return MCSEC_OK;
    }
    return decode_base64(in, n, out, out_size, out_len);
}
