/* Topology hiding: this process's token context and the rr module's API.
 * See mcsec_topo_ctx.h and docs/topology.md. */
#include <string.h>

#include "core/dprint.h"
#include "core/sr_module.h"
#include "modules/rr/api.h"

#include "mcsec_log.h"
#include "mcsec_kms_keys.h"
#include "mcsec_topo_ctx.h"

/* This process's token context (Kamailio convention: per-process module
 * state), rebuilt when mcsec_proc_rebuild_needed() says so. */
typedef struct {
    mcsec_proc_built_t built;
    mcsec_topo_t *topo;
    bool broken;
} topo_cache_t;

static topo_cache_t topo_cache = {{NULL, -1}, NULL, false};

/* The rr module's API, bound once in mod_init before the fork (read-only
 * afterwards). loaded is false when rr is not loaded. */
typedef struct {
    rr_api_t api;
    bool loaded;
} topo_rr_t;

static topo_rr_t topo_rr;

/* Builds the context from the policy's key file and topology settings
 * (topo_cache.built is already set). */
static void topo_cache_build(const mcsec_policy_t *policy)
{
    mcsec_topo_destroy(topo_cache.topo);
    topo_cache.topo = NULL;
    topo_cache.broken = false;
    const char *key_path = policy->system.keys.topology;
    if (key_path == NULL || key_path[0] == '\0') {
        return;
    }
    const char *host = policy->system.topology_host;
    if (host == NULL || host[0] == '\0') {
        mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: the policy names no topology host");
        topo_cache.broken = true;
        return;
    }
    mcsec_topo_config_t config;
    memset(&config, 0, sizeof(config));
    config.border_host = (mcsec_str_t){host, strlen(host)};
    config.prev_key_validity = policy->system.topology_previous_validity;
    char why[256] = "";
    mcsec_err_t rc = mcsec_topo_create(key_path, &config, &topo_cache.topo, why, sizeof(why));
    if (rc != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: topology key file refused: %s",
                   why[0] ? why : mcsec_err_str(rc));
        topo_cache.topo = NULL;
        topo_cache.broken = true;
    }
}

/* See mcsec_topo_ctx.h. */
mcsec_topo_t *mcsec_topo_proc(const mcsec_policy_t *policy, bool *broken)
{
    if (mcsec_proc_rebuild_needed(&topo_cache.built, policy)) {
        topo_cache_build(policy);
    }
    *broken = topo_cache.broken;
    return topo_cache.topo;
}

/* See mcsec_topo_ctx.h. */
const rr_api_t *mcsec_topo_rr_api(void)
{
    return topo_rr.loaded ? &topo_rr.api : NULL;
}

/* See mcsec_topo_ctx.h. */
void mcsec_topo_ctx_mod_init(void)
{
    topo_rr.loaded = find_export("load_rr", 0, 0) != NULL && load_rr_api(&topo_rr.api) == 0;
    if (!topo_rr.loaded) {
        mcsec_logf(MCSEC_LOG_INFO, "topo",
                   "topo: rr module not loaded; dialogs started inside cannot be topology-hidden");
    }
}

/* See mcsec_topo_ctx.h. */
void mcsec_topo_ctx_destroy(void)
{
    mcsec_topo_destroy(topo_cache.topo);
    topo_cache = (topo_cache_t){{NULL, -1}, NULL, false};
}
