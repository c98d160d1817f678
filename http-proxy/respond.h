/* mcsec-httpd: what goes back to the client (respond.c): our own error
 * pages, or a finished job's answer rebuilt from an allow-list with
 * internal host names rewritten. Below: forward.h, httpd.h. */
#ifndef MCSEC_HTTPD_RESPOND_H
#define MCSEC_HTTPD_RESPOND_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "forward.h"
#include "httpd.h"

/* Queues our error page for reason (status from the reason table,
 * Connection: close when close). Only with show do the page and the
 * X-Mcsec-Reason header name the reason code (httpd_shows_reason);
 * otherwise the page is the bare status. */
enum MHD_Result httpd_respond_error(struct MHD_Connection *connection, mcsec_reason_t reason,
                                    bool close, bool show);

/* Whether the client of a request may learn our reason codes, by the rule
 * the SIP side follows (docs/http-proxy.md): on the outside listener
 * (outbound false) only a partner (partner_index: its client certificate
 * matched, in gen) whose sip.warning_reason is on; on the inside listener
 * (outbound) our own servers always. */
bool httpd_shows_reason(const httpd_gen_t *gen, int partner_index, bool outbound);

/* Queues the relayed response of a finished job, rebuilt (allow-listed
 * headers; towards a partner internal hosts rewritten in every field and
 * XML body, with the job's generation). When an internal host is left in a
 * form the rewrite cannot reach (http.internal_host) or memory runs out
 * (load.partner_limit), nothing is queued and *refused says why: the caller
 * answers. */
enum MHD_Result httpd_respond_relay(struct MHD_Connection *connection, const fwd_job_t *job,
                                    mcsec_reason_t *refused);

/* http.internal_host when text still names an internal host once decoded
 * (mcsec_http_names_internal_host), load.partner_limit when out of memory,
 * else MCSEC_REASON_NONE. */
mcsec_reason_t httpd_hidden_host_left(const httpd_gen_t *gen, const char *text, size_t len);

#endif
