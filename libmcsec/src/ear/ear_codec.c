/* EAR encode/decode (layout in mcsec/ear/ear.h) and the base64url carriage.
 * The decoder is a bounded cursor over the input: every read first checks
 * the octets remaining, and nothing is allocated. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mcsec/ear/ear.h"

#include "util/cursor_internal.h"
#include "util/utf8_internal.h"

static bool take_uint(cursor_t *c, size_t n, uint64_t *value)
{
    const uint8_t *octets;
    if (!cursor_take(c, n, &octets)) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | octets[i];
    }
    *value = v;
    return true;
}

static bool role_known(uint8_t role)
{
    return role >= MCSEC_EAR_ROLE_MC_CLIENT && role <= MCSEC_EAR_ROLE_BORDER_PROXY;
}

/* Printable UTF-8 without spaces or controls (a URI has none): strict
 * UTF-8 (utf8_internal.h: shortest forms only, no surrogates, nothing
 * above U+10FFFF) and no ASCII control or space. */
static bool uri_text_valid(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= 0x20 || s[i] == 0x7F) {
            return false;
        }
    }
    return mcsec_utf8_valid(s, n);
}

static bool uri_field_valid(mcsec_str_t uri)
{
    return uri.ptr != NULL && uri.len >= 1 && uri.len <= MCSEC_EAR_URI_MAX &&
           uri_text_valid((const uint8_t *)uri.ptr, uri.len);
}

static bool take_lve_uri(cursor_t *c, mcsec_str_t *uri)
{
    uint64_t len;
    const uint8_t *octets;
    if (!take_uint(c, 2, &len) || len == 0 || len > MCSEC_EAR_URI_MAX ||
        !cursor_take(c, (size_t)len, &octets) || !uri_text_valid(octets, (size_t)len)) {
        return false;
    }
    uri->ptr = (const char *)octets;
    uri->len = (size_t)len;
    return true;
}

/* The request TLV-E, value: type || 0x79 ID(3) || 0x7A expiry(6). */
static bool take_request(cursor_t *c, mcsec_ear_t *ear)
{
    const uint8_t *iei;
    uint64_t len;
    uint64_t type;
    uint64_t id;
    uint64_t expiry;
    const uint8_t *t_id;
    const uint8_t *t_expiry;
    if (!cursor_take(c, 1, &iei) || iei[0] != MCSEC_EAR_IEI_REQUEST || !take_uint(c, 2, &len) ||
        len != MCSEC_EAR_REQUEST_VALUE_LEN || c->left != len || !take_uint(c, 1, &type) ||
        !cursor_take(c, 1, &t_id) || t_id[0] != MCSEC_EAR_IEI_REQUEST_ID || !take_uint(c, 3, &id) ||
        !cursor_take(c, 1, &t_expiry) || t_expiry[0] != MCSEC_EAR_IEI_REQUEST_EXPIRY ||
        !take_uint(c, 6, &expiry)) {
        return false;
    }
    ear->has_request = true;
    ear->request_type = (uint8_t)type;
    ear->request_id = (uint32_t)id;
    ear->request_expiry = expiry;
    return true;
}

mcsec_err_t mcsec_ear_decode(const uint8_t *in, size_t n, mcsec_ear_t *ear)
{
    if (in == NULL || ear == NULL) {
        return MCSEC_ERR_ARG;
    }
    memset(ear, 0, sizeof(*ear));
    if (n < MCSEC_EAR_MIN_LEN || n > MCSEC_EAR_MAX_LEN) {
        return MCSEC_ERR_PARSE;
    }
    cursor_t c = {in, n - MCSEC_ECCSI_SIG_LEN};
    const uint8_t *message_id;
    const uint8_t *ear_id;
    uint64_t date;
    uint64_t role;
    if (!cursor_take(&c, 1, &message_id) || message_id[0] != MCSEC_EAR_MESSAGE_ID ||
        !take_uint(&c, 5, &date) || !cursor_take(&c, MCSEC_EAR_ID_LEN, &ear_id)) {
        return MCSEC_ERR_PARSE;
    }
    ear->date = date;
    memcpy(ear->ear_id, ear_id, MCSEC_EAR_ID_LEN);
    if (!take_uint(&c, 1, &role) || !role_known((uint8_t)role)) {
        return MCSEC_ERR_PARSE;
    }
    ear->source_role = (uint8_t)role;
    if (!take_lve_uri(&c, &ear->source_id)) {
        return MCSEC_ERR_PARSE;
    }
    if (!take_uint(&c, 1, &role) || !role_known((uint8_t)role)) {
        return MCSEC_ERR_PARSE;
    }
    ear->target_role = (uint8_t)role;
    if (!take_lve_uri(&c, &ear->target_id)) {
        return MCSEC_ERR_PARSE;
    }
    if (c.left > 0 && !take_request(&c, ear)) {
        return MCSEC_ERR_PARSE;
    }
    if (c.left != 0) {
        return MCSEC_ERR_PARSE;
    }
    ear->signed_part = in;
    ear->signed_len = n - MCSEC_ECCSI_SIG_LEN;
    ear->signature = in + ear->signed_len;
    return MCSEC_OK;
}

static void put_uint(uint8_t *out, uint64_t value, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(value >> (8 * (n - 1 - i)));
    }
}

mcsec_err_t mcsec_ear_encode_payload(const mcsec_ear_t *ear, uint8_t *out, size_t out_size,
                                     size_t *out_len)
{
    if (ear == NULL || out == NULL || out_len == NULL || ear->date > MCSEC_EAR_DATE_MAX ||
        !role_known(ear->source_role) || !role_known(ear->target_role) ||
        !uri_field_valid(ear->source_id) || !uri_field_valid(ear->target_id)) {
        return MCSEC_ERR_ARG;
    }
    if (ear->has_request && (ear->request_id > MCSEC_EAR_REQUEST_ID_MAX ||
                             ear->request_expiry > MCSEC_EAR_EXPIRY_MAX)) {
        return MCSEC_ERR_ARG;
    }
    size_t len = 1 + 5 + MCSEC_EAR_ID_LEN + 1 + 2 + ear->source_id.len + 1 + 2 +
                 ear->target_id.len + (ear->has_request ? 3 + MCSEC_EAR_REQUEST_VALUE_LEN : 0);
    if (len > out_size) {
        return MCSEC_ERR_ARG;
    }
    uint8_t *p = out;
    *p++ = MCSEC_EAR_MESSAGE_ID;
    put_uint(p, ear->date, 5);
    p += 5;
    memcpy(p, ear->ear_id, MCSEC_EAR_ID_LEN);
    p += MCSEC_EAR_ID_LEN;
    *p++ = ear->source_role;
    put_uint(p, ear->source_id.len, 2);
    p += 2;
    memcpy(p, ear->source_id.ptr, ear->source_id.len);
    p += ear->source_id.len;
    *p++ = ear->target_role;
    put_uint(p, ear->target_id.len, 2);
    p += 2;
    memcpy(p, ear->target_id.ptr, ear->target_id.len);
    p += ear->target_id.len;
    if (ear->has_request) {
        *p++ = MCSEC_EAR_IEI_REQUEST;
        put_uint(p, MCSEC_EAR_REQUEST_VALUE_LEN, 2);
        p += 2;
        *p++ = ear->request_type;
        *p++ = MCSEC_EAR_IEI_REQUEST_ID;
        put_uint(p, ear->request_id, 3);
        p += 3;
        *p++ = MCSEC_EAR_IEI_REQUEST_EXPIRY;
        put_uint(p, ear->request_expiry, 6);
        p += 6;
    }
    *out_len = (size_t)(p - out);
    return MCSEC_OK;
}

mcsec_err_t mcsec_ear_sign(const mcsec_ear_t *ear, const mcsec_eccsi_signer_t *signer, uint8_t *out,
                           size_t out_size, size_t *out_len)
{
    size_t len = 0;
    if (signer == NULL || out_len == NULL) {
        return MCSEC_ERR_ARG;
    }
    mcsec_err_t err = mcsec_ear_encode_payload(ear, out, out_size, &len);
    if (err != MCSEC_OK) {
        return err;
    }
    if (out_size - len < MCSEC_ECCSI_SIG_LEN) {
        return MCSEC_ERR_ARG;
    }
    err = mcsec_eccsi_sign(signer, out, len, out + len);
    if (err == MCSEC_OK) {
        *out_len = len + MCSEC_ECCSI_SIG_LEN;
    }
    return err;
}

mcsec_err_t mcsec_ear_new_id(uint8_t ear_id[MCSEC_EAR_ID_LEN])
{
    if (ear_id == NULL || RAND_bytes(ear_id, MCSEC_EAR_ID_LEN) != 1) {
        return ear_id == NULL ? MCSEC_ERR_ARG : MCSEC_ERR_NOMEM;
    }
    /* A version 4 (random) UUID, RFC 4122 4.4. */
    ear_id[6] = (uint8_t)((ear_id[6] & 0x0F) | 0x40);
    ear_id[8] = (uint8_t)((ear_id[8] & 0x3F) | 0x80);
    return MCSEC_OK;
}

/* ---- base64url: OpenSSL's codec plus the alphabet translation ---------- */

mcsec_err_t mcsec_ear_to_header(const uint8_t *ear, size_t n, char *out, size_t out_size)
{
    if (ear == NULL || out == NULL || n == 0 || n > MCSEC_EAR_MAX_LEN ||
        out_size < 4 * ((n + 2) / 3) + 1) {
        return MCSEC_ERR_ARG;
    }
    int len = EVP_EncodeBlock((unsigned char *)out, ear, (int)n);
    if (len < 0) {
        return MCSEC_ERR_NOMEM;
    }
    while (len > 0 && out[len - 1] == '=') {
        len--;
    }
    out[len] = '\0';
    for (int i = 0; i < len; i++) {
        if (out[i] == '+') {
            out[i] = '-';
        } else if (out[i] == '/') {
            out[i] = '_';
        }
    }
    return MCSEC_OK;
}

static bool url_alphabet(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

mcsec_err_t mcsec_ear_from_header(const char *value, size_t len, uint8_t *out, size_t out_size,
                                  size_t *out_len)
{
    char std[MCSEC_EAR_HEADER_MAX];
    char again[MCSEC_EAR_HEADER_MAX];
    if (value == NULL || out == NULL || out_len == NULL) {
        return MCSEC_ERR_ARG;
    }
    while (len > 0 && (value[0] == ' ' || value[0] == '\t')) {
        value++;
        len--;
    }
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t')) {
        len--;
    }
    size_t pad = 0;
    while (pad < 2 && len > 0 && value[len - 1] == '=') {
        len--;
        pad++;
    }
    /* Padding, when present, must complete the last quantum exactly. */
    if (len == 0 || len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0) || len + 3 >= sizeof(std)) {
        return MCSEC_ERR_PARSE;
    }
    for (size_t i = 0; i < len; i++) {
        char c = value[i];
        if (!url_alphabet(c)) {
            return MCSEC_ERR_PARSE;
        }
        std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    size_t missing = (4 - len % 4) % 4;
    for (size_t i = 0; i < missing; i++) {
        std[len + i] = '=';
    }
    size_t std_len = len + missing;
    std[std_len] = '\0';
    size_t decoded_len = std_len / 4 * 3 - missing;
    if (decoded_len > out_size || decoded_len > MCSEC_EAR_MAX_LEN) {
        return decoded_len > MCSEC_EAR_MAX_LEN ? MCSEC_ERR_PARSE : MCSEC_ERR_ARG;
    }
    /* EVP_DecodeBlock writes whole quanta (pad positions as zeros). */
    uint8_t decoded[MCSEC_EAR_MAX_LEN + 3];
    int n = EVP_DecodeBlock(decoded, (const unsigned char *)std, (int)std_len);
    if (n < 0 || (size_t)n != std_len / 4 * 3) {
        return MCSEC_ERR_PARSE;
    }
    /* Only the canonical encoding: the unused low bits of the last
     * character must be zero, which re-encoding shows. */
    int re = EVP_EncodeBlock((unsigned char *)again, decoded, (int)decoded_len);
    if (re != (int)std_len || memcmp(again, std, std_len) != 0) {
        return MCSEC_ERR_PARSE;
    }
    memcpy(out, decoded, decoded_len);
    *out_len = decoded_len;
    return MCSEC_OK;
}
