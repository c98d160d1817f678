/* Prometheus text exposition format 0.0.4 writer (mcsec/obs/prom.h). */
#include "mcsec/obs/prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mcsec_prom_init(mcsec_prom_t *p)
{
    memset(p, 0, sizeof(*p));
}

void mcsec_prom_free(mcsec_prom_t *p)
{
    free(p->buf);
    memset(p, 0, sizeof(*p));
}

static bool reserve(mcsec_prom_t *p, size_t more)
{
    if (p->failed)
        return false;
    if (p->len + more + 1 <= p->cap)
        return true;
    size_t cap = p->cap ? p->cap : 4096;
    while (cap < p->len + more + 1) {
        if (cap > SIZE_MAX / 2) {
            p->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *buf = realloc(p->buf, cap);
    if (!buf) {
        p->failed = true;
        return false;
    }
    p->buf = buf;
    p->cap = cap;
    return true;
}

static void put(mcsec_prom_t *p, const char *s, size_t n)
{
    if (!reserve(p, n))
        return;
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

static void puts_(mcsec_prom_t *p, const char *s)
{
    put(p, s, strlen(s));
}

/* Escapes for HELP text (backslash, line feed) and label values (also the
 * double quote). */
static void put_escaped(mcsec_prom_t *p, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            put(p, "\\\\", 2);
        else if (*s == '\n')
            put(p, "\\n", 2);
        else if (quote && *s == '"')
            put(p, "\\\"", 2);
        else
            put(p, s, 1);
    }
}

static bool name_char(char c, bool first, bool colon)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return true;
    if (colon && c == ':')
        return true;
    return !first && c >= '0' && c <= '9';
}

static bool valid_name(const char *name, bool colon)
{
    if (!name || !name[0])
        return false;
    for (size_t i = 0; name[i]; i++)
        if (!name_char(name[i], i == 0, colon))
            return false;
    return true;
}

bool mcsec_prom_name_ok(const char *name)
{
    return valid_name(name, true);
}

/* The shortest decimal that reads back as value (Go's float parsing on the
 * Prometheus side reads any of them). */
static void format_double(char *num, size_t cap, double value)
{
    if (isnan(value)) {
        snprintf(num, cap, "NaN");
        return;
    }
    if (isinf(value)) {
        snprintf(num, cap, value > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (value == floor(value) && fabs(value) < 9007199254740992.0) {
        snprintf(num, cap, "%.0f", value);
        return;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(num, cap, "%.*g", precision, value);
        if (strtod(num, NULL) == value)
            return;
    }
}

static void put_value(mcsec_prom_t *p, double value)
{
    char num[64];
    format_double(num, sizeof(num), value);
    puts_(p, num);
}

void mcsec_prom_family(mcsec_prom_t *p, const char *name, const char *type, const char *help)
{
    if (!mcsec_prom_name_ok(name) || !type ||
        (strcmp(type, "counter") && strcmp(type, "gauge") && strcmp(type, "histogram"))) {
        p->failed = true;
        return;
    }
    puts_(p, "# HELP ");
    puts_(p, name);
    puts_(p, " ");
    put_escaped(p, help ? help : "", false);
    puts_(p, "\n# TYPE ");
    puts_(p, name);
    puts_(p, " ");
    puts_(p, type);
    puts_(p, "\n");
}

/* {k="v",...[,extra_key="extra"]}; nothing when there are no labels. */
static void put_labels(mcsec_prom_t *p, const char *const *labels, const char *extra_key,
                       const char *extra_value)
{
    bool any = false;
    for (size_t i = 0; labels && labels[i]; i += 2) {
        if (!valid_name(labels[i], false) || !labels[i + 1] || strncmp(labels[i], "__", 2) == 0) {
            p->failed = true;
            return;
        }
        puts_(p, any ? "," : "{");
        puts_(p, labels[i]);
        puts_(p, "=\"");
        put_escaped(p, labels[i + 1], true);
        puts_(p, "\"");
        any = true;
    }
    if (extra_key) {
        puts_(p, any ? "," : "{");
        puts_(p, extra_key);
        puts_(p, "=\"");
        puts_(p, extra_value);
        puts_(p, "\"");
        any = true;
    }
    if (any)
        puts_(p, "}");
}

void mcsec_prom_sample(mcsec_prom_t *p, const char *name, const char *const *labels, double value)
{
    if (!mcsec_prom_name_ok(name)) {
        p->failed = true;
        return;
    }
    puts_(p, name);
    put_labels(p, labels, NULL, NULL);
    puts_(p, " ");
    put_value(p, value);
    puts_(p, "\n");
}

/* name + suffix into out; false (and p failed) when it does not fit. */
static bool suffixed(mcsec_prom_t *p, char *out, size_t cap, const char *name, const char *suffix)
{
    int n = snprintf(out, cap, "%s%s", name, suffix);
    if (n < 0 || (size_t)n >= cap) {
        p->failed = true;
        return false;
    }
    return true;
}

void mcsec_prom_histogram(mcsec_prom_t *p, const char *name, const char *const *labels,
                          const double *bounds, const uint64_t *counts, size_t nbounds, double sum)
{
    char bucket[256], sum_name[256], count_name[256];
    if (!mcsec_prom_name_ok(name) || !suffixed(p, bucket, sizeof(bucket), name, "_bucket") ||
        !suffixed(p, sum_name, sizeof(sum_name), name, "_sum") ||
        !suffixed(p, count_name, sizeof(count_name), name, "_count")) {
        p->failed = true;
        return;
    }
    uint64_t total = 0;
    for (size_t i = 0; i <= nbounds; i++) {
        if (i > 0 && i < nbounds && !(bounds[i] > bounds[i - 1])) {
            p->failed = true;
            return;
        }
        total += counts[i];
        char le[64];
        if (i < nbounds)
            format_double(le, sizeof(le), bounds[i]);
        else
            snprintf(le, sizeof(le), "+Inf");
        puts_(p, bucket);
        put_labels(p, labels, "le", le);
        puts_(p, " ");
        put_value(p, (double)total);
        puts_(p, "\n");
    }
    mcsec_prom_sample(p, sum_name, labels, sum);
    mcsec_prom_sample(p, count_name, labels, (double)total);
}

void mcsec_prom_policy_state(mcsec_prom_t *p, uint64_t generation, const char *hash,
                             int64_t last_reload, bool last_ok)
{
    mcsec_prom_family(p, "mcsec_policy_generation", "gauge",
                      "Generation of the running policy (grows across restarts).");
    mcsec_prom_sample(p, "mcsec_policy_generation", NULL, (double)generation);
    mcsec_prom_family(p, "mcsec_policy_info", "gauge",
                      "The running policy: hash = SHA-256 of its file.");
    const char *labels[] = {"hash", hash != NULL ? hash : "", NULL};
    mcsec_prom_sample(p, "mcsec_policy_info", labels, 1);
    mcsec_prom_family(p, "mcsec_policy_last_reload_timestamp_seconds", "gauge",
                      "When the policy was last loaded or a reload refused (Unix time).");
    mcsec_prom_sample(p, "mcsec_policy_last_reload_timestamp_seconds", NULL, (double)last_reload);
    mcsec_prom_family(p, "mcsec_policy_last_reload_success", "gauge",
                      "1 when the last load or reload succeeded, 0 when it was refused.");
    mcsec_prom_sample(p, "mcsec_policy_last_reload_success", NULL, last_ok ? 1 : 0);
}

const char *mcsec_prom_text(const mcsec_prom_t *p, size_t *len)
{
    if (p->failed)
        return NULL;
    if (len)
        *len = p->len;
    return p->buf ? p->buf : "";
}
