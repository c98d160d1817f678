/* What goes back to the client: our own error pages, or the next hop's
 * response rebuilt from an allow-list with internal host names rewritten.
 * Nothing of a next hop's message is copied through as it came. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "respond.h"

bool httpd_shows_reason(const httpd_gen_t *gen, int partner_index, bool outbound)
{
    if (outbound)
        return true; /* our own servers, on the inside listener */
    /* The partner index of an outside request is the client certificate's
     * (-1: no partner, who learns nothing, as SIP tells a stranger
     * nothing); then the partner's own choice, as for SIP Warning. */
    return gen && partner_index >= 0 && (size_t)partner_index < gen->policy->partner_count &&
           gen->policy->partners[partner_index].sip.warning_reason;
}

enum MHD_Result httpd_respond_error(struct MHD_Connection *connection, mcsec_reason_t reason,
                                    bool close, bool show)
{
    char page[256];
    int status = mcsec_reason_http_status(reason);
    int n = show ? snprintf(page, sizeof(page), "%d %s\n", status, mcsec_reason_code(reason))
                 : snprintf(page, sizeof(page), "%d\n", status);
    struct MHD_Response *response =
        MHD_create_response_from_buffer((size_t)n, page, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    if (show)
        MHD_add_response_header(response, "X-Mcsec-Reason", mcsec_reason_code(reason));
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    if (reason == MCSEC_REASON_LOAD_PARTNER_LIMIT) /* RFC 9110 10.2.3 */
        MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    if (close)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result rc = MHD_queue_response(connection, (unsigned)status, response);
    MHD_destroy_response(response);
    return rc;
}

/* Value of the first field called name in the job's response. */
static const char *field_value(const fwd_job_t *job, const char *name)
{
    for (size_t i = 0; i < job->field_count; i++)
        if (strcasecmp(job->fields[i].name, name) == 0)
            return job->fields[i].value;
    return NULL;
}

/* Rewrites internal hosts in text for the partner side; NULL = no memory. */
static char *rewrite(const httpd_gen_t *gen, const char *text, size_t len, size_t *out_len)
{
    char *out = NULL;
    size_t n = 0;
    const char *public_host = gen->policy->system.http.public_host;
    if (mcsec_http_rewrite_hosts((mcsec_str_t){text, len}, gen->internal_hosts, gen->internal_count,
                                 public_host ? public_host : "", &out, &n, NULL) != MCSEC_OK)
        return NULL;
    if (out_len)
        *out_len = n;
    return out;
}

mcsec_reason_t httpd_hidden_host_left(const httpd_gen_t *gen, const char *text, size_t len)
{
    bool found = false;
    if (mcsec_http_names_internal_host((mcsec_str_t){text, len}, gen->internal_hosts,
                                       gen->internal_count, &found) != MCSEC_OK)
        return MCSEC_REASON_LOAD_PARTNER_LIMIT; /* out of memory: not relayed */
    return found ? MCSEC_REASON_HTTP_INTERNAL_HOST : MCSEC_REASON_NONE;
}

/* Adds the relayed response fields (allow-listed; towards a partner every
 * value rewritten and checked like the body). */
static mcsec_reason_t add_fields(struct MHD_Response *response, const fwd_job_t *job, bool hide,
                                 bool typeless)
{
    for (size_t i = 0; i < job->field_count; i++) {
        const httpd_field_t *field = &job->fields[i];
        mcsec_str_t name = {field->name, strlen(field->name)};
        if (!mcsec_http_header_allowed(name, MCSEC_HTTP_RESPONSE_HEADERS, NULL))
            continue;
        if (typeless && strcasecmp(field->name, "Content-Type") == 0)
            continue;
        if (!hide) {
            MHD_add_response_header(response, field->name, field->value);
            continue;
        }
        size_t len = 0;
        char *value = rewrite(job->gen, field->value, strlen(field->value), &len);
        if (!value)
            return MCSEC_REASON_LOAD_PARTNER_LIMIT;
        mcsec_reason_t left = httpd_hidden_host_left(job->gen, value, len);
        if (left == MCSEC_REASON_NONE)
            MHD_add_response_header(response, field->name, value);
        free(value);
        if (left != MCSEC_REASON_NONE)
            return left;
    }
    return MCSEC_REASON_NONE;
}

enum MHD_Result httpd_respond_relay(struct MHD_Connection *connection, const fwd_job_t *job,
                                    mcsec_reason_t *refused)
{
    const httpd_gen_t *gen = job->gen;
    *refused = MCSEC_REASON_NONE;
    /* Towards a partner (inbound requests) we hide our topology: every
     * internal host name in the fields and the body is rewritten (XML
     * bodies), and what is left in a form the rewrite cannot reach
     * (escaped, a subdomain, an entity) refuses the answer. Towards our own
     * servers (outbound) the partner's answer is only rebuilt. */
    bool hide = !job->outbound;
    const char *type = field_value(job, "Content-Type");
    mcsec_str_t type_view = {type ? type : "", type ? strlen(type) : 0};
    bool xml = mcsec_http_rewritable_type(type_view);
    char *body = NULL;
    size_t body_len = job->body_len;
    if (hide && xml) {
        body = rewrite(gen, job->body ? job->body : "", job->body_len, &body_len);
        if (!body) {
            *refused = MCSEC_REASON_LOAD_PARTNER_LIMIT;
            return MHD_YES;
        }
    } else if (job->status < 400 || xml) {
        body = job->body_len ? job->body : NULL;
    } else {
        body_len = 0; /* a next hop's error page is not ours to show */
    }
    bool dropped = body_len == 0 && !body && job->status >= 400; /* no type either */
    if (hide && body_len > 0)
        *refused = httpd_hidden_host_left(gen, body, body_len);
    struct MHD_Response *response = NULL;
    if (*refused == MCSEC_REASON_NONE) {
        response = MHD_create_response_from_buffer(
            body_len, body ? body : (char *)"",
            body && body != job->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
        if (response && body != job->body)
            body = NULL; /* the response owns it */
    }
    if (body && body != job->body)
        free(body);
    if (*refused != MCSEC_REASON_NONE)
        return MHD_YES;
    if (!response)
        return MHD_NO;
    *refused = add_fields(response, job, hide, dropped);
    enum MHD_Result rc = MHD_YES;
    if (*refused == MCSEC_REASON_NONE)
        rc = MHD_queue_response(connection, (unsigned)job->status, response);
    MHD_destroy_response(response);
    return rc;
}
