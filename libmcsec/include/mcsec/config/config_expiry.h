/* Every key and certificate of one policy that expires, with its days
 * left (docs/policy-reference.md, system.expiry_warning_days): what
 * `mcsecctl policy expiry` prints, the module's RPC mcsec.expiry returns
 * and the deep check warns about.
 *
 * Items, in this order:
 *   - system.keys.signing: the end of each key period its keys cover
 *     (ibc/keyset.h), and its kms.pub's valid_to when it has one;
 *   - each partner's keys.kms files and system.gmk.kms with a valid_to
 *     (a KMS certificate imported with `mcsecctl kms import`);
 *   - the notAfter of every certificate in system.keys.cert,
 *     system.keys.ca, each partner's keys.ca and system.http.inside_tls's
 *     cert and ca;
 *   - the nextUpdate of each partner's keys.crls and
 *     system.http.inside_tls's crls (due within
 *     system.revocation.warn_before, policy/crl.h).
 * Reporting only: a file that cannot be read is left out (the deep check,
 * mcsec/config/config_check.h, refuses it). */
#ifndef MCSEC_CONFIG_EXPIRY_H
#define MCSEC_CONFIG_EXPIRY_H

#include <stdbool.h>
#include <stdint.h>

#include "mcsec/policy/policy.h"
#include "mcsec/util/status.h"

typedef enum {
    MCSEC_EXPIRY_SIGNING = 1, /* a key period of our signing keys ends */
    MCSEC_EXPIRY_KMS = 2,     /* a KMS certificate's ValidTo */
    MCSEC_EXPIRY_CERT = 3,    /* an X.509 certificate's notAfter */
    MCSEC_EXPIRY_CRL = 4,     /* a CRL's nextUpdate (policy/crl.h) */
} mcsec_expiry_kind_t;

typedef struct {
    mcsec_expiry_kind_t kind;
    char what[200];    /* e.g. "system.keys.cert CN=border.a.example", "partner 'b' keys.kms" */
    char path[1024];   /* the file or directory */
    int64_t expires;   /* Unix seconds */
    int64_t days_left; /* whole days from now, negative once past */
    /* Due: days_left below system.expiry_warning_days (CRLs: fewer than
     * system.revocation.warn_before seconds left); for signing keys only
     * the latest key period held (an earlier period's end is the switch
     * to the next one, not a cliff). */
    bool due;
} mcsec_expiry_item_t;

typedef struct {
    mcsec_expiry_item_t *items;
    size_t count;
} mcsec_expiry_list_t;

/* Fills *out (emptied first) for policy at now (0 = time(NULL)).
 * MCSEC_ERR_ARG for NULLs, MCSEC_ERR_NOMEM. */
mcsec_err_t mcsec_config_expiry(const mcsec_policy_t *policy, int64_t now,
                                mcsec_expiry_list_t *out);

/* Frees the items; the list is empty afterwards. */
void mcsec_expiry_list_free(mcsec_expiry_list_t *list);

/* "signing", "kms" or "certificate". */
const char *mcsec_expiry_kind_str(mcsec_expiry_kind_t kind);

#endif
