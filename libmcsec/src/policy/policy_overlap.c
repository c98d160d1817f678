/* Domain overlap between partners, and between a partner and ourselves:
 * every host must belong to at most one side of the border. */
#include "policy_internal.h"

void mcsec_pol_check_overlaps(mcsec_pol_ctx_t *ctx, const mcsec_policy_t *policy,
                              const mcsec_pol_domain_refs_t *refs)
{
    for (size_t i = 0; i < refs->count; i++) {
        const mcsec_pol_domain_ref_t *later = &refs->items[i];
        for (size_t j = 0; j < i; j++) {
            const mcsec_pol_domain_ref_t *earlier = &refs->items[j];
            if (earlier->owner == later->owner ||
                !mcsec_pol_domains_overlap(earlier->domain, later->domain))
                continue;
            if (earlier->owner < 0)
                mcsec_pol_problem(ctx, later->node, MCSEC_ERR_INVALID,
                                  "domain '%s' overlaps our own domain '%s' (line %u)",
                                  later->domain, earlier->domain, mcsec_pol_line(earlier->node));
            else {
                const char *other = policy->partners[earlier->owner].name;
                mcsec_pol_problem(ctx, later->node, MCSEC_ERR_INVALID,
                                  "domain '%s' overlaps domain '%s' of partner '%s' (line %u)",
                                  later->domain, earlier->domain, other ? other : "?",
                                  mcsec_pol_line(earlier->node));
            }
            break;
        }
    }
}
