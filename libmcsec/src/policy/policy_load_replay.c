/* Where the replay caches live (system.replay) and each partner's share of
 * them (partners[].replay_quota): docs/policy-reference.md,
 * docs/high-availability.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/util/replay.h"

#include "policy_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define REDIS_TIMEOUT_DEFAULT 50
#define REDIS_TIMEOUT_MAX 5000
#define REDIS_WAIT_MAX 16
#define QUOTA_MAX 16777216 /* the largest replay cache */

/* system.replay.redis.address: a unix socket path or ip:port. */
static void load_redis_address(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_replay_system_t *r)
{
    const char *text = mcsec_pol_scalar(ctx, node, "system.replay.redis.address");
    if (!text)
        return;
    if (text[0] == '/') {
        if (strlen(text) >= 108) /* sun_path */
            mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                              "'system.replay.redis.address' socket path is too long");
        else
            mcsec_pol_string(ctx, node, "system.replay.redis.address", &r->redis_address);
        return;
    }
    mcsec_addr_t addr;
    if (!mcsec_pol_load_addr(ctx, node, "system.replay.redis.address", MCSEC_ADDR_PORT_REQUIRED,
                             &addr))
        return;
    mcsec_pol_string(ctx, node, "system.replay.redis.address", &r->redis_address);
}

static void load_redis(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_replay_system_t *r)
{
    static const mcsec_pol_key_t keys[] = {{"address", true},
                                           {"timeout_ms", false},
                                           {"namespace", false},
                                           {"wait_replicas", false},
                                           {"on_unreachable", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "system.replay.redis", keys, COUNT(keys), v))
        return;
    if (v[0])
        load_redis_address(ctx, v[0], r);
    long long n;
    if (v[1] &&
        mcsec_pol_integer(ctx, v[1], "system.replay.redis.timeout_ms", 1, REDIS_TIMEOUT_MAX, &n))
        r->redis_timeout_ms = (uint32_t)n;
    if (v[2] && mcsec_pol_string(ctx, v[2], "system.replay.redis.namespace", &r->redis_namespace) &&
        !mcsec_pol_name_valid(r->redis_namespace))
        mcsec_pol_problem(ctx, v[2], MCSEC_ERR_INVALID,
                          "invalid namespace '%s' for 'system.replay.redis.namespace': use only "
                          "a-z, 0-9 and '-'",
                          r->redis_namespace);
    if (v[3] &&
        mcsec_pol_integer(ctx, v[3], "system.replay.redis.wait_replicas", 0, REDIS_WAIT_MAX, &n))
        r->redis_wait_replicas = (uint32_t)n;
    /* Only refusing: accepting unchecked would let every replay through
     * while Redis is away (docs/high-availability.md). */
    const char *on =
        v[4] ? mcsec_pol_scalar(ctx, v[4], "system.replay.redis.on_unreachable") : NULL;
    if (on && strcmp(on, "refuse") != 0)
        mcsec_pol_problem(ctx, v[4], MCSEC_ERR_INVALID,
                          "invalid value '%s' for 'system.replay.redis.on_unreachable': expected "
                          "refuse (the only one: a replay check that cannot ask its store "
                          "refuses)",
                          on);
}

void mcsec_pol_load_system_replay(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"store", false}, {"redis", false}};
    yaml_node_t *v[COUNT(keys)];
    mcsec_replay_system_t *r = &sys->replay;
    r->store = MCSEC_REPLAY_STORE_SHM;
    r->redis_timeout_ms = REDIS_TIMEOUT_DEFAULT;
    if (!node || !mcsec_pol_map(ctx, node, "system.replay", keys, COUNT(keys), v))
        return;
    const char *store = v[0] ? mcsec_pol_scalar(ctx, v[0], "system.replay.store") : NULL;
    if (store && strcmp(store, "redis") == 0)
        r->store = MCSEC_REPLAY_STORE_REDIS;
    else if (store && strcmp(store, "shm") != 0)
        mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                          "invalid value '%s' for 'system.replay.store': expected shm or redis",
                          store);
    if (v[1])
        load_redis(ctx, v[1], r);
    if (r->store == MCSEC_REPLAY_STORE_REDIS && !v[1])
        mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                          "'system.replay.store: redis' needs 'system.replay.redis' with its "
                          "address");
    if (r->store == MCSEC_REPLAY_STORE_REDIS && !r->redis_namespace && sys->name) {
        r->redis_namespace = strdup(sys->name);
        if (!r->redis_namespace)
            mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
    }
}

void mcsec_pol_load_partner_replay_quota(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                         mcsec_partner_t *partner, const mcsec_system_t *sys)
{
    long long quota;
    if (!node || !mcsec_pol_integer(ctx, node, "partner.replay_quota", 1, QUOTA_MAX, &quota))
        return;
    if ((size_t)quota > sys->ear_replay_entries) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'partner.replay_quota' (%lld) is above the replay cache's capacity "
                          "'system.ear.replay_entries' (%zu)",
                          quota, sys->ear_replay_entries);
        return;
    }
    partner->replay_quota = (size_t)quota;
}

size_t mcsec_policy_replay_quota(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                                 bool gmk, size_t capacity)
{
    if (partner->replay_quota)
        return partner->replay_quota;
    size_t users = 0;
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *p = &policy->partners[i];
        users += gmk ? p->gmk.transfer == MCSEC_GMK_TRANSFER_CHECK : p->auth == MCSEC_AUTH_EXPLICIT;
    }
    return mcsec_replay_default_quota(capacity, users);
}
