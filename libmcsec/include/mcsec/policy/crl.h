/* Certificate revocation lists (RFC 5280 clause 5) for the CAs a policy
 * names: each CRL file is parsed with OpenSSL (PEM or DER, one CRL per
 * file), its issuer must be one of the CA certificates of the CA file it
 * goes with and its signature must verify with that CA's key; a CRL that
 * fails any of this never loads (fail closed). A set covers a CA file when
 * every CA certificate in it has a CRL: TLS (OpenSSL's CRL_CHECK_ALL) and
 * IKE check every certificate of the chain, so a missing one would refuse
 * every connection. docs/policy-reference.md, "Revocation".
 *
 * The set keeps the CRLs as PEM text (what GnuTLS and libcurl take) and
 * the earliest nextUpdate, which drives the stale-CRL report and policy
 * (system.revocation). No global state; the caller owns the set. */
#ifndef MCSEC_POLICY_CRL_H
#define MCSEC_POLICY_CRL_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

typedef struct {
    char *pem;           /* every CRL of the set as PEM, concatenated; NULL = none */
    size_t count;        /* CRLs in the set */
    int64_t next_update; /* earliest nextUpdate (Unix seconds); 0 = none has one */
    void *issuers;       /* internal: the issuer names (for the coverage check) */
} mcsec_crl_set_t;

/* Checks the CRL at crl_path against the CA certificates of ca_path (a PEM
 * bundle) and adds it to set. On failure set is unchanged and why holds a
 * short reason ("CRL 'x': signature does not verify with CA 'CN=...'"). */
mcsec_err_t mcsec_crl_set_add(mcsec_crl_set_t *set, const char *ca_path, const char *crl_path,
                              char *why, size_t why_size);

/* MCSEC_OK when every CA certificate of ca_path has a CRL in set;
 * MCSEC_ERR_INVALID with the first CA without one named in why. */
mcsec_err_t mcsec_crl_set_covers(const mcsec_crl_set_t *set, const char *ca_path, char *why,
                                 size_t why_size);

/* Adds every file of paths, then checks coverage: the whole load of one
 * partner's CRLs. On failure set is cleared. */
mcsec_err_t mcsec_crl_set_load(mcsec_crl_set_t *set, const char *ca_path, char *const *paths,
                               size_t count, char *why, size_t why_size);

void mcsec_crl_set_clear(mcsec_crl_set_t *set);

typedef enum {
    MCSEC_CRL_FRESH = 0, /* nextUpdate more than warn_before seconds away (or none) */
    MCSEC_CRL_DUE = 1,   /* nextUpdate within warn_before seconds: fetch a new one */
    MCSEC_CRL_STALE = 2, /* past nextUpdate (system.revocation.stale decides) */
} mcsec_crl_freshness_t;

/* Freshness of a CRL (or set) with the given nextUpdate at now; one line
 * of the deep configuration check and of the runtime warning. */
mcsec_crl_freshness_t mcsec_crl_freshness(int64_t next_update, int64_t now, uint32_t warn_before);

/* The expiry report of every partner's CRL files (and those of
 * system.http.inside_tls, PARTNER "(inside)") at now, one YAML comment
 * line each (what `mcsecctl policy show` appends):
 *   "# crl PARTNER FILE: nextUpdate 2026-12-09T00:00:00Z, 3 days left"
 * with "; due" within system.revocation.warn_before, "; stale" after it
 * ("-2 days left"), or "; unusable: WHY" when the file no longer loads.
 * Empty when no partner has CRLs. *out is malloc'd, the caller frees it. */
struct mcsec_policy;
mcsec_err_t mcsec_crl_expiry_text(const struct mcsec_policy *policy, int64_t now, char **out);

#endif
