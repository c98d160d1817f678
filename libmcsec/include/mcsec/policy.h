/* The border policy: the model, and its loader from YAML (libyaml).
 *
 * One file per border says who we are, who our partners are and what each
 * may send us. The model is plain read-only data once loaded: the SIP and
 * HTTP adapters and mcsecctl all read the same structs. The loader checks
 * everything it can without the network (types, required fields, unknown
 * keys, duplicates, overlapping domains, addresses, key file existence and
 * permissions) and reports each problem with the position of the YAML node
 * that caused it, so `mcsecctl policy check` prints FILE:LINE:COL: message.
 *
 * Lifetime: mcsec_policy_load*() allocates a policy the caller frees with
 * mcsec_policy_free(). Problems go into an mcsec_diag_list_t the caller owns
 * and frees with mcsec_diag_list_free(); the loader never prints. */
#ifndef MCSEC_POLICY_H
#define MCSEC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/status.h"

/* ---- diagnostics -------------------------------------------------------- */

typedef struct {
    char *file;    /* path as given to the loader */
    unsigned line; /* 1-based; 0 when the problem has no position */
    unsigned col;  /* 1-based */
    char *message; /* e.g. "unknown key 'domian'" */
} mcsec_diag_t;

typedef struct {
    mcsec_diag_t *items;
    size_t count;
} mcsec_diag_list_t;

void mcsec_diag_list_free(mcsec_diag_list_t *diags);

/* Formats one diagnostic as "FILE:LINE:COL: message" into out (NUL
 * terminated, truncated to out_size). Returns the untruncated length. */
size_t mcsec_diag_format(const mcsec_diag_t *diag, char *out, size_t out_size);

/* ---- model -------------------------------------------------------------- */

typedef enum { MCSEC_AUTH_IMPLICIT = 0, MCSEC_AUTH_EXPLICIT = 1 } mcsec_auth_mode_t;

typedef enum { MCSEC_TRANSPORT_UDP = 1, MCSEC_TRANSPORT_TCP = 2 } mcsec_transport_t;

/* A host address with a port: "198.51.100.2:5060" or "[2001:db8::1]:5060".
 * ip holds the literal address text without brackets, normalised by
 * inet_pton/inet_ntop; port 0 means "any port" (allowed for sources). */
typedef struct {
    char ip[46];
    uint16_t port;
    int family; /* AF_INET or AF_INET6 */
} mcsec_addr_t;

/* A list of strings (domains, methods, content types). */
typedef struct {
    char **items;
    size_t count;
} mcsec_strlist_t;

typedef struct {
    mcsec_strlist_t methods;       /* upper case; REGISTER never allowed */
    mcsec_strlist_t content_types; /* lower case type/subtype */
    size_t max_body;               /* octets */
    bool warning_reason;           /* put the reason code in a Warning header */
} mcsec_sip_rules_t;

/* Key file references; paths are resolved relative to the policy file's
 * directory. Empty string = not configured. Later issues read them. */
typedef struct {
    char *spk; /* shared SPK file (issue: shared-SPK protection) */
    char *kms; /* partner KMS public file (issue: EAR) */
    char *ca;  /* partner CA certificate, PEM (HTTP-3 TLS, IPsec) */
} mcsec_partner_keys_t;

typedef struct {
    char *name;              /* unique, [a-z0-9-]+ */
    char *identity;          /* partner border's MC service ID URI */
    mcsec_strlist_t domains; /* lower case; "*.x" = subdomains of x only */
    mcsec_addr_t *is_proxy;  /* SIP sources allowed (the partner IS proxy) */
    size_t is_proxy_count;
    mcsec_addr_t http_proxy; /* partner HTTP proxy service address */
    bool has_http_proxy;
    mcsec_addr_t gateway; /* IPsec gateway (outside the tunnel) */
    bool has_gateway;
    mcsec_auth_mode_t auth;
    mcsec_sip_rules_t sip;
    mcsec_partner_keys_t keys;
    unsigned line, col; /* where the partner entry starts in the file */
} mcsec_partner_t;

typedef struct {
    char *topology; /* topology-hiding key file */
    char *spk;      /* SPK file used to protect what we send (may equal a partner's) */
    char *signing;  /* our ECCSI signing key (EAR) */
    char *cert;     /* our TLS/IKE certificate, PEM */
    char *key;      /* its private key, PEM */
} mcsec_system_keys_t;

typedef struct {
    char *name;
    char *identity;          /* this border's MC service ID URI */
    mcsec_strlist_t domains; /* our own domains */
    mcsec_addr_t is_proxy;   /* our IS proxy service address (SIP-3 side) */
    bool has_is_proxy;
    mcsec_addr_t http_proxy;
    bool has_http_proxy;
    mcsec_addr_t gateway;
    bool has_gateway;
    mcsec_addr_t sip_core; /* next hop for ingress SIP: our SIP core / MC server */
    bool has_sip_core;
    mcsec_transport_t sip_transport;      /* towards partners; default UDP */
    mcsec_transport_t sip_core_transport; /* towards sip_core; default UDP */
    mcsec_system_keys_t keys;
} mcsec_system_t;

typedef enum {
    MCSEC_LOG_ERROR = 0,
    MCSEC_LOG_WARNING = 1,
    MCSEC_LOG_NOTICE = 2,
    MCSEC_LOG_INFO = 3,
    MCSEC_LOG_DEBUG = 4
} mcsec_log_level_t;

typedef struct {
    mcsec_log_level_t level; /* rejections are logged at NOTICE */
    bool log_passed;         /* also log each message that passes (INFO) */
} mcsec_logging_t;

typedef struct {
    char *source_path; /* file it was loaded from ("<memory>" for buffers) */
    unsigned version;  /* policy format version, 1 */
    mcsec_system_t system;
    mcsec_partner_t *partners;
    size_t partner_count;
    mcsec_logging_t logging;
} mcsec_policy_t;

/* ---- loading ------------------------------------------------------------ */

/* Loads and validates the policy at path. On success returns MCSEC_OK and
 * sets *out; on failure returns a negative status, leaves *out NULL and
 * appends at least one diagnostic to diags (which may already hold some). */
mcsec_err_t mcsec_policy_load_file(const char *path, mcsec_policy_t **out,
                                   mcsec_diag_list_t *diags);

/* Same from a buffer. name is used in diagnostics; base_dir resolves
 * relative key paths (NULL = current directory). */
mcsec_err_t mcsec_policy_load_buffer(const char *yaml, size_t len, const char *name,
                                     const char *base_dir, mcsec_policy_t **out,
                                     mcsec_diag_list_t *diags);

void mcsec_policy_free(mcsec_policy_t *policy);

/* Writes the effective policy (defaults filled in, paths resolved) as YAML
 * that the loader accepts, into a malloc'd string the caller frees. */
mcsec_err_t mcsec_policy_dump(const mcsec_policy_t *policy, char **out);

/* Finds a partner by name; NULL when none. */
const mcsec_partner_t *mcsec_policy_partner_by_name(const mcsec_policy_t *policy, const char *name);

#endif
