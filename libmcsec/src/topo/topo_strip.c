/* Which headers leak our inside and are stripped on egress: a pure
 * function over header names. */
#include <string.h>

#include "topo_internal.h"

/* A string literal with its length, known at compile time. */
#define NAME(s)                                                                                    \
    {                                                                                              \
        .ptr = (s), .len = sizeof(s) - 1                                                           \
    }
static const mcsec_str_t always_stripped[] = {NAME("Server"), NAME("User-Agent"),
                                              NAME("Organization"), NAME("Warning"),
                                              NAME("P-Charging-Vector")};

/* SIP compact forms (RFC 3261 7.3.3, RFC 3515, 3892, 3903, 3841, 4028,
 * 6665, 8224) and their long names. */
static const struct {
    char compact;
    const char *name;
} compact_forms[] = {
    {'a', "Accept-Contact"},
    {'b', "Referred-By"},
    {'c', "Content-Type"},
    {'d', "Request-Disposition"},
    {'e', "Content-Encoding"},
    {'f', "From"},
    {'i', "Call-ID"},
    {'j', "Reject-Contact"},
    {'k', "Supported"},
    {'l', "Content-Length"},
    {'m', "Contact"},
    {'o', "Event"},
    {'r', "Refer-To"},
    {'s', "Subject"},
    {'t', "To"},
    {'u', "Allow-Events"},
    {'v', "Via"},
    {'x', "Session-Expires"},
    {'y', "Identity"},
};

/* Long form of a name: the name itself unless it is one compact letter. */
static mcsec_str_t long_form(mcsec_str_t name)
{
    if (name.len == 1) {
        char c = name.ptr[0];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        for (size_t i = 0; i < sizeof(compact_forms) / sizeof(compact_forms[0]); i++)
            if (compact_forms[i].compact == c)
                return (mcsec_str_t){compact_forms[i].name, strlen(compact_forms[i].name)};
    }
    return name;
}

static bool matches(mcsec_str_t name, mcsec_str_t pattern)
{
    mcsec_str_t pat = long_form(pattern);
    if (pat.len > 0 && pat.ptr[pat.len - 1] == '*')
        return name.len >= pat.len - 1 && topo_ieq(name.ptr, pat.len - 1, pat.ptr, pat.len - 1);
    return topo_ieq(name.ptr, name.len, pat.ptr, pat.len);
}

bool mcsec_topo_header_stripped(mcsec_str_t name, const mcsec_strlist_t *extra)
{
    if (!name.ptr)
        return false;
    while (name.len > 0 && (name.ptr[name.len - 1] == ' ' || name.ptr[name.len - 1] == '\t'))
        name.len--;
    if (name.len == 0)
        return false;
    name = long_form(name);
    for (size_t i = 0; i < sizeof(always_stripped) / sizeof(always_stripped[0]); i++)
        if (matches(name, always_stripped[i]))
            return true;
    for (size_t i = 0; extra && i < extra->count; i++)
        if (extra->items[i] &&
            matches(name, (mcsec_str_t){extra->items[i], strlen(extra->items[i])}))
            return true;
    return false;
}
