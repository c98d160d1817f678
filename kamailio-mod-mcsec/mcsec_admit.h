/* Admission control of mcsec.so (cfg: mcsec_admit(); RPC: mcsec.load): the
 * partners[].limits of the policy over libmcsec's admission cells
 * (mcsec/util/admit.h) in shared memory, one per partner, so every SIP
 * worker draws from the same bucket. docs/policy-reference.md. */
#ifndef MCSEC_ADMIT_H
#define MCSEC_ADMIT_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"
#include "core/rpc.h"

/* mod_init (before the fork): the shared cells and the tm API. 0 or -1. */
int mcsec_admit_mod_init(void);
void mcsec_admit_mod_destroy(void);

/* A request from the outside: admits it (1) or sheds it (-1: counted,
 * logged and exposed as load.partner_limit, a Retry-After header added to
 * the cfg's reply). A request from no partner, without a policy, or from a
 * partner without limits is admitted here: mcsec_ingress() judges it. An
 * admitted initial INVITE holds one of the partner's INVITE slots until tm
 * sends its final reply (or the request ends without a transaction). */
int mcsec_admit_request(struct sip_msg *msg);

/* Whether msg was admitted by mcsec_admit_request() as a priority request
 * (a trusted mark within the ceiling): the replay caches keep the same
 * reserved share for it (mcsec_replay_owner_t.reserved). Per process, for
 * the message being handled. */
bool mcsec_admit_msg_priority(const struct sip_msg *msg);

extern const char *mcsec_rpc_load_doc[];
void mcsec_rpc_load(rpc_t *rpc, void *ctx);

#endif
