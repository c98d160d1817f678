/* partners[].limits: the admission limits of one partner and whom it may
 * mark as priority (docs/policy-reference.md, mcsec/util/admit.h). Loaded
 * by policy_load_limits.c; no section = no limit (set false). */
#ifndef MCSEC_POLICY_LIMITS_H
#define MCSEC_POLICY_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#define MCSEC_LIMITS_RESERVED_DEFAULT 20u /* percent */

typedef struct {
    bool set;                  /* the partner has a limits section */
    uint32_t rate;             /* requests per second; 0 = no rate limit */
    uint32_t burst;            /* bucket depth; default rate */
    uint32_t invites;          /* concurrent INVITE transactions; 0 = no limit */
    bool priority_trusted;     /* its Resource-Priority / emergency marks count */
    uint32_t reserved_percent; /* share kept for priority requests, 0..90 */
    uint32_t ceiling;          /* priority requests per second; default rate */
} mcsec_limits_rules_t;

#endif
