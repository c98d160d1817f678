/* Loading of field kinds shared by the system and partner sections:
 * string lists, domain lists, addresses, identity URIs and key file references. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_internal.h"

void mcsec_pol_load_strlist(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                            const mcsec_pol_strlist_spec_t *spec, mcsec_strlist_t *list)
{
    const char *what = spec->what;
    yaml_node_item_t *items;
    size_t count;
    if (!mcsec_pol_sequence(ctx, node, what, &items, &count))
        return;
    if (spec->at_least_one && count == 0) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "'%s' must list at least one %s", what,
                          spec->at_least_one);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = mcsec_pol_node(ctx, items[i]);
        const char *text = item ? mcsec_pol_scalar(ctx, item, what) : NULL;
        if (!text)
            continue;
        char *copy = NULL;
        if (spec->lowercase) {
            copy = strdup(text);
            if (!copy) {
                mcsec_pol_problem(ctx, item, MCSEC_ERR_NOMEM, "out of memory");
                continue;
            }
            for (char *p = copy; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        }
        const char *value = copy ? copy : text;
        bool stop = false;
        if (spec->check && !spec->check(ctx, item, text, value, what)) {
            /* reported by check */
        } else if (spec->nocase ? mcsec_strlist_contains_nocase(list, value)
                                : mcsec_strlist_contains(list, value)) {
            if (spec->dup_without_what)
                mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID, "duplicate %s '%s'", spec->noun,
                                  value);
            else
                mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID, "duplicate %s '%s' in '%s'",
                                  spec->noun, value, what);
        } else if (spec->max && list->count == spec->max) {
            mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID, "more than %zu %s in '%s'", spec->max,
                              spec->plural, what);
            stop = spec->stop_when_full;
        } else if (mcsec_strlist_push(list, value) != MCSEC_OK) {
            mcsec_pol_problem(ctx, item, MCSEC_ERR_NOMEM, "out of memory");
        }
        free(copy);
        if (stop)
            return;
    }
}

/* Records where a domain entry came from, for the overlap check. */
static void add_domain_ref(mcsec_pol_ctx_t *ctx, mcsec_pol_domain_refs_t *refs, const char *domain,
                           int owner, yaml_node_t *node)
{
    mcsec_pol_domain_ref_t *items = realloc(refs->items, (refs->count + 1) * sizeof(*items));
    if (!items) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    items[refs->count].domain = domain;
    items[refs->count].owner = owner;
    items[refs->count].node = node;
    refs->items = items;
    refs->count++;
}

void mcsec_pol_load_domains(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, int owner,
                            mcsec_strlist_t *list, mcsec_pol_domain_refs_t *refs)
{
    yaml_node_item_t *items;
    size_t count;
    if (!mcsec_pol_sequence(ctx, node, what, &items, &count))
        return;
    if (count == 0) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "'%s' must list at least one domain", what);
        return;
    }
    /* Entries are recorded after the list is complete: realloc moves them. */
    yaml_node_t **nodes = calloc(count, sizeof(*nodes));
    if (!nodes) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = mcsec_pol_node(ctx, items[i]);
        const char *text = item ? mcsec_pol_scalar(ctx, item, what) : NULL;
        if (!text)
            continue;
        char *lower = strdup(text);
        if (!lower) {
            mcsec_pol_problem(ctx, item, MCSEC_ERR_NOMEM, "out of memory");
            break;
        }
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (!mcsec_pol_domain_valid(lower))
            mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                              "invalid domain '%s' in '%s': expected a host name or '*.' "
                              "followed by one",
                              text, what);
        else if (mcsec_strlist_contains(list, lower))
            mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID, "duplicate domain '%s' in '%s'", lower,
                              what);
        else if (mcsec_strlist_push(list, lower) != MCSEC_OK)
            mcsec_pol_problem(ctx, item, MCSEC_ERR_NOMEM, "out of memory");
        else
            nodes[list->count - 1] = item;
        free(lower);
    }
    for (size_t i = 0; i < list->count && i < count; i++)
        add_domain_ref(ctx, refs, list->items[i], owner, nodes[i]);
    free(nodes);
}

bool mcsec_pol_load_addr(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what,
                         mcsec_addr_form_t form, mcsec_addr_t *out)
{
    const char *text = mcsec_pol_scalar(ctx, node, what);
    if (!text)
        return false;
    char why[128];
    if (mcsec_addr_parse(text, form, out, why, sizeof(why)) != MCSEC_OK) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "invalid address '%s' for '%s': %s", text,
                          what, why);
        return false;
    }
    return true;
}

void mcsec_pol_load_addr_list(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, size_t max,
                              mcsec_addr_t **list, size_t *count)
{
    yaml_node_item_t *items;
    size_t n;
    if (!mcsec_pol_sequence(ctx, node, what, &items, &n))
        return;
    if (n > max) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "more than %zu entries in '%s'", max, what);
        return;
    }
    *list = calloc(n ? n : 1, sizeof(**list));
    if (!*list) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = mcsec_pol_node(ctx, items[i]);
        mcsec_addr_t *slot = &(*list)[*count];
        if (!item || !mcsec_pol_load_addr(ctx, item, what, MCSEC_ADDR_PORT_OPTIONAL, slot))
            continue;
        bool dup = false;
        for (size_t j = 0; j < *count && !dup; j++)
            dup = mcsec_addr_equal(&(*list)[j], slot);
        if (dup)
            mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID, "duplicate address '%s' in '%s'",
                              slot->ip, what);
        else
            (*count)++;
    }
}

void mcsec_pol_load_keyfile(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, bool secret,
                            char **out)
{
    const char *text = mcsec_pol_scalar(ctx, node, what);
    if (!text)
        return;
    char *resolved = mcsec_pol_resolve_path(ctx->base_dir, text);
    if (!resolved) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    char why[512];
    mcsec_err_t rc = mcsec_pol_keyfile_check(resolved, secret, why, sizeof(why));
    if (rc != MCSEC_OK)
        mcsec_pol_problem(ctx, node, rc, "%s", why);
    free(*out);
    *out = resolved;
}

void mcsec_pol_load_keydir(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, char **out)
{
    const char *text = mcsec_pol_scalar(ctx, node, what);
    if (!text)
        return;
    char *resolved = mcsec_pol_resolve_path(ctx->base_dir, text);
    if (!resolved) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    char why[512];
    mcsec_err_t rc = mcsec_pol_keydir_check(resolved, why, sizeof(why));
    if (rc != MCSEC_OK)
        mcsec_pol_problem(ctx, node, rc, "%s", why);
    free(*out);
    *out = resolved;
}

bool mcsec_pol_load_uri(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, char **out)
{
    const char *text = mcsec_pol_scalar(ctx, node, what);
    if (!text)
        return false;
    if (!mcsec_pol_sip_uri_valid(text, NULL, NULL)) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "invalid '%s' URI '%s': expected sip:user@host or sips:user@host", what,
                          text);
        return false;
    }
    return mcsec_pol_string(ctx, node, what, out);
}

void mcsec_pol_check_identity_domain(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *uri,
                                     const mcsec_strlist_t *domains, const char *whose)
{
    const char *host;
    size_t host_len;
    if (!uri || domains->count == 0 || !mcsec_pol_sip_uri_valid(uri, &host, &host_len))
        return;
    for (size_t i = 0; i < domains->count; i++) {
        const char *d = domains->items[i];
        bool match;
        if (strncmp(d, "*.", 2) == 0) {
            size_t base_len = strlen(d + 2);
            match = host_len > base_len + 1 && host[host_len - base_len - 1] == '.' &&
                    strncasecmp(host + host_len - base_len, d + 2, base_len) == 0;
        } else {
            match = strlen(d) == host_len && strncasecmp(host, d, host_len) == 0;
        }
        if (match)
            return;
    }
    mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "identity host '%.*s' is not in %s domains",
                      (int)host_len, host, whose);
}
