/* Do two partners' policies agree? `mcsecctl policy pair A.yaml B.yaml`.
 *
 * Each border writes its own policy, so what A says about B (identity,
 * domains, addresses, the CA that issued B's certificate, the shared SPK)
 * can drift from what B says about itself. The check runs both ways:
 *   - A has a partner for B: by identity, else by name (then the identity
 *     differs, which is reported);
 *   - that partner's identity, domains (as sets), is_proxy (B's own is_proxy
 *     must be among them; a listed address without port matches any port),
 *     http_proxy and gateway (both set and equal, or both unset) match B's
 *     system section;
 *   - where A has keys.ca for B and B has keys.cert: B's certificate is
 *     issued and signed by that CA, and carries B's IKE identity (host of
 *     its identity URI, mcsec_ipsec_identity) as a dNSName;
 *   - where both sides name a shared SPK for each other: every key ID both
 *     files hold has the same key, and each side's current key is known to
 *     the other; one side with an SPK file and the other without is reported;
 *   - spk.mode required on one side needs spk.mode not off on the other;
 *   - the same auth mode on both sides; when explicit, the same ear.header
 *     and each side's keys.kms the KMS of the other's signing keys
 *     (system.keys.signing/kms.pub: KMS URI, KPAK, key period and offset);
 *   - sip.max_body equal, and every sip.methods and sip.content_types item
 *     one side lists also listed by the other (each side judges both
 *     directions by its own list); an http section on both or neither,
 *     http.max_body equal, http.methods, content_types and path_prefixes
 *     the same way.
 * Key files are read again here (they are not kept in the model).
 *
 * Each disagreement is one diagnostic "FILE[:LINE:COL]: message" naming the
 * file whose statement disagrees (a partner entry gets its position). */
#ifndef MCSEC_POLICY_PAIR_H
#define MCSEC_POLICY_PAIR_H

#include "mcsec/policy/policy.h"
#include "mcsec/util/status.h"

/* Compares a and b as above. Returns MCSEC_OK when they agree (diags
 * untouched), MCSEC_ERR_INVALID with at least one diagnostic appended when
 * not, MCSEC_ERR_ARG for NULL arguments, MCSEC_ERR_NOMEM. */
mcsec_err_t mcsec_policy_pair(const mcsec_policy_t *a, const mcsec_policy_t *b,
                              mcsec_diag_list_t *diags);

#endif
