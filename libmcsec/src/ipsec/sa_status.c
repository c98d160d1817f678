/* `swanctl --list-sas --raw` read back (mcsec/ipsec/sa_status.h). The raw
 * form is swanctl's printing of a VICI message: sections "name {" ... "}",
 * key=value pairs, lists "key=[a b]"; values hold no space, brace or
 * bracket (names, states, numbers, addresses). The reader walks it once
 * with a stack of section names: depth 1 "list-sa event", depth 2 the
 * IKE_SA, depth 3 "child-sas", depth 4 one CHILD_SA. */
#include <string.h>

#include "mcsec/ipsec/sa_status.h"

#define MAX_DEPTH 8
#define NAME_MAX_LEN 128

typedef struct {
    const char *name;
    int64_t now;
    mcsec_ipsec_sa_state_t *out;
    bool ike_match, ike_up;     /* the IKE_SA being read */
    bool child_installed;       /* the CHILD_SA being read */
    int64_t child_install_time; /* seconds ago, -1: not seen */
    unsigned ike_children;      /* INSTALLED children of this IKE_SA */
    int64_t ike_newest;         /* smallest install-time of them, -1 */
} reader_t;

static bool word_is(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(p, word, n) == 0;
}

static int64_t number(const char *p, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
        if (v > ((int64_t)1 << 40))
            return -1;
    }
    return n ? v : -1;
}

static void pair(reader_t *r, int depth, const char *k, size_t kn, const char *v, size_t vn)
{
    if (depth == 2 && word_is(k, kn, "state"))
        r->ike_up = word_is(v, vn, "ESTABLISHED");
    else if (depth == 4 && word_is(k, kn, "state"))
        r->child_installed = word_is(v, vn, "INSTALLED");
    else if (depth == 4 && word_is(k, kn, "install-time"))
        r->child_install_time = number(v, vn);
}

/* A section closes: a CHILD_SA (depth 4) or an IKE_SA (depth 2). */
static void close_section(reader_t *r, int depth)
{
    if (depth == 4 && r->child_installed) {
        r->ike_children++;
        if (r->child_install_time >= 0 &&
            (r->ike_newest < 0 || r->child_install_time < r->ike_newest))
            r->ike_newest = r->child_install_time;
    }
    if (depth == 2 && r->ike_match && r->ike_up && r->ike_children > 0) {
        r->out->up = true;
        r->out->child_sas += r->ike_children;
        int64_t at = r->ike_newest >= 0 ? r->now - r->ike_newest : 0;
        if (at > r->out->last_rekey)
            r->out->last_rekey = at;
    }
}

static void open_section(reader_t *r, int depth, const char *name, size_t n)
{
    if (depth == 2) {
        r->ike_match = word_is(name, n, r->name);
        r->ike_up = false;
        r->ike_children = 0;
        r->ike_newest = -1;
    } else if (depth == 4) {
        r->child_installed = false;
        r->child_install_time = -1;
    }
}

mcsec_err_t mcsec_ipsec_sa_state(const char *raw, const char *name, int64_t now,
                                 mcsec_ipsec_sa_state_t *out)
{
    if (!raw || !name || !out)
        return MCSEC_ERR_ARG;
    memset(out, 0, sizeof(*out));
    reader_t r = {.name = name, .now = now, .out = out};
    int depth = 0;
    const char *p = raw;
    const char *word = NULL; /* the last bare word: a section's name */
    size_t word_len = 0;
    while (*p) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            p++;
            continue;
        }
        if (*p == '{') {
            if (++depth > MAX_DEPTH)
                return MCSEC_ERR_PARSE;
            open_section(&r, depth, word ? word : "", word ? word_len : 0);
            word = NULL;
            p++;
            continue;
        }
        if (*p == '}') {
            if (depth == 0)
                return MCSEC_ERR_PARSE;
            close_section(&r, depth--);
            word = NULL;
            p++;
            continue;
        }
        const char *start = p;
        while (*p && !strchr(" \t\r\n{}=", *p))
            p++;
        size_t n = (size_t)(p - start);
        if (*p != '=') {
            /* A section name may be two words ("list-sa event"): keep the last. */
            word = start;
            word_len = n;
            continue;
        }
        p++;
        const char *value = p;
        if (*p == '[') {
            const char *end = strchr(p, ']');
            if (!end)
                return MCSEC_ERR_PARSE;
            p = end + 1;
        } else {
            while (*p && !strchr(" \t\r\n{}", *p))
                p++;
        }
        pair(&r, depth, start, n, value, (size_t)(p - value));
        word = NULL;
    }
    return depth == 0 ? MCSEC_OK : MCSEC_ERR_PARSE;
}
