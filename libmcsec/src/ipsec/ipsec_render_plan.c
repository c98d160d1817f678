/* What both IPsec renderers need from the policy, checked once: gateways,
 * service addresses, certificate, key and partner CAs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipsec_render_internal.h"
#include "policy/policy_internal.h"

void ipsec_text_printf(ipsec_text_t *t, const char *fmt, ...)
{
    if (t->nomem)
        return;
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(again);
        t->nomem = true;
        return;
    }
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *grown = realloc(t->text, cap);
        if (!grown) {
            va_end(again);
            t->nomem = true;
            return;
        }
        t->text = grown;
        t->cap = cap;
    }
    vsnprintf(t->text + t->len, (size_t)n + 1, fmt, again);
    va_end(again);
    t->len += (size_t)n;
}

mcsec_err_t ipsec_text_finish(ipsec_text_t *t, char **out)
{
    if (t->nomem || !t->text) {
        free(t->text);
        *out = NULL;
        return MCSEC_ERR_NOMEM;
    }
    *out = t->text;
    t->text = NULL;
    return MCSEC_OK;
}

unsigned ipsec_host_prefix(const mcsec_addr_t *addr)
{
    return addr->family == AF_INET6 ? 128 : 32;
}

/* Adds addr unless an address with the same IP is already there. */
static bool addrs_add(ipsec_addrs_t *addrs, const mcsec_addr_t *addr)
{
    for (size_t i = 0; i < addrs->count; i++)
        if (strcmp(addrs->items[i]->ip, addr->ip) == 0)
            return true;
    if (addrs->count == IPSEC_MAX_ADDRS)
        return false;
    addrs->items[addrs->count++] = addr;
    return true;
}

/* Records a problem; the first failure to allocate wins over INVALID. */
typedef struct {
    const char *file;
    mcsec_diag_list_t *diags;
    mcsec_err_t rc;
} checker_t;

static void problem(checker_t *c, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(checker_t *c, unsigned line, unsigned col, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (mcsec_diag_addf(c->diags, c->file, line, col, "%s", message) != MCSEC_OK)
        c->rc = MCSEC_ERR_NOMEM;
    else if (c->rc == MCSEC_OK)
        c->rc = MCSEC_ERR_INVALID;
}

/* swanctl.conf takes paths in double quotes; refuse what would end them. */
static bool path_quotable(const char *path)
{
    return path[0] == '/' && !strpbrk(path, "\"\\\n\r");
}

static void check_path(checker_t *c, unsigned line, unsigned col, const char *path,
                       const char *what)
{
    if (!path || !path[0])
        problem(c, line, col, "ipsec: %s is not set", what);
    else if (!path_quotable(path))
        problem(c, line, col,
                "ipsec: %s '%s' must be an absolute path without '\"', '\\' or "
                "line breaks",
                what, path);
}

static void check_identity(checker_t *c, unsigned line, unsigned col, const char *uri,
                           const char *what)
{
    char host[256];
    if (mcsec_ipsec_identity(uri, host, sizeof(host)) != MCSEC_OK)
        problem(c, line, col, "ipsec: %s '%s' has no host usable as IKE identity", what,
                uri ? uri : "");
}

/* A gateway inside its own traffic selectors would tunnel IKE itself. */
static bool addrs_have(const ipsec_addrs_t *addrs, const mcsec_addr_t *addr)
{
    for (size_t i = 0; i < addrs->count; i++)
        if (strcmp(addrs->items[i]->ip, addr->ip) == 0)
            return true;
    return false;
}

static void plan_system(checker_t *c, const mcsec_system_t *sys, bool need_keys, ipsec_plan_t *plan)
{
    if (!sys->has_gateway)
        problem(c, 0, 0, "ipsec: system.addresses.gateway is not set");
    if (sys->has_is_proxy)
        addrs_add(&plan->local, &sys->is_proxy);
    if (sys->has_http_proxy)
        addrs_add(&plan->local, &sys->http_proxy);
    if (plan->local.count == 0)
        problem(c, 0, 0, "ipsec: system.addresses has neither is_proxy nor http_proxy to protect");
    else if (sys->has_gateway && addrs_have(&plan->local, &sys->gateway))
        problem(c, 0, 0, "ipsec: system gateway %s is also a service address; use another address",
                sys->gateway.ip);
    if (sys->media.enabled) {
        plan->media_local = &sys->media.outside_address;
        if (sys->has_gateway && strcmp(sys->gateway.ip, sys->media.outside_address.ip) == 0)
            problem(c, 0, 0,
                    "ipsec: system gateway %s is also the media relay's outside_address; use "
                    "another address",
                    sys->gateway.ip);
    }
    check_identity(c, 0, 0, sys->identity, "system.identity");
    if (need_keys) {
        check_path(c, 0, 0, sys->keys.cert, "system.keys.cert");
        if (mcsec_key_is_pkcs11(sys->keys.key)) {
            char why[256];
            plan->in_token = true;
            if (!ipsec_token_parse(sys->keys.key, &plan->token, why, sizeof(why)))
                problem(c, 0, 0, "ipsec: system.keys.key '%s' cannot be rendered for charon: %s",
                        sys->keys.key, why);
            check_path(c, 0, 0, sys->keys.key_pin_file, "system.keys.key_pin_file");
            if (sys->keys.pkcs11_module)
                check_path(c, 0, 0, sys->keys.pkcs11_module, "system.keys.pkcs11_module");
        } else {
            check_path(c, 0, 0, sys->keys.key, "system.keys.key");
        }
    }
}

static void plan_partner(checker_t *c, const mcsec_system_t *sys, const mcsec_partner_t *p,
                         bool need_keys, ipsec_plan_t *plan)
{
    ipsec_addrs_t *remote = &plan->remote[plan->partner_count];
    memset(remote, 0, sizeof(*remote));
    plan->partners[plan->partner_count++] = p;
    if (!p->has_gateway)
        problem(c, p->line, p->col, "ipsec: partner '%s' has no addresses.gateway", p->name);
    else if (sys->has_gateway && p->gateway.family != sys->gateway.family)
        problem(c, p->line, p->col,
                "ipsec: partner '%s' gateway %s is not of the same address family as "
                "system gateway %s",
                p->name, p->gateway.ip, sys->gateway.ip);
    bool fits = true;
    for (size_t i = 0; i < p->is_proxy_count; i++)
        fits = addrs_add(remote, &p->is_proxy[i]) && fits;
    if (p->has_http_proxy)
        fits = addrs_add(remote, &p->http_proxy) && fits;
    if (!fits)
        problem(c, p->line, p->col, "ipsec: partner '%s' has more than %d service addresses",
                p->name, IPSEC_MAX_ADDRS);
    if (remote->count == 0)
        problem(c, p->line, p->col, "ipsec: partner '%s' has no service address to protect",
                p->name);
    else if (p->has_gateway && addrs_have(remote, &p->gateway))
        problem(c, p->line, p->col,
                "ipsec: partner '%s' gateway %s is also one of its service addresses", p->name,
                p->gateway.ip);
    ipsec_addrs_t *media = &plan->media_remote[plan->partner_count - 1];
    memset(media, 0, sizeof(*media));
    for (size_t i = 0; sys->media.enabled && p->media.set && i < p->media.relay_address_count;
         i++) {
        const mcsec_addr_t *relay = &p->media.relay_addresses[i];
        if (p->has_gateway && strcmp(relay->ip, p->gateway.ip) == 0)
            problem(c, p->line, p->col,
                    "ipsec: partner '%s' gateway %s is also one of its media relay addresses",
                    p->name, p->gateway.ip);
        if (!addrs_add(media, relay))
            problem(c, p->line, p->col, "ipsec: partner '%s' has more than %d relay addresses",
                    p->name, IPSEC_MAX_ADDRS);
    }
    check_identity(c, p->line, p->col, p->identity, "partner identity");
    if (need_keys) {
        char what[128];
        snprintf(what, sizeof(what), "keys.ca of partner '%s'", p->name);
        check_path(c, p->line, p->col, p->keys.ca, what);
    }
}

mcsec_err_t ipsec_plan(const mcsec_policy_t *policy, const mcsec_ipsec_options_t *opts,
                       bool need_keys, ipsec_plan_t *plan, mcsec_diag_list_t *diags)
{
    memset(plan, 0, sizeof(*plan));
    checker_t c = {policy->source_path, diags, MCSEC_OK};
    const char *only = opts ? opts->partner : NULL;
    plan_system(&c, &policy->system, need_keys, plan);
    if (only) {
        const mcsec_partner_t *p = mcsec_policy_partner_by_name(policy, only);
        if (p)
            plan_partner(&c, &policy->system, p, need_keys, plan);
        else
            problem(&c, 0, 0, "ipsec: no partner named '%s'", only);
    } else if (policy->partner_count > sizeof(plan->partners) / sizeof(plan->partners[0])) {
        problem(&c, 0, 0, "ipsec: more than %zu partners",
                sizeof(plan->partners) / sizeof(plan->partners[0]));
    } else {
        for (size_t i = 0; i < policy->partner_count; i++)
            plan_partner(&c, &policy->system, &policy->partners[i], need_keys, plan);
        if (policy->partner_count == 0)
            problem(&c, 0, 0, "ipsec: the policy has no partners");
    }
    return c.rc;
}

mcsec_err_t mcsec_ipsec_identity(const char *uri, char *out, size_t out_size)
{
    if (!uri || !out || out_size == 0)
        return MCSEC_ERR_ARG;
    out[0] = '\0';
    const char *host = uri;
    if (strncmp(host, "sips:", 5) == 0)
        host += 5;
    else if (strncmp(host, "sip:", 4) == 0)
        host += 4;
    const char *at = strchr(host, '@');
    if (at)
        host = at + 1;
    size_t len = strcspn(host, ":;?>");
    if (len == 0 || host[0] == '.' || host[0] == '-' || host[len - 1] == '.')
        return MCSEC_ERR_INVALID;
    if (len >= out_size)
        return MCSEC_ERR_ARG;
    for (size_t i = 0; i < len; i++) {
        char ch = host[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.')) {
            out[0] = '\0';
            return MCSEC_ERR_INVALID;
        }
        out[i] = ch;
    }
    out[len] = '\0';
    return MCSEC_OK;
}

ipsec_plan_t *ipsec_render_start(const mcsec_policy_t *policy, const mcsec_ipsec_options_t *opts,
                                 bool need_keys, char **out, mcsec_diag_list_t *diags,
                                 mcsec_err_t *rc)
{
    *rc = MCSEC_ERR_ARG;
    if (!out)
        return NULL;
    *out = NULL;
    if (!policy || !opts || !diags)
        return NULL;
    if (opts->backend != MCSEC_IPSEC_KERNEL && opts->backend != MCSEC_IPSEC_LIBIPSEC)
        return NULL;
    ipsec_plan_t *plan = malloc(sizeof(*plan));
    if (!plan) {
        *rc = MCSEC_ERR_NOMEM;
        return NULL;
    }
    *rc = ipsec_plan(policy, opts, need_keys, plan, diags);
    if (*rc != MCSEC_OK) {
        free(plan);
        return NULL;
    }
    return plan;
}
