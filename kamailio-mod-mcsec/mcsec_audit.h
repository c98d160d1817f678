/* The reload audit line and the reload.failed alarm (docs/metrics-is-proxy.md):
 * one line for the start and for every reload, with the old and new policy
 * hash (SHA-256 of the file), the generation, the partners added, removed
 * and changed (by name; changed = the partner's dumped section differs),
 * who asked (start, rpc, signal) and the result. A refused policy also
 * logs the reload.failed alarm and each problem on its own line. */
#ifndef MCSEC_AUDIT_H
#define MCSEC_AUDIT_H

#include <stdbool.h>

#include "mcsec/policy/policy.h"
#include "mcsec_counters.h"
#include "mcsec_problems.h"

/* "start", "rpc" or "signal". */
const char *mcsec_trigger_name(mcsec_trigger_t trigger);

/* A published policy: old_policy NULL at start (every partner added). */
void mcsec_audit_ok(mcsec_trigger_t trigger, long generation, const char *old_hash,
                    const char *new_hash, const mcsec_policy_t *old_policy,
                    const mcsec_policy_t *new_policy);

/* A refused one: generation is the one kept (0 at start), new_hash that of
 * the refused file ("" when it could not be read). */
void mcsec_audit_failed(mcsec_trigger_t trigger, long generation, const char *old_hash,
                        const char *new_hash, const mcsec_problems_t *problems);

#endif
