/* Topology hiding for SIP-3: authenticated tokens in place of every header
 * value that reveals our inside, restored exactly on the way back.
 *
 * A token is base32(key ID (1) || AES-SIV tag (16) || ciphertext), lower
 * case, no padding. The plaintext is a format octet, an optional issue time
 * (minutes since 1970, 4 octets, when the kind has a max age) and the value.
 * The associated data is the token's kind ("via", "rr", "path", "contact",
 * "callid") and, except for Call-ID tokens, the dialog's partner-side
 * Call-ID: the Call-ID exactly as it appears on the wire between us and the
 * partner (our Call-ID token for dialogs we started, the partner's Call-ID
 * otherwise). A Call-ID token cannot be bound to itself, so its only
 * associated data is its kind. A token moved into another header kind or
 * another dialog fails authentication. (Encoding: the associated data is
 * one S2V component, kind name || NUL || Call-ID; Call-IDs longer than
 * MCSEC_TOPO_MAX_VALUE are refused.)
 *
 * Where tokens go (nowhere tm reads them; tm matches replies on the top Via
 * branch, which stays the border's own):
 * - Via: the Vias below the border's own are collapsed into ONE Via
 *   "SIP/2.0/UDP <host>;branch=z9hG4bK<16 token chars>;mcsec-vt=<token>".
 *   The partner returns it untouched in replies; restoring gives back the
 *   original Via values.
 * - Record-Route / Path: each entry of our inside becomes
 *   "<sip:<token>@<host>;lr;tokenized-by=<host>>" (TS 24.229 THIG marking).
 * - Contact of our MC servers: the URI becomes
 *   "<sip:<token>@<host>;tokenized-by=<host>>", the contact parameters
 *   (expires, +g.3gpp.* feature tags) stay outside the URI unchanged. The
 *   partner then uses that URI as the request-URI of in-dialog requests.
 * - Call-ID (when it carries a host, or always if configured):
 *   "<token>@<host>". The suffix tells our tokens from partner Call-IDs.
 * - URIs that outlive a dialog (mcptt-info elements, Refer-To targets):
 *   "sip:<token>@<host>;tokenized-by=<host>", kind "element", bound to the
 *   kind only; the Call-ID in a Replaces: the Call-ID token above.
 * <host> is our border host as partners see it (config.border_host).
 *
 * Contract: every function takes its inputs as (pointer, length) and never
 * reads past the length; outputs go into buffers the caller owns. When an
 * output buffer is too small, functions return MCSEC_ERR_ARG and set *out_len
 * to the size needed (out may then be NULL with out_size 0, to ask). A token
 * that fails authentication, names an unknown key, whose key's decoding
 * time is over, that is expired or malformed gives MCSEC_ERR_INVALID and
 * err->reason = MCSEC_REASON_TOPO_BAD_TOKEN, never a partial value.
 *
 * Lifetime: mcsec_topo_create() returns a context the caller destroys with
 * mcsec_topo_destroy(). A context is not thread-safe (it owns OpenSSL
 * working contexts); Kamailio creates one per process. No globals. The
 * decoders use about 16 KB of stack (fixed buffers, no allocation). */
#ifndef MCSEC_TOPO_H
#define MCSEC_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/sip/check.h"
#include "mcsec/policy/policy.h"
#include "mcsec/util/reason.h"
#include "mcsec/util/status.h"
#include "mcsec/topo/topo_keys.h"

typedef enum {
    MCSEC_TOPO_VIA = 0,
    MCSEC_TOPO_RR,
    MCSEC_TOPO_PATH,
    MCSEC_TOPO_CONTACT,
    MCSEC_TOPO_CALLID,
    MCSEC_TOPO_ELEMENT, /* a URI in an mcptt-info element (hide_elements) */
    MCSEC_TOPO_DIALOG,  /* our Record-Route's proof that a dialog passed us */
    MCSEC_TOPO_KIND_COUNT
} mcsec_topo_kind_t;

#define MCSEC_TOPO_MAX_VALUE 4096 /* octets of plaintext a token may carry */
#define MCSEC_TOPO_VIA_PARAM "mcsec-vt"
#define MCSEC_TOPO_URI_PARAM "tokenized-by"

typedef struct {
    /* Our border host as partners see it: a host name, IPv4 address or
     * bracketed IPv6 reference, optionally with ":port". Required. */
    mcsec_str_t border_host;
    /* Seconds a retired key keeps decoding (see topo_keys.h); 0 = not at
     * all. The policy's default is MCSEC_TOPO_DEFAULT_PREV_VALIDITY. */
    uint32_t prev_key_validity;
    /* Per kind: 0 = tokens carry no time and never expire (the default;
     * dialogs last hours), else the maximum age in seconds. Tokens of a
     * kind with a max age are deterministic within a minute only. */
    uint32_t max_age[MCSEC_TOPO_KIND_COUNT];
    /* Tokenize every Call-ID, not only those that carry a host ('@'). */
    bool callid_always;
    /* Clock in unix seconds; NULL = time(NULL). Tests inject time here. */
    int64_t (*clock)(void *arg);
    void *clock_arg;
} mcsec_topo_config_t;

#define MCSEC_TOPO_DEFAULT_PREV_VALIDITY 86400u

/* Why a token was refused, for logs and tests (the partner sees only the
 * reason code). */
typedef enum {
    MCSEC_TOPO_FAULT_NONE = 0,
    MCSEC_TOPO_FAULT_MALFORMED,   /* not base32, wrong length, not our format */
    MCSEC_TOPO_FAULT_UNKNOWN_KEY, /* key ID not in the key file */
    MCSEC_TOPO_FAULT_KEY_RETIRED, /* key retired longer than prev_key_validity ago */
    MCSEC_TOPO_FAULT_AUTH,        /* tampered, other kind, other dialog */
    MCSEC_TOPO_FAULT_EXPIRED,     /* older than the kind's max age, or no time */
} mcsec_topo_fault_t;

typedef struct {
    mcsec_reason_t reason; /* MCSEC_REASON_TOPO_BAD_TOKEN or NONE */
    mcsec_topo_fault_t fault;
} mcsec_topo_error_t;

typedef struct mcsec_topo mcsec_topo_t;

/* ---- lifetime ----------------------------------------------------------- */

/* Loads the key file (topo_keys.h rules, mode 0600) and builds a context.
 * config is copied (border_host too); NULL config is refused because the
 * border host is required. Errors as mcsec_topo_keys_load, MCSEC_ERR_ARG for
 * a bad config; why gets "FILE:LINE: message" or a config message. */
mcsec_err_t mcsec_topo_create(const char *key_path, const mcsec_topo_config_t *config,
                              mcsec_topo_t **out, char *why, size_t why_size);

/* Same with a key set already loaded; the context takes ownership of keys
 * (also on failure, when it destroys them). */
mcsec_err_t mcsec_topo_create_with_keys(mcsec_topo_keys_t *keys, const mcsec_topo_config_t *config,
                                        mcsec_topo_t **out, char *why, size_t why_size);

/* Frees the context and wipes its keys. NULL is a no-op. */
void mcsec_topo_destroy(mcsec_topo_t *topo);

/* "via", "rr", "path", "contact", "callid", "element"; "unknown" out of
 * range. */
const char *mcsec_topo_kind_name(mcsec_topo_kind_t kind);

/* Short English text for a fault, for log lines. Never NULL. */
const char *mcsec_topo_fault_str(mcsec_topo_fault_t fault);

/* ---- token codec -------------------------------------------------------- */

/* Upper bound of the token length for a value of value_len octets. */
size_t mcsec_topo_token_len(size_t value_len);

/* Token for value (1..MCSEC_TOPO_MAX_VALUE octets) of this kind in the
 * dialog with partner-side Call-ID callid (ignored for MCSEC_TOPO_CALLID),
 * under the current key. Deterministic (to the minute for kinds with a max
 * age). */
mcsec_err_t mcsec_topo_token_encode(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                                    mcsec_str_t value, char *out, size_t out_size, size_t *out_len);

/* The value inside a token (out_size >= token.len always suffices). */
mcsec_err_t mcsec_topo_token_decode(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                                    mcsec_str_t token, char *out, size_t out_size, size_t *out_len,
                                    mcsec_topo_error_t *err);

/* ---- Via ---------------------------------------------------------------- */

/* Egress: collapses the n (>= 1) Via values below the border's own (each a
 * via-parm or a whole Via header body, in message order) into the value of
 * ONE Via that replaces them all: "SIP/2.0/UDP <host>;branch=z9hG4bK...;
 * mcsec-vt=<token>". The module inserts it right below the border's own Via. */
mcsec_err_t mcsec_topo_hide_vias(mcsec_topo_t *topo, const mcsec_str_t *vias, size_t n,
                                 mcsec_str_t callid, char *out, size_t out_size, size_t *out_len);

/* Finds the mcsec-vt parameter in a Via value; returns true and the token
 * when present (the Via is one of ours), false otherwise. */
bool mcsec_topo_via_token(mcsec_str_t via, mcsec_str_t *token);

/* Ingress (replies): the original Via values, in order. They are written
 * into buf (buf_size >= token.len always suffices) and items[0..*count)
 * point into buf; max_items too small is MCSEC_ERR_ARG with *count set to
 * the number needed. */
mcsec_err_t mcsec_topo_restore_vias(mcsec_topo_t *topo, mcsec_str_t token, mcsec_str_t callid,
                                    char *buf, size_t buf_size, mcsec_str_t *items,
                                    size_t max_items, size_t *count, mcsec_topo_error_t *err);

/* ---- Record-Route, Path, Contact, request-URI -------------------------- */

/* Egress: one Record-Route or Path entry (kind MCSEC_TOPO_RR or
 * MCSEC_TOPO_PATH; the whole rec-route text: optional display name,
 * <URI>, rr-params) becomes "<sip:<token>@<host>;lr;tokenized-by=<host>>"
 * ("sips:" when the entry's URI is sips). */
mcsec_err_t mcsec_topo_hide_route(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t entry,
                                  mcsec_str_t callid, char *out, size_t out_size, size_t *out_len);

/* Ingress: a Record-Route entry (replies) or Route entry (in-dialog
 * requests) that mcsec_topo_uri_token() says is ours, back to the exact
 * original entry text (out_size >= entry.len always suffices). */
mcsec_err_t mcsec_topo_restore_route(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t entry,
                                     mcsec_str_t callid, char *out, size_t out_size,
                                     size_t *out_len, mcsec_topo_error_t *err);

/* Egress: one contact-param of our MC server (name-addr or addr-spec, then
 * contact params). Output "<sip:<token>@<host>;tokenized-by=<host>>" followed
 * by the original text after the URI (after '>' for a name-addr). The
 * display name is dropped (it is inside information). MCSEC_ERR_PARSE when
 * no URI can be found (e.g. "*"). */
mcsec_err_t mcsec_topo_hide_contact(mcsec_topo_t *topo, mcsec_str_t contact, mcsec_str_t callid,
                                    char *out, size_t out_size, size_t *out_len);

/* Ingress: a request-URI (or Contact URI, bare or in <>) that
 * mcsec_topo_uri_token() says is ours, back to the original Contact URI
 * (out_size >= uri.len always suffices). */
mcsec_err_t mcsec_topo_restore_contact_uri(mcsec_topo_t *topo, mcsec_str_t uri, mcsec_str_t callid,
                                           char *out, size_t out_size, size_t *out_len,
                                           mcsec_topo_error_t *err);

/* Ingress: a request-URI that mcsec_topo_uri_token() says is ours, back to
 * the URI it stands for: a Contact token of this dialog (callid, as
 * mcsec_topo_restore_contact_uri) or else a dialog-independent token (kind
 * "element": a URI of an mcptt-info element or a Refer-To target the
 * partner addresses in a new dialog). On failure err is the Contact
 * attempt's. */
mcsec_err_t mcsec_topo_restore_target_uri(mcsec_topo_t *topo, mcsec_str_t uri, mcsec_str_t callid,
                                          char *out, size_t out_size, size_t *out_len,
                                          mcsec_topo_error_t *err);

/* Whether a URI, name-addr or route entry is one of our tokenized URIs:
 * sip/sips, host equal to our border host, parameter tokenized-by=<our
 * host>. On true, token is the user part. */
bool mcsec_topo_uri_token(const mcsec_topo_t *topo, mcsec_str_t value, mcsec_str_t *token);

/* ---- Call-ID ------------------------------------------------------------ */

/* Whether our Call-ID must be tokenized on egress: it carries a host ('@'),
 * or config.callid_always. */
bool mcsec_topo_callid_needs_hiding(const mcsec_topo_t *topo, mcsec_str_t callid);

/* Whether a partner-side Call-ID is one of our tokens ("...@<our host>"). */
bool mcsec_topo_callid_is_token(const mcsec_topo_t *topo, mcsec_str_t callid);

/* Egress: "<token>@<host>". Deterministic for the whole dialog. */
mcsec_err_t mcsec_topo_hide_callid(mcsec_topo_t *topo, mcsec_str_t callid, char *out,
                                   size_t out_size, size_t *out_len);

/* Ingress: the original Call-ID of a token Call-ID (out_size >= callid.len
 * always suffices). */
mcsec_err_t mcsec_topo_restore_callid(mcsec_topo_t *topo, mcsec_str_t callid, char *out,
                                      size_t out_size, size_t *out_len, mcsec_topo_error_t *err);

/* ---- other leaks -------------------------------------------------------- */

/* Whether a header must be stripped on egress: Server, User-Agent,
 * Organization, Warning, P-Charging-Vector, or a name in extra (the
 * policy's list; an entry ending in '*' matches by prefix, e.g. "P-*").
 * Case-insensitive; SIP compact forms (RFC 3261 7.3.3 and later RFCs) in
 * name or in extra match their long form. extra may be NULL. */
bool mcsec_topo_header_stripped(mcsec_str_t name, const mcsec_strlist_t *extra);

/* Egress, for the headers a partner's topology.rewrite_headers lists: a
 * copy of value in which every IPv4 literal, IPv6 literal (in brackets, or
 * bare with at least two ':') and every host name (a word with a dot)
 * matched by domains (mcsec_domain_list_match; the module passes our system
 * domains; NULL = none) is replaced by the border host (without its port).
 * Words are maximal runs of letters, digits, '-' and '.'; a port after a
 * replaced host stays. One-way: nothing restores these values. *changed
 * tells whether anything was replaced. The output is at most value.len +
 * (value.len / 2 + 1) * border host length octets; a short buffer gives
 * MCSEC_ERR_ARG with *out_len the size needed. */
mcsec_err_t mcsec_topo_rewrite_hosts(const mcsec_topo_t *topo, mcsec_str_t value,
                                     const mcsec_strlist_t *domains, char *out, size_t out_size,
                                     size_t *out_len, bool *changed);

/* ---- mcptt-info XML elements ------------------------------------------- */

typedef enum {
    MCSEC_TOPO_EGRESS = 0, /* our URIs become token URIs */
    MCSEC_TOPO_INGRESS     /* our token URIs come back */
} mcsec_topo_direction_t;

/* The URIs in the listed elements of an XML body (mcptt-info). For every
 * element whose local name (any namespace) is in names, every text or
 * CDATA node in its subtree, and every attribute value of the element and
 * of the elements below it (read with references resolved), whose trimmed
 * text is a sip: or sips: URI is rewritten:
 * egress: the URI becomes "sip:<token>@<host>;tokenized-by=<host>" ("sips:"
 * for sips), unless it carries a tokenized-by= parameter already (our
 * token or the partner's) or its host matches keep_domains (the partner's
 * domains, mcsec_domain_list_match rules; NULL = none); ingress: a URI
 * mcsec_topo_uri_token() says is ours becomes the original URI exactly,
 * other URIs stay. The surrounding whitespace of the text stays.
 *
 * Element tokens (kind "element") are bound to their kind only, not to a
 * Call-ID: the URIs named there (group and server URIs) are addressed again
 * in later dialogs, which must restore them.
 *
 * xml is parsed like SPK bodies (no network, DTD refused, no entities,
 * at most MCSEC_TOPO_XML_MAX octets and MCSEC_TOPO_XML_MAX_DEPTH levels).
 * On MCSEC_OK, *out is NULL (with *out_len 0) when nothing changed, else a
 * malloc'd serialisation (NUL terminated, not counted in *out_len) the
 * caller frees. MCSEC_ERR_PARSE for XML that is refused; MCSEC_ERR_INVALID
 * with err->reason = MCSEC_REASON_TOPO_BAD_TOKEN for a token that does not
 * decode (ingress); MCSEC_ERR_NOMEM; MCSEC_ERR_ARG for bad arguments. names
 * NULL or empty: nothing to do (*out NULL). */
#define MCSEC_TOPO_XML_MAX (256u * 1024u)
#define MCSEC_TOPO_XML_MAX_DEPTH 32u
mcsec_err_t mcsec_topo_hide_xml_elements(mcsec_topo_t *topo, const uint8_t *xml, size_t len,
                                         const mcsec_strlist_t *names,
                                         const mcsec_strlist_t *keep_domains,
                                         mcsec_topo_direction_t direction, uint8_t **out,
                                         size_t *out_len, mcsec_topo_error_t *err);

/* The same for a SIP body of type content_type (the header value, NUL
 * terminated): an mcptt-info body as above; a multipart/mixed body part by
 * part, every part of type mcptt-info rewritten as above and everything
 * else (preamble, delimiters, part headers, the other parts, epilogue)
 * copied octet for octet; any other type is left alone (*out NULL).
 * Multipart bodies are split like SPK bodies (xmlprot's splitter: CRLF,
 * at most MCSEC_XMLPROT_MAX_PARTS parts, no nesting); a body it refuses,
 * or a rewritten part that would contain the boundary delimiter, is
 * MCSEC_ERR_PARSE. Other results as mcsec_topo_hide_xml_elements. */
mcsec_err_t mcsec_topo_hide_body_elements(mcsec_topo_t *topo, const char *content_type,
                                          const uint8_t *body, size_t len,
                                          const mcsec_strlist_t *names,
                                          const mcsec_strlist_t *keep_domains,
                                          mcsec_topo_direction_t direction, uint8_t **out,
                                          size_t *out_len, mcsec_topo_error_t *err);

/* ---- Refer-To and Replaces ---------------------------------------------- */

/* What decides whether a Call-ID or URI named in Refer-To/Replaces is ours
 * on egress: the partner's domains (URIs and Call-ID hosts there are the
 * partner's and stay) and its topology.tokenize_callid (every Call-ID, not
 * only those with a host, names one of our dialogs). */
typedef struct {
    const mcsec_strlist_t *keep_domains; /* NULL = none */
    bool tokenize_callid;
} mcsec_topo_refer_rule_t;

/* Egress: a Replaces header value (RFC 3891: callid *(;param)). The
 * Call-ID becomes the token mcsec_topo_hide_callid() gives (the token the
 * dialog carries on the partner side when we started it) unless it is
 * already one of our tokens, has no host and tokenize_callid is off, or
 * its host (after the last '@') is one of keep_domains; parameters stay.
 * *changed tells whether anything was replaced (out then holds the whole
 * new value; when false out holds a copy). A short buffer gives
 * MCSEC_ERR_ARG with *out_len the size needed; an empty Call-ID
 * MCSEC_ERR_PARSE. */
mcsec_err_t mcsec_topo_hide_replaces(mcsec_topo_t *topo, mcsec_str_t replaces,
                                     const mcsec_topo_refer_rule_t *rule, char *out,
                                     size_t out_size, size_t *out_len, bool *changed);

/* Ingress: a Replaces value whose Call-ID is one of our tokens
 * (mcsec_topo_callid_is_token) gets the original Call-ID back; other
 * values are copied (*changed false). out_size >= replaces.len always
 * suffices. A token that does not decode is MCSEC_ERR_INVALID with
 * topo.bad_token. */
mcsec_err_t mcsec_topo_restore_replaces(mcsec_topo_t *topo, mcsec_str_t replaces, char *out,
                                        size_t out_size, size_t *out_len, bool *changed,
                                        mcsec_topo_error_t *err);

/* Egress: a Refer-To header value (name-addr or addr-spec, then header
 * parameters). A sip/sips target URI that topo_uri rules do not keep
 * (tokenized-by= present, host in rule->keep_domains) becomes
 * "<sip[s]:<token>@<host>;tokenized-by=<host>" with a dialog-independent
 * token (kind "element": the partner sends it back as the request-URI of a
 * new dialog) of the URI without its headers part; the headers part
 * ("?h=v&...") stays after it, with the Call-ID of an embedded Replaces
 * header (URI-escaped) hidden by the mcsec_topo_hide_replaces() rule and
 * escaped again. Other URIs (tel:, the partner's) keep their text. Output
 * conventions as mcsec_topo_hide_replaces; MCSEC_ERR_PARSE when no URI is
 * found. */
mcsec_err_t mcsec_topo_hide_refer_to(mcsec_topo_t *topo, mcsec_str_t refer_to,
                                     const mcsec_topo_refer_rule_t *rule, char *out,
                                     size_t out_size, size_t *out_len, bool *changed);

/* Ingress: a Refer-To value whose target is one of our token URIs gets the
 * URI back: a Contact token of the dialog named by the embedded Replaces
 * (its Call-ID as the partner sent it), else of the REFER's own dialog
 * (callid), else a dialog-independent token. An embedded Replaces whose
 * Call-ID is our token is restored (and escaped) as well. Other values are
 * copied (*changed false). A short buffer gives MCSEC_ERR_ARG with
 * *out_len the size needed; a token that does not decode is
 * MCSEC_ERR_INVALID with topo.bad_token. */
mcsec_err_t mcsec_topo_restore_refer_to(mcsec_topo_t *topo, mcsec_str_t refer_to,
                                        mcsec_str_t callid, char *out, size_t out_size,
                                        size_t *out_len, bool *changed, mcsec_topo_error_t *err);

/* ---- dialog tokens (issue 14, docs/ear.md "In-dialog or not") ---------- */

/* The Record-Route parameter that carries a dialog token. */
#define MCSEC_TOPO_DIALOG_PARAM "mcsec-dlg"

/* Whether a request is in a dialog that passed the border is decided by
 * something only the border can make, never by the To-tag the sender
 * controls: the border adds a dialog token to its own Record-Route of every
 * initial request it passes; an in-dialog request carries it back in its
 * top Route. The token (kind "dialog", associated data the Call-ID as the
 * border sees it in its request route) holds the partner's name and the
 * From-tag of the initial request:
 * value = partner || NUL || from_tag. */

/* Token for the dialog with this Call-ID (1..MCSEC_TOPO_MAX_VALUE octets),
 * partner name (1..255 octets, no NUL) and initial From-tag (may be
 * empty). Output conventions as mcsec_topo_token_encode. */
mcsec_err_t mcsec_topo_dialog_token(mcsec_topo_t *topo, mcsec_str_t callid, mcsec_str_t partner,
                                    mcsec_str_t from_tag, char *out, size_t out_size,
                                    size_t *out_len);

/* Whether token proves that the in-dialog request with this Call-ID, From
 * tag and To tag belongs to a dialog of partner that passed the border: the
 * token authenticates under a key that still decodes, for this Call-ID, and
 * names this partner, and its From-tag is one of the request's two tags (the
 * callee's requests swap From and To). False for anything else, an empty
 * token or Call-ID included. */
bool mcsec_topo_dialog_check(mcsec_topo_t *topo, mcsec_str_t token, mcsec_str_t callid,
                             mcsec_str_t partner, mcsec_str_t from_tag, mcsec_str_t to_tag);

#endif
