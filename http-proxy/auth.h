/* mcsec-httpd: the EAR (explicit authentication) and GMK transfer stages
 * of a request or an answer (auth.c; docs/http-proxy.md, docs/ear.md,
 * docs/gmk.md). They read the generation the request started with and the
 * context's replay caches, both passed in. Below: httpd.h only. */
#ifndef MCSEC_HTTPD_AUTH_H
#define MCSEC_HTTPD_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "httpd.h"

/* Default name of the header carrying the EAR (partner ear.header). */
const char *httpd_ear_header_name(const mcsec_partner_t *partner);

/* EAR of a request from (inbound) or to (outbound) an explicit partner.
 * value/len: the first EAR header field (NULL when none), count: how many
 * there were; host: the request's Host field (inbound); asserted_ids: the
 * X-3GPP-Asserted-Identity fields, one of which the EAR's source ID must
 * be unless the sending border signed it (ear.source_mismatch). The target is the
 * HTTP-3 profile's (docs/ear.md): an https origin. Inbound: verified under
 * the partner's KMS, target "https://<Host>" with the host ours
 * (system.domains or system.http.public_host), recorded in the EAR replay
 * cache (ctx->ear_replay). Outbound: an EAR of our server is verified under
 * our KMS, target "https://<partner http.peer_name>", not recorded; without
 * one, *sign is set when the partner's ear.sign_on_behalf lets the border
 * sign (httpd_ear_sign), else ear.missing. *seen (zeroed by the caller)
 * gets what was verified of the EAR, for the body identity migration rule.
 * Returns MCSEC_REASON_NONE to pass. */
mcsec_reason_t httpd_ear_check(httpd_ctx_t *ctx, const httpd_gen_t *gen, int partner_index,
                               bool outbound, mcsec_str_t host, const mcsec_str_t *asserted_ids,
                               size_t asserted_id_count, const char *value, size_t len,
                               size_t count, bool *sign, mcsec_bodyid_ear_t *seen, char *detail,
                               size_t detail_size);

/* Signs an EAR as the border (sign_on_behalf) for a request to the partner
 * and writes the header value (at least MCSEC_EAR_HEADER_MAX octets). */
mcsec_reason_t httpd_ear_sign(const httpd_gen_t *gen, int partner_index, char *out, size_t out_size,
                              char *detail, size_t detail_size);

/* GMK transfer stage for one body (request or response) per the partner's
 * gmk.transfer: from_partner tells which way the body travels (partner to
 * us: the partner's GMS signs for ours), push whether freshness and replay
 * (ctx->gmk_replay) apply (PUT, POST, PATCH requests). */
mcsec_reason_t httpd_gmk_check(httpd_ctx_t *ctx, const httpd_gen_t *gen, int partner_index,
                               bool from_partner, bool push, const char *content_type,
                               const char *body, size_t len, char *detail, size_t detail_size);

/* Identities inside a request body (mcsec/bodyid/bodyid.h), the rule
 * mcsec.so applies after its SPK stage: from (inbound) or to (outbound) the
 * partner, with what the EAR stage verified (ear). HTTP-3 names no group
 * for the request. answer: the body of an answer (either way), judged by
 * the reply rule (ours or the partner's; ear unused). */
mcsec_reason_t httpd_bodyid_check(const httpd_gen_t *gen, int partner_index, bool outbound,
                                  bool answer, const mcsec_bodyid_ear_t *ear,
                                  const char *content_type, const char *body, size_t len,
                                  char *detail, size_t detail_size);

#endif
