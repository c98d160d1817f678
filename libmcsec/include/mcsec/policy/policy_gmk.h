/* The GMK transfer part of the policy model (policy.h includes it): what
 * the border does with Group Key Transport payloads (TS 33.180 11.1.2.2,
 * docs/gmk.md) to and from each partner, and our own GMS and KMS.
 * Loaded by policy_load_gmk.c; strings are malloc'd and freed with the
 * policy. */
#ifndef MCSEC_POLICY_GMK_H
#define MCSEC_POLICY_GMK_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    MCSEC_GMK_TRANSFER_OFF = 0,   /* GKTP payloads are not looked at */
    MCSEC_GMK_TRANSFER_CHECK = 1, /* every payload is checked (gmk_check.h) */
    MCSEC_GMK_TRANSFER_DENY = 2,  /* a body carrying one is refused */
} mcsec_gmk_transfer_t;

/* partners[].gmk */
typedef struct {
    mcsec_gmk_transfer_t transfer; /* off without a gmk section; check with one */
    char *gms;                     /* the partner GMS identity URI (as its KMS
                                      issues keys for it); NULL = unset */
    uint32_t max_age;              /* seconds; default system.gmk.max_age */
} mcsec_gmk_rules_t;

/* system.gmk */
typedef struct {
    char *gms;             /* our GMS identity URI; NULL = unset */
    char *kms;             /* our KMS public file; default kms.pub of
                              system.keys.signing; NULL = unset */
    uint32_t max_age;      /* seconds, default 86400 */
    size_t replay_entries; /* GMK replay cache bound, default 4096 */
} mcsec_gmk_system_t;

#endif
