/* Revocation in the policy: partners[].keys.crls and
 * system.http.inside_tls.crls (the CRL files of the partner's CAs, of our
 * inside clients' CA; each checked with crl.h at load: a broken CRL never
 * loads) and system.revocation (what a stale CRL does, when to warn).
 * docs/policy-reference.md, "Revocation". */
#include <stdlib.h>
#include <string.h>

#include "mcsec/policy/crl.h"
#include "policy_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Most CRL files per partner (one per CA of its chain). */
#define CRLS_MAX 8
/* Largest warn_before: 30 days. */
#define WARN_BEFORE_MAX (30u * 86400u)

void mcsec_pol_system_revocation_defaults(mcsec_system_t *sys)
{
    sys->revocation.stale = MCSEC_CRL_STALE_KEEP;
    sys->revocation.warn_before = MCSEC_CRL_WARN_BEFORE_DEFAULT;
}

void mcsec_pol_load_system_revocation(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"stale", false}, {"warn_before", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!node || !mcsec_pol_map(ctx, node, "system.revocation", keys, COUNT(keys), v))
        return;
    if (v[0]) {
        const char *text = mcsec_pol_scalar(ctx, v[0], "system.revocation.stale");
        if (text && strcmp(text, "keep") == 0)
            sys->revocation.stale = MCSEC_CRL_STALE_KEEP;
        else if (text && strcmp(text, "refuse") == 0)
            sys->revocation.stale = MCSEC_CRL_STALE_REFUSE;
        else if (text)
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                              "invalid value '%s' for 'system.revocation.stale': expected keep or "
                              "refuse",
                              text);
    }
    long long warn;
    if (v[1] &&
        mcsec_pol_integer(ctx, v[1], "system.revocation.warn_before", 0, WARN_BEFORE_MAX, &warn))
        sys->revocation.warn_before = (uint32_t)warn;
}

void mcsec_pol_load_crls(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what,
                         const char *ca_what, const char *ca, mcsec_strlist_t *out)
{
    yaml_node_item_t *items;
    size_t count;
    if (!mcsec_pol_sequence(ctx, node, what, &items, &count))
        return;
    if (count > CRLS_MAX) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "more than %d CRL files in '%s'", CRLS_MAX,
                          what);
        return;
    }
    if (count > 0 && !ca) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "'%s' needs '%s' (the CAs the CRLs are of)",
                          what, ca_what);
        return;
    }
    mcsec_crl_set_t set = {NULL, 0, 0, NULL};
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = mcsec_pol_node(ctx, items[i]);
        char *path = NULL;
        if (!item)
            continue;
        size_t problems = ctx->diags->count;
        mcsec_pol_load_keyfile(ctx, item, what, false, &path);
        if (!path || ctx->diags->count != problems) {
            free(path);
            ok = false;
            continue;
        }
        char why[512];
        mcsec_err_t rc = mcsec_crl_set_add(&set, ca, path, why, sizeof(why));
        if (rc != MCSEC_OK) {
            mcsec_pol_problem(ctx, item, rc, "%s", why);
            ok = false;
        }
        if (mcsec_strlist_push(out, path) != MCSEC_OK) {
            mcsec_pol_problem(ctx, item, MCSEC_ERR_NOMEM, "out of memory");
            ok = false;
        }
        free(path);
    }
    char why[512];
    if (ok && count > 0 && mcsec_crl_set_covers(&set, ca, why, sizeof(why)) != MCSEC_OK)
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "%s", why);
    mcsec_crl_set_clear(&set);
}
