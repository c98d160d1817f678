/* What goes back to the client: our own error pages, or the next hop's
 * response rebuilt from an allow-list with internal host names rewritten.
 * Nothing of a next hop's message is copied through as it came. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "httpd.h"

enum MHD_Result httpd_respond_error(struct MHD_Connection *connection, mcsec_reason_t reason,
                                    bool close)
{
    char page[256];
    int status = mcsec_reason_http_status(reason);
    int n = snprintf(page, sizeof(page), "%d %s\n", status, mcsec_reason_code(reason));
    struct MHD_Response *response =
        MHD_create_response_from_buffer((size_t)n, page, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, "X-Mcsec-Reason", mcsec_reason_code(reason));
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
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

enum MHD_Result httpd_respond_relay(struct MHD_Connection *connection, httpd_req_t *req)
{
    fwd_job_t *job = req->job;
    httpd_gen_t *gen = req->gen;
    /* Towards a partner (inbound requests) we hide our topology; towards
     * our own servers (outbound) the partner's answer is only rebuilt. */
    bool hide = !job->outbound;
    const char *type = field_value(job, "Content-Type");
    mcsec_str_t type_view = {type ? type : "", type ? strlen(type) : 0};
    char *body = NULL;
    size_t body_len = job->body_len;
    if (hide && mcsec_http_rewritable_type(type_view))
        body = rewrite(gen, job->body ? job->body : "", job->body_len, &body_len);
    else if (job->status < 400 || mcsec_http_rewritable_type(type_view))
        body = job->body_len ? job->body : NULL;
    else
        body_len = 0; /* a next hop's error page is not ours to show */
    if (hide && mcsec_http_rewritable_type(type_view) && !body)
        return httpd_respond_error(connection, MCSEC_REASON_HTTP_UPSTREAM_ERROR, true);
    struct MHD_Response *response = MHD_create_response_from_buffer(
        body_len, body ? body : (char *)"",
        body && body != job->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
    if (!response) {
        if (body != job->body)
            free(body);
        return MHD_NO;
    }
    for (size_t i = 0; i < job->field_count; i++) {
        const httpd_field_t *field = &job->fields[i];
        mcsec_str_t name = {field->name, strlen(field->name)};
        if (!mcsec_http_header_allowed(name, MCSEC_HTTP_RESPONSE_HEADERS, NULL))
            continue;
        if (body_len == 0 && !body && strcasecmp(field->name, "Content-Type") == 0 &&
            job->status >= 400)
            continue;
        bool uri = strcasecmp(field->name, "Location") == 0 ||
                   strcasecmp(field->name, "Content-Location") == 0;
        if (hide && uri) {
            char *value = rewrite(gen, field->value, strlen(field->value), NULL);
            if (value)
                MHD_add_response_header(response, field->name, value);
            free(value);
        } else {
            MHD_add_response_header(response, field->name, field->value);
        }
    }
    enum MHD_Result rc = MHD_queue_response(connection, (unsigned)job->status, response);
    MHD_destroy_response(response);
    return rc;
}
