/* Internal helpers shared by the policy loader, validator and dumper.
 * Not installed; nothing outside libmcsec/src includes this. */
#ifndef MCSEC_POLICY_INTERNAL_H
#define MCSEC_POLICY_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "mcsec/policy/policy.h"

/* ---- diagnostics (policy_diag.c) ---------------------------------------- */

/* Appends "file:line:col: message" (printf format) to diags. Copies file.
 * Returns MCSEC_OK or MCSEC_ERR_NOMEM (diags is left unchanged then). */
mcsec_err_t mcsec_diag_addf(mcsec_diag_list_t *diags, const char *file, unsigned line, unsigned col,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- string lists (strlist.c) ------------------------------------------- */

/* Appends a copy of item. Returns MCSEC_OK or MCSEC_ERR_NOMEM. */
mcsec_err_t mcsec_strlist_push(mcsec_strlist_t *list, const char *item);

/* True when list holds a string equal to item (case-sensitive). */
bool mcsec_strlist_contains(const mcsec_strlist_t *list, const char *item);

/* Same, ignoring ASCII case (header names). */
bool mcsec_strlist_contains_nocase(const mcsec_strlist_t *list, const char *item);

/* True when both lists hold the same strings in the same order. */
bool mcsec_strlist_equal(const mcsec_strlist_t *a, const mcsec_strlist_t *b);

/* Frees the items and the array; leaves an empty list. */
void mcsec_strlist_clear(mcsec_strlist_t *list);

/* ---- addresses (policy_addr.c) ------------------------------------------ */

typedef enum {
    MCSEC_ADDR_PORT_REQUIRED, /* "ip:port", "[v6]:port" */
    MCSEC_ADDR_PORT_OPTIONAL, /* also "ip", "[v6]", "v6"; port 0 = any */
    MCSEC_ADDR_NO_PORT,       /* "ip" or "v6" only (IPsec gateway) */
} mcsec_addr_form_t;

/* Parses text into out (normalised with inet_ntop). On failure returns
 * MCSEC_ERR_INVALID and writes a short reason (no position) into why. */
mcsec_err_t mcsec_addr_parse(const char *text, mcsec_addr_form_t form, mcsec_addr_t *out, char *why,
                             size_t why_size);

/* Writes "ip:port", "[v6]:port", or without ":port" when port is 0. */
void mcsec_addr_format(const mcsec_addr_t *addr, char *out, size_t out_size);

/* True when both addresses have the same family, ip and port. */
bool mcsec_addr_equal(const mcsec_addr_t *a, const mcsec_addr_t *b);

/* ---- syntax of names (policy_syntax.c) ---------------------------------- */

/* Domain entry: lower-case host name, or "*." followed by one. */
bool mcsec_pol_domain_valid(const char *domain);

/* True when the host sets matched by two valid domain entries intersect:
 * equal entries, "*.x" covering a strict subdomain of x, or two wildcards
 * one of which covers the other. "x" and "*.x" do not overlap. */
bool mcsec_pol_domains_overlap(const char *a, const char *b);

/* sip:/sips: URI with a non-empty host; on success host and host_len
 * (each may be NULL) give the host part inside uri (without brackets for IPv6). */
bool mcsec_pol_sip_uri_valid(const char *uri, const char **host, size_t *host_len);

/* SIP token (RFC 3261) with no lower-case letter. */
bool mcsec_pol_method_valid(const char *method);

/* "type/subtype" made of RFC 2045 tokens, no '*'. */
bool mcsec_pol_content_type_valid(const char *content_type);

/* Longest header or element name a policy may hold. */
#define MCSEC_POL_NAME_MAX 64

/* A valid content type of XML: application/xml, text/xml or any "+xml". */
bool mcsec_pol_xml_content_type(const char *content_type);

/* SIP header name: an RFC 3261 token without '*'; with allow_prefix a
 * trailing '*' (after at least one character) is allowed ("P-*"). */
bool mcsec_pol_header_name_valid(const char *name, bool allow_prefix);

/* XML element local name (ASCII NCName): [A-Za-z_][A-Za-z0-9_.-]*. */
bool mcsec_pol_xml_name_valid(const char *name);

/* Host as partners see it: a lower-case host name, an IPv4 address or a
 * bracketed IPv6 reference, optionally followed by ":port". */
bool mcsec_pol_host_valid(const char *host);

/* Partner name: [a-z0-9-]+. */
bool mcsec_pol_name_valid(const char *name);

/* Levenshtein distance, capped at cap + 1 (enough to suggest a key). */
size_t mcsec_pol_edit_distance(const char *a, const char *b, size_t cap);

/* ---- key files (policy_keyfile.c) --------------------------------------- */

/* Checks that path is a readable regular file; a secret must also have no
 * group/other permission bits, a public file no group/other write bit.
 * Returns MCSEC_OK, MCSEC_ERR_IO or MCSEC_ERR_PERM with a reason in why. */
mcsec_err_t mcsec_pol_keyfile_check(const char *path, bool secret, char *why, size_t why_size);

/* Checks an ECCSI signing key directory (as `mcsecctl kms issue` writes
 * it): a directory not writable by group or others, holding the secret
 * `ssk` (no group/other bits) and the public `pvt`, `kms.pub` and `signer`
 * files (not writable by group or others). Same returns as above. */
mcsec_err_t mcsec_pol_keydir_check(const char *path, char *why, size_t why_size);

/* Resolves a relative path against base_dir (absolute paths and a NULL or
 * "." base_dir leave it unchanged). Returns a malloc'd string or NULL. */
char *mcsec_pol_resolve_path(const char *base_dir, const char *path);

/* ---- loader context (policy_yaml.c) ------------------------------------- */

typedef struct {
    const char *file;         /* name used in diagnostics */
    const char *base_dir;     /* for relative key paths; may be NULL */
    yaml_document_t *doc;     /* the parsed document */
    mcsec_diag_list_t *diags; /* where problems go */
    mcsec_err_t status;       /* status of the first problem, MCSEC_OK if none */
} mcsec_pol_ctx_t;

/* Records a problem at node (NULL = no position); status is the category. */
void mcsec_pol_problem(mcsec_pol_ctx_t *ctx, const yaml_node_t *node, mcsec_err_t status,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Allowed key of a mapping and where its value lands. */
typedef struct {
    const char *key;
    bool required;
} mcsec_pol_key_t;

/* Walks mapping node `map` (called `what` in messages): reports unknown and
 * duplicate keys and missing required ones, and sets values[i] to the value
 * node of keys[i] (NULL when absent). Returns false when map is not a
 * mapping (after reporting it). */
bool mcsec_pol_map(mcsec_pol_ctx_t *ctx, yaml_node_t *map, const char *what,
                   const mcsec_pol_key_t *keys, size_t key_count, yaml_node_t **values);

/* Scalar text of node, or NULL after reporting "expected a scalar". An
 * empty or null scalar is reported as missing a value. */
const char *mcsec_pol_scalar(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what);

/* Reads a plain decimal integer in [min, max]; reports and returns false. */
bool mcsec_pol_integer(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, long long min,
                       long long max, long long *out);

/* Reads true/false (plain); reports and returns false otherwise. */
bool mcsec_pol_boolean(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, bool *out);

/* Copies a scalar into *out (malloc'd). Returns false when it reported. */
bool mcsec_pol_string(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, char **out);

/* Checks node is a sequence (reports otherwise); sets items and count. */
bool mcsec_pol_sequence(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what,
                        yaml_node_item_t **items, size_t *count);

/* Node of a sequence item. */
yaml_node_t *mcsec_pol_node(mcsec_pol_ctx_t *ctx, yaml_node_item_t item);

/* 1-based position of node. */
unsigned mcsec_pol_line(const yaml_node_t *node);
unsigned mcsec_pol_col(const yaml_node_t *node);

/* ---- loader parts ------------------------------------------------------- */

/* Positions of domain entries, kept while loading for the overlap check. */
typedef struct {
    const char *domain; /* points into the model */
    int owner;          /* -1 = our own system, else partner index */
    yaml_node_t *node;
} mcsec_pol_domain_ref_t;

typedef struct {
    mcsec_pol_domain_ref_t *items;
    size_t count;
} mcsec_pol_domain_refs_t;

/* Reads a list of domains into list, recording each in refs under owner. */
void mcsec_pol_load_domains(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, int owner,
                            mcsec_strlist_t *list, mcsec_pol_domain_refs_t *refs);

/* How mcsec_pol_load_strlist() reads a list of strings. Each entry must be
 * a scalar; its checks run in this order: check (reports its own problem
 * and returns false), "duplicate <noun> '<value>' in '<what>'" (without the
 * " in" part with dup_without_what), "more than <max> <plural> in '<what>'"
 * (when max is not 0; stops the list with stop_when_full, otherwise every
 * further entry is reported), then the entry is added. */
typedef struct {
    const char *what;
    bool (*check)(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text, const char *value,
                  const char *what); /* text as written, value as stored; NULL: any */
    bool lowercase;                  /* value is text in lower case */
    bool nocase;                     /* duplicates compared ignoring case */
    const char *at_least_one;        /* not NULL: "'<what>' must list at least one <it>" */
    const char *noun;
    bool dup_without_what;
    size_t max;
    const char *plural;
    bool stop_when_full;
} mcsec_pol_strlist_spec_t;

/* Reads a sequence of strings into list as spec says. */
void mcsec_pol_load_strlist(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                            const mcsec_pol_strlist_spec_t *spec, mcsec_strlist_t *list);

/* system.replay and partners[].replay_quota (policy_load_replay.c); node
 * may be NULL (absent: the defaults). */
void mcsec_pol_load_system_replay(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys);
void mcsec_pol_load_partner_replay_quota(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                         mcsec_partner_t *partner, const mcsec_system_t *sys);

/* Reads an address scalar of the given form. */
bool mcsec_pol_load_addr(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what,
                         mcsec_addr_form_t form, mcsec_addr_t *out);

/* Reads a sequence of addresses ("ip", "ip:port", "[v6]:port"; port 0 =
 * any) into a malloc'd *list; each bad or duplicate entry is a problem at
 * its position. An empty sequence gives an empty list. */
void mcsec_pol_load_addr_list(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, size_t max,
                              mcsec_addr_t **list, size_t *count);

/* Reads a key file path, resolves it and checks the file. */
void mcsec_pol_load_keyfile(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, bool secret,
                            char **out);

/* Reads system.keys.key: a PKCS#11 URI taken as is (refused when it
 * carries a PIN), otherwise a secret key file (policy_load_pkcs11.c). */
void mcsec_pol_load_keyref(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, char **out);

/* Reads a key directory path, resolves it and checks the directory. */
void mcsec_pol_load_keydir(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, char **out);

/* Reads a sip:/sips: URI scalar into *out (malloc'd); reports and returns
 * false when it is not one. */
bool mcsec_pol_load_uri(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, char **out);

/* Checks that the host of uri is matched by one of domains. */
void mcsec_pol_check_identity_domain(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *uri,
                                     const mcsec_strlist_t *domains, const char *whose);

/* Loads the `system` mapping into sys. */
void mcsec_pol_load_system(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys,
                           mcsec_pol_domain_refs_t *refs);

/* Sets the system defaults of the optional sections (before loading). */
void mcsec_pol_system_defaults(mcsec_system_t *sys);

/* Loads the system's `spk`, `ear` and `topology` sections (each may be
 * NULL = absent), then fills the defaults derived from system.identity
 * (identity: its value node, for messages; may be NULL). */
void mcsec_pol_load_system_features(mcsec_pol_ctx_t *ctx, mcsec_system_t *sys,
                                    yaml_node_t *identity, yaml_node_t *spk, yaml_node_t *ear,
                                    yaml_node_t *topology);

/* Value nodes of a partner that cross-field rules blame; NULL = absent. */
typedef struct {
    yaml_node_t *auth;               /* partner.auth */
    yaml_node_t *spk_mode;           /* partner.spk.mode */
    yaml_node_t *spk_reprotect;      /* partner.spk.reprotect_internal */
    yaml_node_t *ear_sign_on_behalf; /* partner.ear.sign_on_behalf */
    yaml_node_t *topology_enabled;   /* partner.topology.enabled */
} mcsec_pol_feature_nodes_t;

/* Sets a partner's feature defaults (before loading); sys must already be
 * loaded (topology.enabled defaults to whether system.keys.topology is set). */
void mcsec_pol_partner_defaults(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_partner_t *partner,
                                const mcsec_system_t *sys);

/* Load a partner's `spk`, `ear` and `topology` mappings. */
void mcsec_pol_load_partner_spk(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_spk_rules_t *spk,
                                mcsec_pol_feature_nodes_t *blame);
void mcsec_pol_load_partner_ear(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_ear_rules_t *ear,
                                mcsec_pol_feature_nodes_t *blame);
void mcsec_pol_load_partner_topology(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                     mcsec_topo_rules_t *topology,
                                     mcsec_pol_feature_nodes_t *blame);

/* Cross-field rules between a loaded partner, its keys and the system. */
void mcsec_pol_check_partner_features(mcsec_pol_ctx_t *ctx, const mcsec_system_t *sys,
                                      const mcsec_partner_t *partner,
                                      const mcsec_pol_feature_nodes_t *blame);

/* ---- HTTP-3 sections (policy_load_http.c) --------------------------------- */

/* Origin-form path prefix: '/' first, RFC 3986 pchar without %-escapes, no
 * "//" and no "." or ".." segment. */
bool mcsec_pol_http_path_valid(const char *path);

/* Sets the defaults of system.http (before loading). */
void mcsec_pol_system_http_defaults(mcsec_system_t *sys);

/* Loads system.http (node may be NULL = absent), then fills public_host
 * from the topology host when unset; call after the system features. */
void mcsec_pol_load_system_http(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys);

/* Sets a partner's HTTP defaults (before loading). */
void mcsec_pol_partner_http_defaults(mcsec_http_rules_t *http);

/* Loads partners[].http and checks what it needs: the partner's keys.ca
 * (loaded before), our keys.cert, keys.key and addresses.http_proxy. */
void mcsec_pol_load_partner_http(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_partner_t *partner,
                                 const mcsec_system_t *sys);

/* Loads the `partners` list into policy (partners, partner_count). */
/* Loads partners[].limits (node NULL = absent: no limit). */
void mcsec_pol_load_partner_limits(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                   mcsec_limits_rules_t *limits);

void mcsec_pol_load_partners(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_policy_t *policy,
                             mcsec_pol_domain_refs_t *refs);

/* Loads the `logging` mapping. */
void mcsec_pol_load_logging(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_logging_t *logging);

/* Reports domains that overlap between partners or with our own. */
void mcsec_pol_check_overlaps(mcsec_pol_ctx_t *ctx, const mcsec_policy_t *policy,
                              const mcsec_pol_domain_refs_t *refs);

/* ---- revocation (policy_load_crl.c) ---------------------------------------- */

/* Default system.revocation.warn_before: two days, time for the CRL job to
 * be fixed before a CRL turns stale. */
#define MCSEC_CRL_WARN_BEFORE_DEFAULT (2u * 86400u)

/* Sets the defaults of system.revocation (before loading). */
void mcsec_pol_system_revocation_defaults(mcsec_system_t *sys);

/* Loads system.revocation (node may be NULL = absent). */
void mcsec_pol_load_system_revocation(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys);

/* Loads a list of CRL files (what: its name in messages) into out: each
 * file a CRL of one CA of the CA file ca (loaded before, its key named
 * ca_what; NULL = absent, then the list must be empty), every CA covered. */
void mcsec_pol_load_crls(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what,
                         const char *ca_what, const char *ca, mcsec_strlist_t *out);

/* Fills unset key paths (and system.spk.internal_identity) with "" so the
 * model never holds NULL strings there. */
mcsec_err_t mcsec_pol_fill_empty_paths(mcsec_policy_t *policy);

/* Emits one scalar (double-quoted when quoted) for the section dumpers
 * (policy_load_gmk.c, policy_load_migration.c); false when libyaml failed. */
bool mcsec_pol_emit_scalar(yaml_emitter_t *emitter, const char *text, bool quoted);

#endif
