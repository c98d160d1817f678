/* The policy as every Kamailio process sees it.
 *
 * Shared memory holds the validated policy file text and a generation
 * number; each process keeps its own parsed mcsec_policy_t (libmcsec objects
 * cannot live in shared memory) and rebuilds it from the text when the
 * generation moved. Start and reload validate the file first (the loader,
 * then the deep check of mcsec/config/config_check.h: every key,
 * certificate and cache builds, the caches fit this kamailio's -m) and
 * change nothing when it is refused. */
#ifndef MCSEC_SHM_POLICY_H
#define MCSEC_SHM_POLICY_H

#include "mcsec/obs/file_digest.h"
#include "mcsec/policy/policy.h"
#include "mcsec_counters.h"
#include "mcsec_problems.h"

/* mod_init: resolves path, reads and validates the file, stores its text as
 * the first generation: one more than the number in state_file
 * (mcsec/obs/generation.h; NULL or "" = start at 1; an unwritable file is
 * logged and the border goes on). Returns 0, or -1 with the reasons in
 * problems. Start and every reload write the audit line (mcsec_audit.h). */
int mcsec_shm_policy_init(const char *path, const char *state_file, mcsec_problems_t *problems);

/* mod_destroy: frees the shared state and this process's copy. */
void mcsec_shm_policy_destroy(void);

/* Re-reads and validates the file; on success publishes it as a new
 * generation and returns it (> 0); on failure returns -1 with the reasons in
 * problems and the running policy stays. Any process may call it. */
int mcsec_shm_policy_reload(mcsec_trigger_t trigger, mcsec_problems_t *problems);

/* This process's parsed policy, rebuilt first when the shared generation
 * moved; NULL when none is usable (callers fail closed). Valid until the next
 * call in this process. */
const mcsec_policy_t *mcsec_proc_policy(void);

/* Current shared generation (0 = none) and the resolved policy path. */
int mcsec_shm_policy_generation(void);
const char *mcsec_shm_policy_path(void);

/* SHA-256 hex of the running policy file ("" when none). */
void mcsec_shm_policy_hash(char out[MCSEC_SHA256_HEX_LEN + 1]);

#endif
