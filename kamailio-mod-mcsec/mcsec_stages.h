/* The feature stages that run after the policy check of mcsec_ingress() and
 * mcsec_egress() passed, in this order: EAR (explicit authentication),
 * shared-SPK protection of bodies, identities inside bodies, GMK transfer;
 * topology hiding runs first. Each stage may reject by
 * setting verdict->reason (and a detail) and returning -1; it returns 0 to
 * let the request go on. Stages keep their per-process objects (parsed
 * keys, xmlsec contexts) themselves and rebuild them when the policy
 * generation changes (mcsec_shm_policy_generation()).
 *
 * Each stage also has a mod_init part (before the fork, shared memory) and
 * a destroy part. */
#ifndef MCSEC_STAGES_H
#define MCSEC_STAGES_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"

#include "mcsec/bodyid/bodyid.h"
#include "mcsec/sip/check.h"
#include "mcsec/policy/policy.h"
#include "mcsec_sipview.h"

/* EAR: mcsec_ear.c. *seen (zeroed by the caller) gets what the stage
 * verified of the request's EAR, for the migration rule of the body
 * identity stage; an EAR the stage did not verify leaves it unverified. */
int mcsec_ear_mod_init(void);
void mcsec_ear_mod_destroy(void);
int mcsec_ear_stage(struct sip_msg *msg, const mcsec_policy_t *policy, const mcsec_sipview_t *view,
                    mcsec_verdict_t *verdict, bool egress, mcsec_bodyid_ear_t *seen);

/* Shared SPK: mcsec_spk.c */
int mcsec_spk_mod_init(void);
void mcsec_spk_mod_destroy(void);
int mcsec_spk_stage(struct sip_msg *msg, const mcsec_policy_t *policy, const mcsec_sipview_t *view,
                    mcsec_verdict_t *verdict, bool egress);

/* The clear body of msg as the SPK stage produced it (ingress: after the
 * shared unprotect, before any internal re-protection; egress: after the
 * internal unprotect, before the shared protect), with its Content-Type
 * (NUL terminated) in *content_type. NULL when the SPK stage did not
 * rewrite msg in this process: then the message's own body is the clear
 * one. Valid until the SPK stage runs again in this process. */
const char *mcsec_spk_clear_body(const struct sip_msg *msg, size_t *len, const char **content_type);

/* Identities inside bodies (mcsec/bodyid/bodyid.h, docs/policy-reference.md
 * "Identities inside bodies"): mcsec_bodyid.c. Runs after SPK on the clear
 * body of every request to or from a partner (ear: what the EAR stage
 * verified, for migration) and of every reply (reply true, ear NULL: the
 * reply rule, docs/replies.md). */
int mcsec_bodyid_stage(struct sip_msg *msg, const mcsec_policy_t *policy,
                       const mcsec_sipview_t *view, mcsec_verdict_t *verdict, bool egress,
                       const mcsec_bodyid_ear_t *ear, bool reply);

/* GMK transfer (TS 33.180 11.1.2.2, docs/gmk.md): mcsec_gmk.c. Runs after
 * SPK on the clear body: every GKTP payload in a request to or from a
 * partner with gmk transfer check is checked (gmk.* reasons); deny refuses
 * any; off passes. */
int mcsec_gmk_mod_init(void);
void mcsec_gmk_mod_destroy(void);
int mcsec_gmk_stage(struct sip_msg *msg, const mcsec_policy_t *policy, const mcsec_sipview_t *view,
                    mcsec_verdict_t *verdict, bool egress);

/* The GMK check of a reply from (egress false) or to (egress true) the
 * partner of verdict: its body's GKTP payloads checked like a request's,
 * the replay cache seen through scope (the reply's transaction, see
 * mcsec_replay_scoped_t). 0, or -1 with verdict->reason and detail. */
int mcsec_gmk_reply(struct sip_msg *msg, const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                    bool egress, mcsec_str_t scope);

#endif
