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

#include "mcsec/policy/policy_gmk.h"
#include "mcsec/policy/policy_limits.h"
#include "mcsec/policy/policy_migration.h"
#include "mcsec/util/status.h"

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

/* Formats one diagnostic as "FILE:LINE:COL: message" ("FILE:LINE: message"
 * when col is 0, "FILE: message" when line is 0) into out (NUL
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
    int family;      /* AF_INET or AF_INET6 */
    uint8_t bin[16]; /* ip in network order: 4 octets (AF_INET) or 16 */
} mcsec_addr_t;

/* A list of strings (domains, methods, content types). */
typedef struct {
    char **items;
    size_t count;
} mcsec_strlist_t;

/* The media sections use the two types above. */
#include "mcsec/policy/policy_media.h" /* IWYU pragma: export */

typedef struct {
    mcsec_strlist_t methods;       /* upper case; REGISTER never allowed */
    mcsec_strlist_t content_types; /* lower case type/subtype */
    size_t max_body;               /* octets */
    bool warning_reason;           /* put the reason code in a Warning header */
} mcsec_sip_rules_t;

/* Shared-SPK protection of SIP-3 XML bodies (TS 33.180 clause 9) towards
 * and from one partner. */
typedef enum {
    MCSEC_SPK_OFF = 0,      /* bodies cross as they are */
    MCSEC_SPK_OPTIONAL = 1, /* protect what we send; unprotect what is protected */
    MCSEC_SPK_REQUIRED = 2, /* and refuse unprotected mcptt-info (spk.missing) */
} mcsec_spk_mode_t;

typedef struct {
    mcsec_spk_mode_t mode;        /* default off */
    mcsec_strlist_t elements;     /* contentType elements to encrypt; empty = all */
    mcsec_strlist_t signed_types; /* other XML MIME types the signature covers */
    bool reprotect_internal;      /* ingress: re-protect with the internal SPK
                                     (system.spk) instead of passing clear */
} mcsec_spk_rules_t;

/* Explicit authentication (EAR, TS 33.180 Annex J) for one partner; used
 * when auth is explicit. */
typedef struct {
    char *header;            /* header carrying the EAR, default "MCX-EAR" */
    uint32_t skew;           /* allowed clock difference, seconds, default 30 */
    uint8_t source_roles[8]; /* allowed source roles (profile: 1 MC client,
                                2 MC server, 3 GMS, 4 border proxy); default 2,3,4 */
    size_t source_role_count;
    uint8_t request_types[8]; /* allowed request types; default none */
    size_t request_type_count;
    bool in_dialog;      /* also require EARs on in-dialog requests */
    bool sign_on_behalf; /* egress: the border signs requests our
                            servers sent without an EAR (weaker) */
} mcsec_ear_rules_t;

/* Topology hiding towards one partner. */
typedef struct {
    bool enabled;                    /* default true when system.keys.topology is set */
    mcsec_strlist_t strip_headers;   /* removed on egress, in addition to the
                                        built-in list (Server, User-Agent, ...) */
    mcsec_strlist_t hide_elements;   /* mcptt-info elements whose URIs are tokenized */
    mcsec_strlist_t rewrite_headers; /* egress: in these headers, IP literals
                                        and host names of our system domains
                                        become the topology host */
    bool tokenize_callid;            /* always tokenize Call-ID (default: only when
                                        it carries a host) */
} mcsec_topo_rules_t;

/* HTTP-3 (mcsec-httpd): one upstream mapping. Inbound requests whose
 * path starts with prefix go to url, the prefix replaced by the URL's path
 * ("/xcap-root/" -> "http://10.0.0.5:8080/xcap/" sends /xcap-root/a to
 * /xcap/a). */
typedef struct {
    char *prefix; /* starts with '/' */
    char *url;    /* http:// or https://, host[:port], path ending in '/' */
} mcsec_http_upstream_t;

/* HTTP-3 rules for one partner; both directions use them (what the partner
 * may send us, and what we may send the partner). */
typedef struct {
    bool enabled;                     /* the partner has an `http` section */
    mcsec_strlist_t methods;          /* upper-case tokens; CONNECT, TRACE never */
    mcsec_strlist_t path_prefixes;    /* origin-form paths, each starting with '/' */
    mcsec_strlist_t content_types;    /* lower case type/subtype; empty = no bodies */
    size_t max_body;                  /* octets, default 65536 */
    size_t max_header_bytes;          /* request line + headers, default 8192 */
    unsigned connection_limit;        /* concurrent inbound connections, default 32 */
    uint32_t timeout;                 /* seconds for the next hop to answer, default 10 */
    char *peer_name;                  /* name in the partner HTTP proxy's certificate
                                         (SAN dNSName); default host of identity */
    mcsec_http_upstream_t *upstreams; /* inbound: path prefix -> internal server */
    size_t upstream_count;
} mcsec_http_rules_t;

/* Key file references; paths are resolved relative to the policy file's
 * directory. Empty string = not configured. Later issues read them. */
#define MCSEC_PARTNER_KMS_MAX 4 /* keys.kms files per partner */

typedef struct {
    char *spk; /* shared SPK file (issue: shared-SPK protection) */
    char *kms; /* partner KMS public file (issue: EAR); the first of a list */
    /* keys.kms as a list: the files after the first (a KPAK change in
     * overlap, or several KMSs); EARs verify under any of them, GMK
     * transfers under the first (docs/ear.md, key periods and rollover). */
    char *kms_more[MCSEC_PARTNER_KMS_MAX - 1];
    size_t kms_more_count;
    char *ca;             /* partner CA certificate, PEM (HTTP-3 TLS, IPsec) */
    mcsec_strlist_t crls; /* CRL files, one per CA of ca (crl.h); empty = no
                             revocation check for this partner */
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
    mcsec_spk_rules_t spk;
    mcsec_ear_rules_t ear;
    mcsec_topo_rules_t topology;
    mcsec_http_rules_t http;
    mcsec_partner_keys_t keys;
    unsigned line, col;                /* where the partner entry starts in the file */
    mcsec_gmk_rules_t gmk;             /* GMK transfer (policy_gmk.h) */
    mcsec_migration_rules_t migration; /* migrated users (policy_migration.h) */
    mcsec_media_rules_t media;         /* media relay (policy_media.h) */
    mcsec_limits_rules_t limits;       /* admission limits (policy_limits.h) */
    size_t replay_quota;               /* live replay-cache entries per cache; 0 = an equal share */
} mcsec_partner_t;

typedef struct {
    char *topology;      /* topology-hiding key file */
    char *spk;           /* internal SPK file (our MC servers <-> border) */
    char *signing;       /* our ECCSI key directory (ssk, pvt, kms.pub) for EARs */
    char *cert;          /* our TLS/IKE certificate, PEM */
    char *key;           /* its private key: PEM file, or a PKCS#11 URI (RFC 7512) */
    char *key_pin_file;  /* 0600 file with the token PIN (key is a PKCS#11 URI) */
    char *pkcs11_module; /* PKCS#11 module charon loads (key is a URI); NULL: p11-kit proxy */
    char *ca;            /* our own CA, PEM: keys.cert must chain to it (optional) */
    unsigned line, col;  /* where system.keys is in the file; 0 when absent */
} mcsec_system_keys_t;

/* True when a key reference is a PKCS#11 URI (RFC 7512, "pkcs11:"). */
bool mcsec_key_is_pkcs11(const char *key);

/* Reads the token PIN from path (system.keys.key_pin_file: a regular file,
 * no access by group or others; the first line). why says what failed. */
mcsec_err_t mcsec_key_pin_read(const char *path, char *pin, size_t size, char *why,
                               size_t why_size);

/* HTTP-3 proxy settings of this border (mcsec-httpd). The partner-side
 * listener is addresses.http_proxy, with keys.cert and keys.key. */
typedef struct {
    mcsec_addr_t inside; /* listener for our GMS/CMS (requests to partners) */
    bool has_inside;
    mcsec_addr_t *inside_clients; /* who may connect to inside (port 0 = any);
                                     none = nobody (default deny) */
    size_t inside_client_count;
    /* inside_tls: when set, the inside listener speaks TLS with this
     * certificate and key and requires a client certificate chaining to
     * inside_ca (mutual TLS); unset = plain HTTP (address list only). */
    bool has_inside_tls;
    char *inside_cert;              /* PEM, resolved path */
    char *inside_key;               /* PEM, resolved path, mode 0600 */
    char *inside_ca;                /* PEM, the CA of our GMS/CMS client certificates */
    mcsec_strlist_t inside_crls;    /* CRL files of the CAs of inside_ca (crl.h) */
    char *public_host;              /* our name in rewritten URIs; default
                                       topology host */
    mcsec_strlist_t internal_hosts; /* host[:port] never shown to partners, in
                                       addition to the upstream URL hosts */
    unsigned connection_limit;      /* all listeners together, default 256 */
    uint32_t client_timeout;        /* seconds a client may stay idle mid-request
                                       (headers, body), default 10 */
    unsigned threads;               /* MHD worker threads, default 4 */
} mcsec_http_system_t;

/* What a CRL past its nextUpdate does (system.revocation.stale). */
typedef enum {
    MCSEC_CRL_STALE_KEEP = 0,   /* keep checking against it, warn (default) */
    MCSEC_CRL_STALE_REFUSE = 1, /* refuse the partner's certificates until a fresh one */
} mcsec_crl_stale_t;

typedef struct {
    mcsec_crl_stale_t stale;
    uint32_t warn_before; /* seconds before nextUpdate a warning is logged,
                             default 172800 (2 days) */
} mcsec_revocation_t;

/* Where the EAR and GMK replay caches live (system.replay;
 * docs/high-availability.md). */
typedef enum {
    MCSEC_REPLAY_STORE_SHM = 0,   /* this node's shared memory (default) */
    MCSEC_REPLAY_STORE_REDIS = 1, /* Redis, shared by the border nodes */
} mcsec_replay_store_t;

typedef struct {
    mcsec_replay_store_t store;
    char *redis_address;          /* "/unix/path", "ip:port" or "[v6]:port" */
    uint32_t redis_timeout_ms;    /* default 50 */
    char *redis_namespace;        /* default: system.name */
    uint32_t redis_wait_replicas; /* 0 = no WAIT (default) */
} mcsec_replay_system_t;

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
    /* Who may send requests to the inside SIP socket (sip.inside_peers;
     * port 0 = any). Default: the sip_core address, any port; none when
     * neither is set, and then every inside request is refused. */
    mcsec_addr_t *sip_inside_peers;
    size_t sip_inside_peer_count;
    /* The internal SPK (keys.spk) protects bodies between our MC servers and
     * the border; its KDF P0 is this MC server identity. */
    char *spk_internal_identity;
    /* EAR: replay cache capacity (entries), the identity the border signs
     * as when a partner's ear.sign_on_behalf is on (keys.signing). */
    size_t ear_replay_entries; /* default 65536 */
    char *ear_sign_identity;   /* default: identity */
    /* Topology hiding: host name put in tokens and tokenized-by=, and how
     * long tokens of a replaced key still decode. */
    char *topology_host;                 /* default: host of identity */
    uint32_t topology_previous_validity; /* seconds, default 86400 */
    mcsec_http_system_t http;
    mcsec_system_keys_t keys;
    mcsec_gmk_system_t gmk;        /* GMK transfer (policy_gmk.h) */
    mcsec_revocation_t revocation; /* CRLs (crl.h, partners[].keys.crls) */
    /* Keys and certificates that expire within this many days are warned
     * about (start, reload, `mcsecctl policy check`); default 14. */
    uint32_t expiry_warning_days;
    mcsec_media_system_t media;   /* our media relay (policy_media.h) */
    mcsec_replay_system_t replay; /* replay store (system.replay) */
} mcsec_system_t;

#define MCSEC_EXPIRY_WARNING_DAYS_DEFAULT 14

typedef enum {
    MCSEC_LOG_ERROR = 0,
    MCSEC_LOG_WARNING = 1,
    MCSEC_LOG_NOTICE = 2,
    MCSEC_LOG_INFO = 3,
    MCSEC_LOG_DEBUG = 4
} mcsec_log_level_t;

/* How the proxies write their log lines (mcsec/obs/logline.h). */
typedef enum { MCSEC_LOG_FORMAT_LOGFMT = 0, MCSEC_LOG_FORMAT_JSON = 1 } mcsec_log_format_t;

typedef struct {
    mcsec_log_level_t level;   /* rejections are logged at NOTICE */
    bool log_passed;           /* also log each message that passes (INFO) */
    mcsec_log_format_t format; /* logfmt (default) or JSON lines */
} mcsec_logging_t;

typedef struct mcsec_policy {
    char *source_path; /* file it was loaded from ("<memory>" for buffers) */
    unsigned version;  /* policy format version, 1 */
    mcsec_system_t system;
    mcsec_partner_t *partners;
    size_t partner_count;
    mcsec_logging_t logging;
} mcsec_policy_t;

/* The live IDs partner may hold in a replay cache of capacity entries
 * (gmk: the GMK cache, else the EAR cache): partners[].replay_quota, or an
 * equal share among the partners that use that cache (EAR: auth explicit;
 * GMK: gmk.transfer check); at least 1. docs/high-availability.md. */
size_t mcsec_policy_replay_quota(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                                 bool gmk, size_t capacity);

/* ---- loading ------------------------------------------------------------ */

/* Loads and validates the policy at path. On success returns MCSEC_OK and
 * sets *out; on failure returns a negative status, leaves *out NULL and
 * appends at least one diagnostic to diags (which may already hold some). */
mcsec_err_t mcsec_policy_load_file(const char *path, mcsec_policy_t **out,
                                   mcsec_diag_list_t *diags);

/* The directory relative key paths of the policy file at path resolve
 * against: the file's directory, absolute (realpath), so a resolved key
 * path means the same to every reader whatever its working directory
 * (mcsecctl policy show, mcsec.so after -w, mcsec-httpd). MCSEC_ERR_IO
 * when path does not resolve, MCSEC_ERR_ARG when out (size octets) is too
 * small. */
mcsec_err_t mcsec_policy_base_dir(const char *path, char *out, size_t size);

/* Same from a buffer. name is used in diagnostics; base_dir resolves
 * relative key paths (NULL = current directory). */
mcsec_err_t mcsec_policy_load_buffer(const char *yaml, size_t len, const char *name,
                                     const char *base_dir, mcsec_policy_t **out,
                                     mcsec_diag_list_t *diags);

void mcsec_policy_free(mcsec_policy_t *policy);

/* Writes the effective policy (defaults filled in, paths resolved) as YAML
 * that the loader accepts, into a malloc'd string the caller frees. */
mcsec_err_t mcsec_policy_dump(const mcsec_policy_t *policy, char **out);

/* True when the address (family AF_INET with 4 octets in bin, or AF_INET6
 * with 16, network order) and port match an entry of list: same address,
 * and the entry's port is 0 or equal. False for other families. */
bool mcsec_addr_list_match(const mcsec_addr_t *list, size_t count, int family, const uint8_t *bin,
                           uint16_t port);

/* Finds a partner by name; NULL when none. */
const mcsec_partner_t *mcsec_policy_partner_by_name(const mcsec_policy_t *policy, const char *name);

#endif
