/* Topology hiding: what every part of the topology adapter shares in one
 * Kamailio process (docs/topology.md). The bottom of the topology files;
 * it calls none of them:
 *
 *   mcsec_topo.c (stage, module hooks) -> mcsec_topo_body.c -> this file
 *   mcsec_topo_in.c, mcsec_topo_out.c  -> mcsec_topo_body.c, this file
 *   mcsec_dialog.c                     -> this file
 *
 * - The token context (libmcsec mcsec_topo_t) of this process, built from
 *   the policy's topology key file on first use and rebuilt when the
 *   policy generation moves (mcsec_proc_rebuild_needed()), so a restart or
 *   a second node with the same key file decodes every token. Owned here;
 *   freed by mcsec_topo_ctx_destroy() (the module's destroy, through
 *   mcsec_topo_mod_destroy()).
 * - The rr module's API, bound once in mod_init before the fork and
 *   read-only afterwards. */
#ifndef MCSEC_TOPO_CTX_H
#define MCSEC_TOPO_CTX_H

#include <stdbool.h>

#include "modules/rr/api.h"

#include "mcsec/policy/policy.h"
#include "mcsec/topo/topo.h"

/* mod_init (main process, before the fork): binds the rr module's API when
 * rr is loaded (logs when it is not). */
void mcsec_topo_ctx_mod_init(void);

/* mod_destroy: frees this process's token context. */
void mcsec_topo_ctx_destroy(void);

/* This process's token context for policy, rebuilt when the policy or its
 * generation changed. NULL when the policy names no topology key file, or
 * when it cannot be built (then *broken is true and the reason was
 * logged once per build). */
mcsec_topo_t *mcsec_topo_proc(const mcsec_policy_t *policy, bool *broken);

/* The rr module's API (bound in mod_init), NULL when rr is not loaded. */
const rr_api_t *mcsec_topo_rr_api(void);

#endif
