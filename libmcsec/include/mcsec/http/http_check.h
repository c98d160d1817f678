/* The HTTP-3 border checks (mcsec-httpd): framing of the raw byte stream,
 * the request target, the parsed header list, the partner's policy in both
 * directions, and the topology-hiding rebuild of headers and bodies.
 *
 * Contract: like check.h, every function reads only the views it is given
 * (pointer + length, never past the length, no NUL terminator needed),
 * keeps no state between calls except in the caller-owned scanner, and
 * answers with a reason code (MCSEC_REASON_NONE to pass). Only the rewrite
 * allocates, and says who frees. No libmicrohttpd or libcurl types: the
 * proxy adapts its server's view of a request into these structs. */
#ifndef MCSEC_HTTP_CHECK_H
#define MCSEC_HTTP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/sip/check.h"
#include "mcsec/policy/policy.h"
#include "mcsec/util/reason.h"
#include "mcsec/util/status.h"

/* Header carrying the asserted identity (as P-Asserted-Identity in SIP). */
#define MCSEC_HTTP_IDENTITY_HEADER "X-3GPP-Asserted-Identity"
/* The identity a client intends to act as (TS 24.482): judged by the same
 * rule as the asserted identity when present (docs/http-proxy.md). */
#define MCSEC_HTTP_INTENDED_HEADER "X-3GPP-Intended-Identity"

/* ---- framing of the raw stream ---------------------------------------- */

/* Incremental scanner of an HTTP/1.x request stream (request line, header
 * lines, Content-Length or chunked body, next request ...). It judges the
 * octets exactly as they arrived, before any server parser touched them.
 * Plain data, no allocation; zero it with mcsec_http_framing_init. */
typedef struct {
    int state;
    mcsec_reason_t verdict;   /* first violation; sticky */
    size_t head_bytes;        /* octets of the current request head so far */
    size_t max_head_bytes;    /* limit for one request head */
    uint64_t remaining;       /* body or chunk octets still to come */
    unsigned chunk_digits;    /* hex digits of the current chunk size */
    unsigned content_lengths; /* Content-Length fields in this head */
    bool transfer_encoding;   /* a Transfer-Encoding field in this head */
    bool te_chunked;          /* ... whose whole value is "chunked" */
    bool in_trailer;          /* parsing the trailer section of a chunked body */
    bool cl_overflow;
    uint64_t content_length;
    char name[32]; /* lower-cased start of the current field name */
    size_t name_len;
    char value[16]; /* lower-cased, trimmed start of a TE value */
    size_t value_len;
    bool value_long;
    size_t requests; /* request heads completed */
} mcsec_http_framing_t;

/* Starts a stream; max_head_bytes bounds one request line + headers. */
void mcsec_http_framing_init(mcsec_http_framing_t *scan, size_t max_head_bytes);

/* Feeds the next n octets of the stream. Returns MCSEC_REASON_NONE while
 * it is well framed, else the first violation (sticky, later octets are
 * ignored):
 *   http.bad_framing   bare CR or LF, NUL or other control octet in a line,
 *                      obs-fold, header name not a token, malformed request
 *                      line or chunk, Content-Length with Transfer-Encoding,
 *                      more than one Content-Length, bad Content-Length
 *   http.unsupported_encoding  Transfer-Encoding other than "chunked"
 *   http.headers_too_large     head longer than max_head_bytes
 *   http.bad_target   control octet or space in the request target */
mcsec_reason_t mcsec_http_framing_feed(mcsec_http_framing_t *scan, const uint8_t *p, size_t n);

/* ---- the request target ------------------------------------------------- */

/* Checks the raw request target (as received, before any unescaping):
 * origin-form only ('/' first: absolute-form, authority-form and '*' are
 * refused), printable ASCII, no '\', no fragment, %-escapes well formed and
 * never encoding '.', '/', '\', '%' or a control octet, no "//" and no dot
 * segment in the path. On success *path (may be NULL) is the path part
 * before any '?'. Returns MCSEC_REASON_NONE or http.bad_target. */
mcsec_reason_t mcsec_http_check_target(mcsec_str_t target, mcsec_str_t *path);

/* ---- the parsed header list ---------------------------------------------- */

typedef struct {
    mcsec_str_t name;
    mcsec_str_t value;
} mcsec_http_header_t;

/* The same framing rules on a parsed header list (for servers whose raw
 * stream is not visible): names are tokens, values hold no CR, LF, NUL or
 * other control octet, at most one Content-Length (digits only), no
 * Content-Length with Transfer-Encoding, Transfer-Encoding only "chunked".
 * Returns the first violation or MCSEC_REASON_NONE. */
mcsec_reason_t mcsec_http_check_headers(const mcsec_http_header_t *headers, size_t count);

/* ---- the partner's policy ------------------------------------------------ */

typedef struct {
    mcsec_str_t method;
    mcsec_str_t path; /* from mcsec_http_check_target */
    mcsec_str_t host; /* Host header (egress: selects the partner); may be empty */
    /* Each X-3GPP-Asserted-Identity value: URIs, quoted or in <...>, comma
     * separated; at most one sip/sips URI counts. */
    const mcsec_str_t *asserted_ids;
    size_t asserted_id_count; /* every field: more than MCSEC_MAX_ASSERTED_IDS refused */
    /* Each X-3GPP-Intended-Identity value, the same way (optional). */
    const mcsec_str_t *intended_ids;
    size_t intended_id_count;
    mcsec_str_t content_type; /* len 0 when absent */
    size_t body_len;          /* declared Content-Length or octets received */
    bool has_body;            /* Content-Length > 0 or Transfer-Encoding (chunked) */
    size_t header_bytes;      /* request line + header fields as received */
} mcsec_http_request_t;

/* Request from the partner at partner_index (the one whose CA and HTTP
 * proxy name its TLS client certificate matched; -1 when none matched).
 * Order: partner (src.not_partner), header size (http.headers_too_large),
 * method (http.method_denied), path prefix (http.path_denied), identity
 * (src.no_identity, src.internal_id_spoof, src.foreign_id, sip.malformed:
 * more than MCSEC_MAX_ASSERTED_IDS fields too), intended identity when
 * present (the same codes), content type (http.content_type_denied: also a
 * body without a type, whatever its framing), body size
 * (http.body_too_large). */
void mcsec_check_http_ingress(const mcsec_policy_t *policy, int partner_index,
                              const mcsec_http_request_t *req, mcsec_verdict_t *verdict);

/* Request from our inside towards a partner: the Host (without port) must
 * be in the domains of a partner with an http section (dst.not_partner),
 * then the same rules as that partner accepts them, with the identity in
 * our own domains (src.no_identity, src.not_internal). */
void mcsec_check_http_egress(const mcsec_policy_t *policy, const mcsec_http_request_t *req,
                             mcsec_verdict_t *verdict);

/* The upstream entry of partner whose prefix is the longest prefix of
 * path; NULL when none. */
const mcsec_http_upstream_t *mcsec_http_upstream_for(const mcsec_partner_t *partner,
                                                     mcsec_str_t path);

/* ---- bodies the border checks -------------------------------------------- */

/* Content-Encoding field values (count fields; each a comma-separated list
 * of codings): any coding other than "identity" is
 * http.unsupported_encoding, since a coded body is opaque to the body
 * checks (GKTP, internal host names). */
mcsec_reason_t mcsec_http_check_content_encoding(const mcsec_str_t *values, size_t count);

/* The text encoding of a body, walked with the MIME walker of both
 * proxies (mcsec/mime/mime.h, docs/mime.md: nesting limit, duplicate part
 * fields and Content-IDs, part encodings refused): a charset parameter
 * (any media type, every part) must be utf-8 and given once; every leaf
 * read as XML (mcsec_mime_reads_as_xml) must pass mcsec_mime_xml_not_utf8;
 * a multipart body must be strict UTF-8 without NUL as a whole. Otherwise
 * http.content_type_denied with a short detail (may be NULL). An empty
 * content_type passes (nothing to judge by; the request rules refuse a
 * typeless body). */
mcsec_reason_t mcsec_http_check_body_text(mcsec_str_t content_type, const uint8_t *body, size_t len,
                                          char *detail, size_t detail_size);

/* The partner's content-type allow-list (partner.http.content_types) on
 * every part of a body: the same rule as the SIP check's
 * (docs/policy-reference.md), one libmcsec function for both. The body is
 * walked with the MIME walker; every nested container and every leaf must
 * be on the list, a part without Content-Type counting as text/plain (RFC
 * 2046 5.1). The body's own type is judged from its header by the request
 * rules (mcsec_check_http_ingress/egress). Otherwise
 * http.content_type_denied with a short detail (may be NULL): the refused
 * part's type, or why the walker refused the body. An empty content_type
 * or an empty body passes (nothing to walk; the request rules refuse a
 * typeless body). */
mcsec_reason_t mcsec_http_check_body_types(const mcsec_partner_t *partner, mcsec_str_t content_type,
                                           const uint8_t *body, size_t len, char *detail,
                                           size_t detail_size);

/* An answer relayed between a partner and our servers, either way (the
 * partner's answer to our request, or our server's answer to the
 * partner's): a body must have a type on the partner's
 * http.content_types, at most its http.max_body octets, and every part on
 * the list (mcsec_http_check_body_types). A body-less answer passes.
 * Otherwise http.content_type_denied or http.body_too_large with a short
 * detail (may be NULL). The proxy answers a refused one with 502
 * http.upstream_error (docs/http-proxy.md "Answers"). */
mcsec_reason_t mcsec_http_check_answer(const mcsec_partner_t *partner, mcsec_str_t content_type,
                                       const uint8_t *body, size_t len, char *detail,
                                       size_t detail_size);

/* ---- topology hiding ------------------------------------------------------ */

typedef enum {
    MCSEC_HTTP_REQUEST_HEADERS = 0,  /* copied from a request we forward */
    MCSEC_HTTP_RESPONSE_HEADERS = 1, /* copied from a response we relay */
} mcsec_http_header_set_t;

/* True when a header of this name may be copied into the rebuilt message
 * (case-insensitive allow-list). Framing (Content-Length,
 * Transfer-Encoding, Connection, ...) and leaking headers (Server, Via,
 * X-Powered-By, Forwarded, X-Forwarded-*, User-Agent, ...) never are;
 * extra (may be NULL) names one more allowed request header (the EAR). */
bool mcsec_http_header_allowed(mcsec_str_t name, mcsec_http_header_set_t set, const char *extra);

/* True for content types whose body is rewritten (XML: application/xml,
 * text/xml, any +xml; parameters ignored). */
bool mcsec_http_rewritable_type(mcsec_str_t content_type);

/* Replaces every internal host name of text with public_host: an entry of
 * internal_hosts ("host" or "host:port"; compared by its host part,
 * case-insensitive; an IPv6 entry "[a::b]" also matches "a::b") wherever
 * it stands as a whole name (not inside a longer host name), with a ":port"
 * after it, in "//host" authorities, "user@host" URIs, attributes or bare
 * text; "http://host" becomes "https://public_host". Writes a malloc'd copy
 * to *out (the caller frees it; NUL terminated) and its length to
 * *out_len; *changed (may be NULL) tells whether anything was replaced.
 * MCSEC_ERR_NOMEM or MCSEC_ERR_ARG (bad arguments). */
mcsec_err_t mcsec_http_rewrite_hosts(mcsec_str_t text, const char *const *internal_hosts,
                                     size_t internal_count, const char *public_host, char **out,
                                     size_t *out_len, bool *changed);

/* What the rewrite cannot reach: sets *found when text names an internal
 * host once percent-escapes (%67ms), XML character references (&#x2e;) and
 * JSON/ECMAScript escapes (\u002e, \/) are decoded, or holds an XML
 * document type declaration (whose entities could spell one). Run it on
 * the rewritten text: a hit is refused, never relayed. MCSEC_ERR_NOMEM or
 * MCSEC_ERR_ARG. */
mcsec_err_t mcsec_http_names_internal_host(mcsec_str_t text, const char *const *internal_hosts,
                                           size_t internal_count, bool *found);

#endif
