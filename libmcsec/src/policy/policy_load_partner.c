/* The `partners` list: who may talk to us and what they may send. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_gmk_internal.h"
#include "policy_migration_internal.h"
#include "policy_internal.h"
#include "policy_media_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Largest body a partner may be allowed to send (1 MiB). */
#define MAX_BODY_LIMIT 1048576
#define MAX_BODY_DEFAULT 16384

static void load_is_proxies(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_partner_t *partner)
{
    const char *what = "partner.addresses.is_proxy";
    yaml_node_item_t *items;
    size_t count;
    if (!mcsec_pol_sequence(ctx, node, what, &items, &count))
        return;
    if (count == 0) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "'%s' must list at least one address",
                          what);
        return;
    }
    partner->is_proxy = calloc(count, sizeof(*partner->is_proxy));
    if (!partner->is_proxy) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = mcsec_pol_node(ctx, items[i]);
        mcsec_addr_t *slot = &partner->is_proxy[partner->is_proxy_count];
        if (item && mcsec_pol_load_addr(ctx, item, what, MCSEC_ADDR_PORT_OPTIONAL, slot))
            partner->is_proxy_count++;
    }
}

/* Returns the is_proxy node (for later messages about it), or node. */
static yaml_node_t *load_addresses(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                   mcsec_partner_t *partner)
{
    static const mcsec_pol_key_t keys[] = {
        {"is_proxy", true}, {"http_proxy", false}, {"gateway", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "partner.addresses", keys, COUNT(keys), v))
        return node;
    if (v[0])
        load_is_proxies(ctx, v[0], partner);
    if (v[1])
        partner->has_http_proxy =
            mcsec_pol_load_addr(ctx, v[1], "partner.addresses.http_proxy", MCSEC_ADDR_PORT_REQUIRED,
                                &partner->http_proxy);
    if (v[2])
        partner->has_gateway = mcsec_pol_load_addr(ctx, v[2], "partner.addresses.gateway",
                                                   MCSEC_ADDR_NO_PORT, &partner->gateway);
    return v[0] ? v[0] : node;
}

static bool sip_method_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                          const char *value, const char *what)
{
    (void)value;
    (void)what;
    if (strcasecmp(text, "REGISTER") == 0) {
        mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                          "REGISTER is never allowed across the border");
        return false;
    }
    if (!mcsec_pol_method_valid(text)) {
        mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                          "invalid method '%s': expected an upper-case SIP method token", text);
        return false;
    }
    return true;
}

static bool sip_content_type_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                                const char *value, const char *what)
{
    (void)what;
    if (mcsec_pol_content_type_valid(value))
        return true;
    mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                      "invalid content type '%s': expected type/subtype without "
                      "parameters or wildcards",
                      text);
    return false;
}

static void load_methods(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_strlist_t *methods)
{
    static const mcsec_pol_strlist_spec_t spec = {.what = "partner.sip.methods",
                                                  .check = sip_method_ok,
                                                  .noun = "method",
                                                  .dup_without_what = true};
    mcsec_pol_load_strlist(ctx, node, &spec, methods);
}

static void load_content_types(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_strlist_t *types)
{
    static const mcsec_pol_strlist_spec_t spec = {.what = "partner.sip.content_types",
                                                  .check = sip_content_type_ok,
                                                  .lowercase = true,
                                                  .noun = "content type",
                                                  .dup_without_what = true};
    mcsec_pol_load_strlist(ctx, node, &spec, types);
}

static void load_sip(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_sip_rules_t *sip)
{
    static const mcsec_pol_key_t keys[] = {{"methods", true},
                                           {"content_types", false},
                                           {"max_body", false},
                                           {"warning_reason", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "partner.sip", keys, COUNT(keys), v))
        return;
    if (v[0])
        load_methods(ctx, v[0], &sip->methods);
    if (v[1])
        load_content_types(ctx, v[1], &sip->content_types);
    long long max_body;
    if (v[2] && mcsec_pol_integer(ctx, v[2], "partner.sip.max_body", 0, MAX_BODY_LIMIT, &max_body))
        sip->max_body = (size_t)max_body;
    if (v[3])
        mcsec_pol_boolean(ctx, v[3], "partner.sip.warning_reason", &sip->warning_reason);
}

/* keys.kms: one KMS public file, or a list of 1 to MCSEC_PARTNER_KMS_MAX. */
static void load_kms(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_partner_keys_t *out)
{
    if (node->type != YAML_SEQUENCE_NODE) {
        mcsec_pol_load_keyfile(ctx, node, "partner.keys.kms", false, &out->kms);
        return;
    }
    yaml_node_item_t *items = NULL;
    size_t count = 0;
    if (!mcsec_pol_sequence(ctx, node, "partner.keys.kms", &items, &count))
        return;
    if (count == 0 || count > MCSEC_PARTNER_KMS_MAX) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'partner.keys.kms' must list 1 to %d KMS public files",
                          MCSEC_PARTNER_KMS_MAX);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = mcsec_pol_node(ctx, items[i]);
        if (!item)
            return;
        char **slot = i == 0 ? &out->kms : &out->kms_more[i - 1];
        mcsec_pol_load_keyfile(ctx, item, "partner.keys.kms", false, slot);
        if (i > 0 && *slot)
            out->kms_more_count = i;
        for (size_t j = 0; *slot && j < i; j++) {
            const char *other = j == 0 ? out->kms : out->kms_more[j - 1];
            if (other && strcmp(other, *slot) == 0)
                mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                                  "'partner.keys.kms' lists '%s' twice", *slot);
        }
    }
}

static void load_keys(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_partner_keys_t *out)
{
    static const mcsec_pol_key_t keys[] = {
        {"spk", false}, {"kms", false}, {"ca", false}, {"crls", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "partner.keys", keys, COUNT(keys), v))
        return;
    if (v[0])
        mcsec_pol_load_keyfile(ctx, v[0], "partner.keys.spk", true, &out->spk);
    if (v[1])
        load_kms(ctx, v[1], out);
    if (v[2])
        mcsec_pol_load_keyfile(ctx, v[2], "partner.keys.ca", false, &out->ca);
    if (v[3])
        mcsec_pol_load_crls(ctx, v[3], "partner.keys.crls", "partner.keys.ca",
                            v[2] ? out->ca : NULL, &out->crls);
}

/* Returns true when the value was valid. */
static bool load_auth(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_auth_mode_t *auth)
{
    const char *text = mcsec_pol_scalar(ctx, node, "partner.auth");
    if (!text)
        return false;
    if (strcmp(text, "implicit") == 0)
        *auth = MCSEC_AUTH_IMPLICIT;
    else if (strcmp(text, "explicit") == 0)
        *auth = MCSEC_AUTH_EXPLICIT;
    else {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "invalid value '%s' for 'partner.auth': expected implicit or explicit",
                          text);
        return false;
    }
    return true;
}

/* Loads one partner entry; index is its position in the list. Returns the
 * node to blame for a shared IS proxy address. */
static yaml_node_t *load_partner(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_policy_t *policy,
                                 int index, mcsec_pol_domain_refs_t *refs)
{
    static const mcsec_pol_key_t keys[] = {
        {"name", true},       {"identity", true},  {"domains", true},       {"addresses", true},
        {"auth", true},       {"sip", true},       {"keys", false},         {"spk", false},
        {"ear", false},       {"topology", false}, {"http", false},         {"gmk", false},
        {"migration", false}, {"media", false},    {"replay_quota", false}, {"limits", false}};
    mcsec_partner_t *partner = &policy->partners[index];
    yaml_node_t *v[COUNT(keys)];
    mcsec_pol_feature_nodes_t blame = {NULL, NULL, NULL, NULL, NULL};
    partner->line = mcsec_pol_line(node);
    partner->col = mcsec_pol_col(node);
    partner->sip.max_body = MAX_BODY_DEFAULT;
    mcsec_pol_partner_http_defaults(&partner->http);
    mcsec_pol_partner_defaults(ctx, node, partner, &policy->system);
    if (!mcsec_pol_map(ctx, node, "partner", keys, COUNT(keys), v))
        return node;
    if (v[0] && mcsec_pol_string(ctx, v[0], "partner.name", &partner->name)) {
        const mcsec_partner_t *first = NULL;
        for (int i = 0; i < index && !first; i++)
            if (policy->partners[i].name && strcmp(policy->partners[i].name, partner->name) == 0)
                first = &policy->partners[i];
        if (!mcsec_pol_name_valid(partner->name))
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                              "invalid partner name '%s': use only a-z, 0-9 and '-'",
                              partner->name);
        else if (first)
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                              "duplicate partner name '%s' (first at line %u)", partner->name,
                              first->line);
    }
    if (v[1])
        mcsec_pol_load_uri(ctx, v[1], "partner.identity", &partner->identity);
    if (v[2])
        mcsec_pol_load_domains(ctx, v[2], "partner.domains", index, &partner->domains, refs);
    if (v[1] && partner->identity)
        mcsec_pol_check_identity_domain(ctx, v[1], partner->identity, &partner->domains,
                                        "the partner's");
    yaml_node_t *sources = v[3] ? load_addresses(ctx, v[3], partner) : node;
    if (v[4] && load_auth(ctx, v[4], &partner->auth))
        blame.auth = v[4];
    if (v[5])
        load_sip(ctx, v[5], &partner->sip);
    if (v[6])
        load_keys(ctx, v[6], &partner->keys);
    if (v[7])
        mcsec_pol_load_partner_spk(ctx, v[7], &partner->spk, &blame);
    if (v[8])
        mcsec_pol_load_partner_ear(ctx, v[8], &partner->ear, &blame);
    if (v[9])
        mcsec_pol_load_partner_topology(ctx, v[9], &partner->topology, &blame);
    if (v[10])
        mcsec_pol_load_partner_http(ctx, v[10], partner, &policy->system);
    mcsec_pol_load_partner_gmk(ctx, v[11], partner, &policy->system);
    mcsec_pol_load_partner_migration(ctx, v[12], partner, &policy->system);
    mcsec_pol_check_partner_features(ctx, &policy->system, partner, &blame);
    mcsec_pol_load_partner_media(ctx, v[13], node, partner, &policy->system);
    mcsec_pol_load_partner_replay_quota(ctx, v[14], partner, &policy->system);
    mcsec_pol_load_partner_limits(ctx, v[15], &partner->limits);
    return sources;
}

/* Reports an IS proxy address already used by an earlier partner: a
 * source address must identify exactly one partner. */
static void check_shared_sources(mcsec_pol_ctx_t *ctx, const mcsec_policy_t *policy, size_t index,
                                 yaml_node_t *node)
{
    const mcsec_partner_t *partner = &policy->partners[index];
    for (size_t a = 0; a < partner->is_proxy_count; a++) {
        const mcsec_addr_t *mine = &partner->is_proxy[a];
        for (size_t i = 0; i < index; i++) {
            const mcsec_partner_t *other = &policy->partners[i];
            for (size_t b = 0; b < other->is_proxy_count; b++) {
                const mcsec_addr_t *theirs = &other->is_proxy[b];
                if (mine->family != theirs->family || strcmp(mine->ip, theirs->ip) != 0 ||
                    (mine->port && theirs->port && mine->port != theirs->port))
                    continue;
                char text[64];
                mcsec_addr_format(mine, text, sizeof(text));
                mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                                  "is_proxy address %s of partner '%s' is also used by partner "
                                  "'%s'",
                                  text, partner->name ? partner->name : "?",
                                  other->name ? other->name : "?");
                return;
            }
        }
    }
}

void mcsec_pol_load_partners(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_policy_t *policy,
                             mcsec_pol_domain_refs_t *refs)
{
    yaml_node_item_t *items;
    size_t count;
    if (!mcsec_pol_sequence(ctx, node, "partners", &items, &count))
        return;
    if (count == 0) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'partners' must list at least one partner");
        return;
    }
    policy->partners = calloc(count, sizeof(*policy->partners));
    if (!policy->partners) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    policy->partner_count = count;
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = mcsec_pol_node(ctx, items[i]);
        if (!item)
            continue;
        yaml_node_t *sources = load_partner(ctx, item, policy, (int)i, refs);
        check_shared_sources(ctx, policy, i, sources);
    }
}
