/* The deep check of one loaded policy: does every object the running
 * proxies build from it build? `mcsecctl policy check`, `mcsec-httpd
 * --check`, the module's start and `mcsec.reload`, and mcsec-httpd's SIGHUP
 * all call mcsec_config_check() after the syntactic load
 * (mcsec_policy_load_*), so a policy that passes the check is one the
 * proxies can run, and one that fails is refused everywhere alike.
 *
 * It builds, with the same library calls the proxies use (no second
 * parser), and frees again:
 *   - each partner's SPK store (every line parsed, spk/keystore.h) and the
 *     XML protection objects over it (both directions), and the internal
 *     SPK (system.keys.spk) with spk.internal_identity;
 *   - the topology-hiding context (system.keys.topology, topo/topo.h);
 *   - each KMS public file an explicit or GMK-checking partner names, and
 *     system.gmk.kms, with the KPAK a P-256 point (ibc/eccsi.h);
 *   - when any partner is explicit: system.keys.signing is required and its
 *     kms.pub (our servers' egress EARs are checked under it); when such a
 *     partner has ear.sign_on_behalf, its ECCSI signing keys too (RFC 6507
 *     key check, issued for the identity the border signs as, every key
 *     period held (ibc/keyset.h) and one for the key period of now, TS
 *     33.180 Annex J and docs/profile.md section 4; the next period's keys
 *     missing within system.expiry_warning_days of the boundary is a
 *     warning, or a problem with opts->require_next_keys);
 *   - system.keys.cert and keys.key: a PEM certificate and the private key
 *     that matches it, inside its validity at now, chaining to
 *     system.keys.ca when that is set; when a partner has an http section,
 *     the TS 33.310 Annex E profile of docs/http-proxy.md: extended key
 *     usage serverAuth and clientAuth, SAN dNSName the public host; when a
 *     gateway is set (IPsec, docs/ipsec.md) SAN dNSName the IKE identity;
 *   - each partner's keys.ca and system.http.inside_tls's ca: CA
 *     certificates inside their validity; the inside certificate and key
 *     like keys.cert (serverAuth);
 *   - when opts->shm_bytes is set: the shared-memory replay caches of the
 *     module (EAR and GMK, two tables each, mcsec/util/replay_table.h) fit
 *     in half of it (the rest is Kamailio's: transactions, dialogs).
 *
 * Each problem is one diagnostic "FILE[:LINE[:COL]]: message": the key
 * file's own path and line where the key file has one, else the policy
 * node's position (partner entry, system.keys). Fail closed: a check that
 * cannot decide (unreadable file, out of memory) is a problem. */
#ifndef MCSEC_CONFIG_CHECK_H
#define MCSEC_CONFIG_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "mcsec/policy/policy.h"
#include "mcsec/util/status.h"

typedef struct {
    /* Unix seconds the check runs at (key period, certificate validity);
     * 0 = time(NULL). */
    int64_t now;
    /* Kamailio's shared memory in octets (`-m` megabytes x 2^20); 0 = the
     * cache sizing is not checked (mcsec-httpd keeps its caches on the
     * heap). */
    uint64_t shm_bytes;
    /* Where shm_bytes came from, for the message (e.g. the defaults file
     * "/etc/default/mcsec-is-proxy:9"); NULL = the policy file. */
    const char *shm_source;
    /* Where warnings go (things that work now but will not for long: the
     * next key period's signing keys missing within
     * system.expiry_warning_days of the boundary); NULL = not collected. */
    mcsec_diag_list_t *warnings;
    /* Make the missing next key period's signing keys a problem. */
    bool require_next_keys;
} mcsec_config_check_opts_t;

/* Runs the check above on policy (opts may be NULL: now, no shm check).
 * Returns MCSEC_OK when everything builds (diags untouched),
 * MCSEC_ERR_INVALID with at least one diagnostic appended when not,
 * MCSEC_ERR_ARG for a NULL policy or diags, MCSEC_ERR_NOMEM. */
mcsec_err_t mcsec_config_check(const mcsec_policy_t *policy, const mcsec_config_check_opts_t *opts,
                               mcsec_diag_list_t *diags);

/* Octets of shared memory the module's replay caches take for policy
 * (both caches, both tables each, at their configured bounds). */
uint64_t mcsec_config_cache_shm_bytes(const mcsec_policy_t *policy);

/* Reads SHM_MEMORY=<megabytes> (the value the unit passes to kamailio as
 * `-m`) from a shell-style defaults file such as
 * deploy/systemd/mcsec-is-proxy.default. On success sets *bytes and
 * writes "PATH:LINE" into source; on failure appends a diagnostic
 * (PATH[:LINE]: message) and returns MCSEC_ERR_IO, MCSEC_ERR_PARSE or
 * MCSEC_ERR_INVALID (no SHM_MEMORY line). */
mcsec_err_t mcsec_config_shm_from_defaults(const char *path, uint64_t *bytes, char *source,
                                           size_t source_size, mcsec_diag_list_t *diags);

#endif
