/* Resource-Priority parsing for admission control (mcsec/sip/priority.h).
 * RFC 4412 3.1: Resource-value = namespace "." r-priority, both tokens of
 * alphanum / "-" / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~", values
 * separated by COMMA (LWS around the comma allowed); namespaces compare
 * without regard to case. RFC 8101: mcpttp and mcpttq, priorities 0..15. */
#include "mcsec/sip/priority.h"

#include <strings.h>

static bool token_char(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '-':
    case '!':
    case '%':
    case '*':
    case '_':
    case '+':
    case '`':
    case '\'':
    case '~':
        return true;
    default:
        return false;
    }
}

static bool lws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* "0".."15", no leading zero. */
static bool mc_priority(const char *p, size_t n)
{
    if (n == 1)
        return p[0] >= '0' && p[0] <= '9';
    return n == 2 && p[0] == '1' && p[1] >= '0' && p[1] <= '5';
}

mcsec_prio_mark_t mcsec_resource_priority_mark(const char *value, size_t len)
{
    size_t i = 0;
    bool marked = false, any = false;
    if (value == NULL)
        return MCSEC_PRIO_NONE;
    for (;;) {
        while (i < len && lws(value[i]))
            i++;
        size_t ns = i;
        while (i < len && token_char(value[i]))
            i++;
        size_t ns_len = i - ns;
        if (ns_len == 0 || i >= len || value[i] != '.')
            return any || i < len || ns_len ? MCSEC_PRIO_MALFORMED : MCSEC_PRIO_NONE;
        size_t pr = ++i;
        while (i < len && token_char(value[i]))
            i++;
        size_t pr_len = i - pr;
        if (pr_len == 0)
            return MCSEC_PRIO_MALFORMED;
        any = true;
        if (ns_len == 6 && (strncasecmp(value + ns, "mcpttp", 6) == 0 ||
                            strncasecmp(value + ns, "mcpttq", 6) == 0)) {
            if (!mc_priority(value + pr, pr_len))
                return MCSEC_PRIO_MALFORMED;
            marked = true;
        }
        while (i < len && lws(value[i]))
            i++;
        if (i == len)
            break;
        if (value[i] != ',')
            return MCSEC_PRIO_MALFORMED;
        i++;
    }
    return marked ? MCSEC_PRIO_MARKED : MCSEC_PRIO_NONE;
}
