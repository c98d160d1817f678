/* Base32 (RFC 4648 alphabet, lower case, no padding) for topology tokens. */
#include "mcsec/topo/topo_token.h"

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

size_t mcsec_base32_len(size_t n)
{
    return n / 5 * 8 + (n % 5 * 8 + 4) / 5;
}

void mcsec_base32_encode(const uint8_t *in, size_t n, char *out)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8 | in[i]) & 0xfffu;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = alphabet[(acc >> bits) & 31u];
        }
    }
    if (bits > 0)
        out[o] = alphabet[(acc << (5 - bits)) & 31u];
}

/* The value of each octet as a base32 digit (either case), -1 outside the
 * alphabet: one load per character instead of three range tests. */
static const int8_t digit_value[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, 26, 27, 28, 29, 30, 31, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0,  1,  2,  3,  4,  5,  6,
    7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
    -1, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
    23, 24, 25, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int value_of(char c)
{
    return digit_value[(unsigned char)c];
}

mcsec_err_t mcsec_base32_decode(const char *in, size_t len, uint8_t *out, size_t out_size,
                                size_t *out_len)
{
    if ((!in && len) || !out_len)
        return MCSEC_ERR_ARG;
    *out_len = 0;
    unsigned tail = (unsigned)(len % 8);
    if (tail == 1 || tail == 3 || tail == 6)
        return MCSEC_ERR_PARSE;
    if (len / 8 * 5 + tail * 5 / 8 > out_size || (!out && len))
        return MCSEC_ERR_ARG;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = value_of(in[i]);
        if (v < 0)
            return MCSEC_ERR_PARSE;
        acc = (acc << 5 | (uint32_t)v) & 0xfffu;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (acc & ((1u << bits) - 1u))
        return MCSEC_ERR_PARSE; /* non-zero padding bits: not the canonical text */
    *out_len = o;
    return MCSEC_OK;
}
