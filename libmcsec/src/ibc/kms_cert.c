/* The TS 33.180 Annex D KMS certificate as a KMS public file: see
 * mcsec/ibc/kms_cert.h. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kms_xml_internal.h"
#include "mcsec/ibc/kms_cert.h"

#define CERT_XML_MAX (1024 * 1024)
#define FIELD_MAX 1024 /* longer text in a certificate field is refused */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* n decimal digits at *p; advances. */
static bool digits(const char **p, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) {
            return false;
        }
        v = v * 10 + (unsigned)((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c) {
        return false;
    }
    (*p)++;
    return true;
}

mcsec_err_t mcsec_kms_time_parse(const char *text, int64_t *out)
{
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p = text;
    unsigned y, mo, d, h, mi, s, zh = 0, zm = 0;
    if (text == NULL || out == NULL || !digits(&p, 4, &y) || !expect(&p, '-') ||
        !digits(&p, 2, &mo) || !expect(&p, '-') || !digits(&p, 2, &d) || !expect(&p, 'T') ||
        !digits(&p, 2, &h) || !expect(&p, ':') || !digits(&p, 2, &mi) || !expect(&p, ':') ||
        !digits(&p, 2, &s)) {
        return MCSEC_ERR_PARSE;
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) {
            return MCSEC_ERR_PARSE;
        }
        while (isdigit((unsigned char)*p)) {
            p++;
        }
    }
    int sign = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (!digits(&p, 2, &zh) || !expect(&p, ':') || !digits(&p, 2, &zm) || zh > 14 || zm > 59) {
            return MCSEC_ERR_PARSE;
        }
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || s > 59) {
        return MCSEC_ERR_PARSE;
    }
    int64_t t = days_from_civil((int64_t)y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 +
                (int64_t)s;
    *out = t - sign * ((int64_t)zh * 3600 + (int64_t)zm * 60);
    return MCSEC_OK;
}

mcsec_err_t mcsec_kms_time_format(int64_t t, char *out, size_t out_size)
{
    /* 0000-01-01 .. 9999-12-31T23:59:59Z */
    if (out == NULL || out_size < 21 || t < INT64_C(-62167219200) || t > INT64_C(253402300799)) {
        return MCSEC_ERR_ARG;
    }
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    /* civil_from_days */
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = (unsigned)(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    snprintf(out, out_size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", y, m, d,
             (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
    return MCSEC_OK;
}

/* ---- the certificate ----------------------------------------------------- */

/* The first element named name at or under node, in document order. */
static const xmlNode *find(const xmlNode *node, const char *name)
{
    for (; node != NULL; node = node->next) {
        if (kms_xml_named(node, name)) {
            return node;
        }
        const xmlNode *below = find(node->children, name);
        if (below != NULL) {
            return below;
        }
    }
    return NULL;
}

/* One field of the certificate. */
typedef struct {
    const char *name;
    bool required;
    char text[FIELD_MAX + 1];
    bool present;
} field_t;

enum {
    F_KMS_URI,
    F_CERT_URI,
    F_ISSUER,
    F_VALID_FROM,
    F_VALID_TO,
    F_REVOKED,
    F_USER_ID_FORMAT,
    F_PERIOD,
    F_OFFSET,
    F_PUB_ENC,
    F_PUB_AUTH,
    F_PARAMETER_SET,
    F_COUNT
};

/* The child text of element el, trimmed, into f. false when an element
 * repeats, holds child elements or is longer than FIELD_MAX. */
static bool take(const xmlNode *el, field_t *f, char *why, size_t why_size)
{
    if (f->present) {
        kms_xml_say(why, why_size, "KmsCertificate has %s twice", f->name);
        return false;
    }
    size_t len = 0;
    for (const xmlNode *c = el->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            kms_xml_say(why, why_size, "KmsCertificate %s holds elements, not text", f->name);
            return false;
        }
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) {
            continue;
        }
        size_t n = strlen((const char *)c->content);
        if (len + n > FIELD_MAX) {
            kms_xml_say(why, why_size, "KmsCertificate %s is too long", f->name);
            return false;
        }
        memcpy(f->text + len, c->content, n);
        len += n;
    }
    f->text[len] = '\0';
    char *start = f->text;
    while (*start != '\0' && isspace((unsigned char)*start)) {
        start++;
    }
    size_t n = strlen(start);
    while (n > 0 && isspace((unsigned char)start[n - 1])) {
        n--;
    }
    memmove(f->text, start, n);
    f->text[n] = '\0';
    f->present = true;
    return true;
}

static bool hex_value(const char *text, uint8_t *out, size_t max, size_t *len)
{
    size_t n = strlen(text);
    if (n == 0 || n % 2 != 0 || n / 2 > max) {
        return false;
    }
    for (size_t i = 0; i < n; i += 2) {
        unsigned v = 0;
        for (size_t k = 0; k < 2; k++) {
            char c = (char)tolower((unsigned char)text[i + k]);
            if (c >= '0' && c <= '9') {
                v = v * 16 + (unsigned)(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v = v * 16 + (unsigned)(c - 'a' + 10);
            } else {
                return false;
            }
        }
        out[i / 2] = (uint8_t)v;
    }
    *len = n / 2;
    return true;
}

static bool u64_value(const char *text, uint64_t *out)
{
    if (!isdigit((unsigned char)text[0])) {
        return false;
    }
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || v > (UINT64_C(1) << 40)) {
        return false;
    }
    *out = v;
    return true;
}

/* A printable token without spaces into out (size max + 1). */
static bool token_value(const char *text, char *out, size_t max)
{
    size_t n = strlen(text);
    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)text[i] <= 0x20 || text[i] == 0x7F) {
            return false;
        }
    }
    memcpy(out, text, n + 1);
    return true;
}

/* Issuer may hold spaces (a name); printable ASCII or UTF-8, no controls. */
static bool text_value(const char *text, char *out, size_t max)
{
    size_t n = strlen(text);
    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7F) {
            return false;
        }
    }
    memcpy(out, text, n + 1);
    return true;
}

/* The fields into out; see the header. */
static mcsec_err_t convert(field_t *f, int64_t now, mcsec_kms_pub_t *out, char *why,
                           size_t why_size)
{
    size_t kpak_len = 0;
    bool ok = true;
    const char *bad = NULL;
    for (int i = 0; i < F_COUNT; i++) {
        if (f[i].required && !f[i].present) {
            kms_xml_say(why, why_size, "KmsCertificate has no %s", f[i].name);
            return MCSEC_ERR_PARSE;
        }
    }
    if (!token_value(f[F_KMS_URI].text, out->kms_uri, MCSEC_KMS_URI_MAX)) {
        bad = f[F_KMS_URI].name;
    } else if (f[F_CERT_URI].present &&
               !token_value(f[F_CERT_URI].text, out->cert_uri, MCSEC_KMS_URI_MAX)) {
        bad = f[F_CERT_URI].name;
    } else if (f[F_ISSUER].present &&
               !text_value(f[F_ISSUER].text, out->issuer, MCSEC_KMS_URI_MAX)) {
        bad = f[F_ISSUER].name;
    } else if (mcsec_kms_time_parse(f[F_VALID_FROM].text, &out->valid_from) != MCSEC_OK) {
        bad = f[F_VALID_FROM].name;
    } else if (mcsec_kms_time_parse(f[F_VALID_TO].text, &out->valid_to) != MCSEC_OK ||
               out->valid_to <= out->valid_from) {
        bad = f[F_VALID_TO].name;
    } else if (f[F_REVOKED].present && strcmp(f[F_REVOKED].text, "true") != 0 &&
               strcmp(f[F_REVOKED].text, "false") != 0 && strcmp(f[F_REVOKED].text, "1") != 0 &&
               strcmp(f[F_REVOKED].text, "0") != 0) {
        bad = f[F_REVOKED].name;
    } else if (f[F_USER_ID_FORMAT].present &&
               !token_value(f[F_USER_ID_FORMAT].text, out->user_id_format, MCSEC_KMS_TOKEN_MAX)) {
        bad = f[F_USER_ID_FORMAT].name;
    } else if (!u64_value(f[F_PERIOD].text, &out->key_period) || out->key_period == 0) {
        bad = f[F_PERIOD].name;
    } else if (f[F_OFFSET].present && !u64_value(f[F_OFFSET].text, &out->key_offset)) {
        bad = f[F_OFFSET].name;
    } else if (f[F_PUB_ENC].present &&
               !hex_value(f[F_PUB_ENC].text, out->pub_enc_key, sizeof(out->pub_enc_key),
                          &out->pub_enc_key_len)) {
        bad = f[F_PUB_ENC].name;
    } else if (!hex_value(f[F_PUB_AUTH].text, out->kpak, sizeof(out->kpak), &kpak_len) ||
               kpak_len != MCSEC_ECCSI_POINT_LEN) {
        bad = f[F_PUB_AUTH].name;
    } else if (f[F_PARAMETER_SET].present &&
               !token_value(f[F_PARAMETER_SET].text, out->parameter_set, MCSEC_KMS_TOKEN_MAX)) {
        bad = f[F_PARAMETER_SET].name;
    }
    if (bad != NULL) {
        kms_xml_say(why, why_size, "KmsCertificate %s is not a valid value", bad);
        return MCSEC_ERR_PARSE;
    }
    out->has_validity = 1;
    char from[32], to[32];
    (void)mcsec_kms_time_format(out->valid_from, from, sizeof(from));
    (void)mcsec_kms_time_format(out->valid_to, to, sizeof(to));
    if (f[F_REVOKED].present &&
        (strcmp(f[F_REVOKED].text, "true") == 0 || strcmp(f[F_REVOKED].text, "1") == 0)) {
        kms_xml_say(why, why_size, "the KMS certificate of %s is revoked", out->kms_uri);
        ok = false;
    } else if (now < out->valid_from || now >= out->valid_to) {
        kms_xml_say(why, why_size, "the KMS certificate of %s is valid from %s to %s, not now",
                    out->kms_uri, from, to);
        ok = false;
    } else if (out->key_offset >= out->key_period) {
        kms_xml_say(why, why_size, "KmsCertificate UserKeyOffset must be less than UserKeyPeriod");
        ok = false;
    } else {
        mcsec_eccsi_pub_t *kpak = NULL;
        mcsec_err_t err = mcsec_eccsi_pub_new(out->kpak, &kpak);
        mcsec_eccsi_pub_free(kpak);
        if (err == MCSEC_ERR_NOMEM) {
            return err;
        }
        if (err != MCSEC_OK) {
            kms_xml_say(why, why_size, "KmsCertificate PubAuthKey is not a point of P-256");
            ok = false;
        }
    }
    return ok ? MCSEC_OK : MCSEC_ERR_INVALID;
}

mcsec_err_t mcsec_kms_cert_parse(const char *xml, size_t len, int64_t now, mcsec_kms_pub_t *out,
                                 char *why, size_t why_size)
{
    if (xml == NULL || out == NULL) {
        return MCSEC_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (len == 0 || len > CERT_XML_MAX) {
        kms_xml_say(why, why_size, "not a KMS certificate (empty or over 1 MB)");
        return MCSEC_ERR_PARSE;
    }
    /* No network, no entity expansion, no DTD: the input is untrusted. */
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "kms-certificate.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        kms_xml_say(why, why_size, "not well-formed XML");
        return MCSEC_ERR_PARSE;
    }
    static const struct {
        const char *name;
        bool required;
    } spec[F_COUNT] = {
        {"KmsUri", true},        {"CertUri", false},      {"Issuer", false},
        {"ValidFrom", true},     {"ValidTo", true},       {"Revoked", false},
        {"UserIdFormat", false}, {"UserKeyPeriod", true}, {"UserKeyOffset", false},
        {"PubEncKey", false},    {"PubAuthKey", true},    {"ParameterSet", false},
    };
    field_t *f = calloc(F_COUNT, sizeof(*f));
    mcsec_err_t err = f != NULL ? MCSEC_OK : MCSEC_ERR_NOMEM;
    const xmlNode *cert =
        err == MCSEC_OK ? find(xmlDocGetRootElement(doc), "KmsCertificate") : NULL;
    if (err == MCSEC_OK && cert == NULL) {
        kms_xml_say(why, why_size, "no KmsCertificate element");
        err = MCSEC_ERR_PARSE;
    }
    for (int i = 0; err == MCSEC_OK && i < F_COUNT; i++) {
        f[i].name = spec[i].name;
        f[i].required = spec[i].required;
    }
    for (const xmlNode *c = cert != NULL ? cert->children : NULL; err == MCSEC_OK && c != NULL;
         c = c->next) {
        for (int i = 0; c->type == XML_ELEMENT_NODE && i < F_COUNT; i++) {
            if (kms_xml_named(c, f[i].name) && !take(c, &f[i], why, why_size)) {
                err = MCSEC_ERR_PARSE;
            }
        }
    }
    if (err == MCSEC_OK) {
        err = convert(f, now, out, why, why_size);
    }
    free(f);
    xmlFreeDoc(doc);
    if (err != MCSEC_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}
