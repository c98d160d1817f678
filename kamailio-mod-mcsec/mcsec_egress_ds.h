/* Egress over every IS proxy address of a partner through Kamailio's
 * dispatcher module: mcsec.so writes the dispatcher list from the policy
 * (modparam "dispatcher_list"; one set per partner, set id = the partner's
 * position + 1, its partners[].addresses.is_proxy in order of preference)
 * at start and at every mcsec.reload (then reloads dispatcher), and counts a
 * partner's timeout or 5xx in the cfg's failure_route as
 * egress.partner_failure (mcsec_egress_failure(set)). docs/operator-guide.md. */
#ifndef MCSEC_EGRESS_DS_H
#define MCSEC_EGRESS_DS_H

#include "core/parser/msg_parser.h"
#include "core/rpc.h"
#include "core/sr_module.h"

#include "mcsec/policy/policy.h"

/* modparam("mcsec", "dispatcher_list", PATH); NULL = off. */
extern char *mcsec_ds_list_param;

/* Writes the list for policy (a new file renamed over the old one).
 * 0 (also when off) or -1 (logged). */
int mcsec_ds_write(const mcsec_policy_t *policy);

/* After mcsec.reload: writes the list for this process's policy and runs
 * dispatcher.reload. */
void mcsec_ds_refresh(rpc_t *rpc, void *ctx);

/* cfg: mcsec_egress_failure(set): counts egress.partner_failure for the
 * partner of dispatcher set `set` (a string or integer pv). Returns 1, or
 * -1 when set names no partner. */
int mcsec_ds_failure(struct sip_msg *msg, int set);

#endif
