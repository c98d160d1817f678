/* partners[].limits (mcsec/policy/policy_limits.h, docs/policy-reference.md):
 *   limits: {rate: N, burst: M, invites: K,
 *            priority: {trusted: bool, reserved_percent: P, ceiling: C}}
 * rate or invites must be given; burst defaults to rate, ceiling to rate
 * (and may not exceed it), reserved_percent to 20. */
#include "mcsec/util/admit.h"
#include "policy_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void load_priority(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_limits_rules_t *limits,
                          yaml_node_t **ceiling_node)
{
    static const mcsec_pol_key_t keys[] = {
        {"trusted", false}, {"reserved_percent", false}, {"ceiling", false}};
    yaml_node_t *v[COUNT(keys)];
    long long n;
    if (!mcsec_pol_map(ctx, node, "partner.limits.priority", keys, COUNT(keys), v))
        return;
    if (v[0])
        mcsec_pol_boolean(ctx, v[0], "partner.limits.priority.trusted", &limits->priority_trusted);
    if (v[1] && mcsec_pol_integer(ctx, v[1], "partner.limits.priority.reserved_percent", 0,
                                  MCSEC_ADMIT_RESERVED_MAX, &n))
        limits->reserved_percent = (uint32_t)n;
    if (v[2] && mcsec_pol_integer(ctx, v[2], "partner.limits.priority.ceiling", 1,
                                  MCSEC_ADMIT_RATE_MAX, &n)) {
        limits->ceiling = (uint32_t)n;
        *ceiling_node = v[2];
    }
}

void mcsec_pol_load_partner_limits(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                   mcsec_limits_rules_t *limits)
{
    static const mcsec_pol_key_t keys[] = {
        {"rate", false}, {"burst", false}, {"invites", false}, {"priority", false}};
    yaml_node_t *v[COUNT(keys)];
    yaml_node_t *ceiling_node = NULL;
    long long n;
    limits->reserved_percent = MCSEC_LIMITS_RESERVED_DEFAULT;
    if (!node)
        return;
    if (!mcsec_pol_map(ctx, node, "partner.limits", keys, COUNT(keys), v))
        return;
    limits->set = true;
    if (v[0] && mcsec_pol_integer(ctx, v[0], "partner.limits.rate", 1, MCSEC_ADMIT_RATE_MAX, &n))
        limits->rate = (uint32_t)n;
    if (v[1] && mcsec_pol_integer(ctx, v[1], "partner.limits.burst", 1, MCSEC_ADMIT_RATE_MAX, &n))
        limits->burst = (uint32_t)n;
    if (v[2] && mcsec_pol_integer(ctx, v[2], "partner.limits.invites", 1, MCSEC_ADMIT_RATE_MAX, &n))
        limits->invites = (uint32_t)n;
    if (v[3])
        load_priority(ctx, v[3], limits, &ceiling_node);
    if (!v[0] && !v[2])
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'partner.limits' needs 'rate' or 'invites' (or leave it out: no limit)");
    if (v[1] && !v[0])
        mcsec_pol_problem(ctx, v[1], MCSEC_ERR_INVALID,
                          "'partner.limits.burst' needs 'partner.limits.rate'");
    if (limits->burst == 0)
        limits->burst = limits->rate;
    if (limits->ceiling == 0)
        limits->ceiling = limits->rate > 0 ? limits->rate : MCSEC_ADMIT_RATE_MAX;
    else if (limits->rate > 0 && limits->ceiling > limits->rate)
        mcsec_pol_problem(ctx, ceiling_node, MCSEC_ERR_INVALID,
                          "'partner.limits.priority.ceiling' (%u) exceeds 'partner.limits.rate' "
                          "(%u): priority requests are part of the rate",
                          limits->ceiling, limits->rate);
}
