/* mcsec.so: the SIP-3 border adapter for Kamailio. This file holds the
 * module interface only (exports, parameters, init/destroy); the work is in
 * mcsec_cmds.c (checks), mcsec_shm_policy.c (policy per process),
 * mcsec_counters.c, mcsec_rpc.c, mcsec_pv.c and mcsec_sipview.c. */
#include "core/dprint.h"
#include "core/kemi.h"
#include "core/sr_module.h"

#include "mcsec_admit.h"
#include "mcsec_cmds.h"
#include "mcsec_egress_ds.h"
#include "mcsec_counters.h"
#include "mcsec_log.h"
#include "mcsec_metrics.h"
#include "mcsec_outside.h"
#include "mcsec_replay_store.h"
#include "mcsec_problems.h"
#include "mcsec_pv.h"
#include "mcsec_refusal.h"
#include "mcsec_reply_bye.h"
#include "mcsec_rpc.h"
#include "mcsec_shm_policy.h"
#include "mcsec_stages.h"
#include "mcsec_topo.h"

MODULE_VERSION

/* modparam("mcsec", "policy", FILE): read only during mod_init. */
static char *policy_param = NULL;

/* modparam("mcsec", "state_file", FILE): the policy generation kept
 * across restarts (mcsec/obs/generation.h); "" = none. */
static char *state_file_param = "/var/lib/mcsec/is-proxy.generation";

/* modparam("mcsec", "metrics_listen", "IP:PORT"): see mcsec_metrics.h. */
static char *metrics_listen_param = MCSEC_METRICS_LISTEN_DEFAULT;

/* modparam("mcsec", "outside_socket", NAME): see mcsec_outside.h. */
static param_export_t mcsec_params[] = {
    {"policy", PARAM_STRING, &policy_param},
    {"state_file", PARAM_STRING, &state_file_param},
    {"metrics_listen", PARAM_STRING, &metrics_listen_param},
    {"outside_socket", PARAM_STRING | PARAM_USE_FUNC, (void *)mcsec_outside_param},
    {"dispatcher_list", PARAM_STRING, &mcsec_ds_list_param},
    {0, 0, 0}};

/* Loads the policy (fails the start with every problem logged) and sets up
 * the shared counters. Runs once in the main process before the fork. */
static int mod_init(void)
{
    if (mcsec_counters_init() != 0 || mcsec_ear_mod_init() != 0 || mcsec_spk_mod_init() != 0 ||
        mcsec_gmk_mod_init() != 0 || mcsec_topo_mod_init() != 0 || mcsec_outside_mod_init() != 0 ||
        mcsec_refusal_mod_init() != 0 || mcsec_reply_bye_mod_init() != 0 ||
        mcsec_admit_mod_init() != 0) {
        return -1;
    }
    if (mcsec_metrics_mod_init(metrics_listen_param) != 0) {
        return -1;
    }
    mcsec_problems_t problems;
    mcsec_problems_init(&problems);
    /* A refused policy is logged there: each problem on its own line, the
     * audit line and the reload.failed alarm (mcsec_audit.h). */
    if (mcsec_shm_policy_init(policy_param, state_file_param, &problems) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "start", "cannot load the policy (%u problem%s): not starting",
                   problems.count, problems.count == 1 ? "" : "s");
        return -1;
    }
    /* Before dispatcher's mod_init reads it (the cfg loads mcsec.so first). */
    return mcsec_ds_write(mcsec_proc_policy());
}

/* Builds this process's copy of the policy right after the fork, so problems
 * show at start rather than on the first request. */
static int child_init(int rank)
{
    if (rank == PROC_INIT) {
        return 0;
    }
    if (rank == PROC_MAIN && mcsec_metrics_child_init() != 0) {
        return -1;
    }
    (void)mcsec_proc_policy();
    return 0;
}

/* Frees shared and per-process state at shutdown. */
static void mod_destroy(void)
{
    mcsec_topo_mod_destroy();
    mcsec_gmk_mod_destroy();
    mcsec_spk_mod_destroy();
    mcsec_ear_mod_destroy();
    mcsec_admit_mod_destroy();
    mcsec_replay_store_close();
    mcsec_shm_policy_destroy();
    mcsec_counters_destroy();
}

int mod_register(char *path, int *dlflags, void *p1, void *p2);

/* Registers the KEMI functions when the module is loaded. */
int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
    (void)path;
    (void)dlflags;
    (void)p1;
    (void)p2;
    sr_kemi_modules_add(mcsec_kemi_exports);
    return 0;
}

struct module_exports exports = {
    "mcsec",           /* module name */
    DEFAULT_DLFLAGS,   /* dlopen flags */
    mcsec_cmd_exports, /* cfg functions */
    mcsec_params,      /* parameters */
    mcsec_rpc_exports, /* RPC methods */
    mcsec_pv_exports,  /* pseudo-variables */
    0,                 /* response function */
    mod_init,          /* module init */
    child_init,        /* per-child init */
    mod_destroy        /* destroy */
};
