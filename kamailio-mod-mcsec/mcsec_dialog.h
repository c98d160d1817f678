/* In a dialog or not (issue 14; docs/ear.md "In-dialog or not").
 *
 * The border keeps no per-dialog state, and a To-tag is something the
 * sender writes. Whether a request belongs to a dialog that passed the
 * border (which, with a partner's ear.in_dialog off, lets it go without an
 * EAR) is therefore decided by something only the border makes: a dialog
 * token (libmcsec mcsec_topo_dialog_token: AES-SIV under the policy's
 * system.keys.topology, binding the Call-ID, the partner and the initial
 * From-tag) in the ;mcsec-dlg= parameter of our own Record-Route.
 *
 * - mcsec_dialog_stage(): for every initial request (no To-tag) that
 *   passed mcsec_ingress()/mcsec_egress(), for every partner whatever its
 *   topology setting, adds ;mcsec-dlg=<token> to the Record-Route the cfg's
 *   record_route() adds next (rr API add_rr_param; both entries of the
 *   double Record-Route).
 * - mcsec_dialog_proven(): true only for a request with a To-tag whose top
 *   Route, the one loose_route() processed as ours (rr API
 *   get_route_param), carries a token that checks for this Call-ID, this
 *   partner and one of the request's tags.
 * Without a topology key (or without the rr module) no token is made and
 * none checks: every request is judged as an initial one (fail closed). */
#ifndef MCSEC_DIALOG_H
#define MCSEC_DIALOG_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"

#include "mcsec/sip/check.h"
#include "mcsec/policy/policy.h"

/* Adds the dialog token to the coming Record-Route of an initial request
 * of verdict's partner. Never rejects: a token that cannot be made or
 * added is logged, and the dialog's requests are then judged as initial
 * ones. */
void mcsec_dialog_stage(struct sip_msg *msg, const mcsec_policy_t *policy,
                        const mcsec_verdict_t *verdict);

/* Whether msg is an in-dialog request of a dialog of partner that passed
 * the border (see above). */
bool mcsec_dialog_proven(struct sip_msg *msg, const mcsec_policy_t *policy,
                         const mcsec_partner_t *partner);

#endif
