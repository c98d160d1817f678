/* The access handler: one request from headers to answer.
 *
 * First call (headers in): the partner behind the client certificate, the
 * raw stream's framing verdict, the parsed header list, the raw target,
 * then the policy (libmcsec). A rejection is answered at once (and the
 * connection closed for framing and target problems). Body calls: the
 * body is buffered up to the partner's max_body. Last call: the request is
 * rebuilt as a job for this worker's libcurl multi and the connection
 * suspended; the call after the resume relays the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/socket.h>

#include <curl/curl.h>

#include "auth.h"
#include "request.h"
#include "respond.h"
#include "tls.h"

#include "httpd.h"
#include "mcsec/ear/ear.h"
#include "mcsec/obs/prom.h"

#define MAX_FIELDS 100

typedef struct {
    mcsec_http_header_t fields[MAX_FIELDS];
    size_t count;
    bool too_many;
} field_list_t;

static enum MHD_Result collect_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    field_list_t *list = cls;
    (void)kind;
    if (list->count == MAX_FIELDS) {
        list->too_many = true;
        return MHD_NO;
    }
    list->fields[list->count].name = (mcsec_str_t){key, key_size};
    list->fields[list->count].value = (mcsec_str_t){value ? value : "", value ? value_size : 0};
    list->count++;
    return MHD_YES;
}

static bool is(mcsec_str_t text, const char *word)
{
    size_t n = strlen(word);
    return text.len == n && strncasecmp(text.ptr, word, n) == 0;
}

void httpd_req_free(httpd_req_t *req)
{
    if (!req)
        return;
    httpd_job_free(req->job);
    httpd_gen_unref(req->gen);
    free(req->raw_target);
    free(req->body);
    free(req->method);
    free(req->path);
    free(req);
}

void httpd_req_log(httpd_ctx_t *ctx, const httpd_req_t *req, mcsec_reason_t reason, int status,
                   const char *detail)
{
    const char *partner = NULL;
    if (req->gen && req->partner_index >= 0 &&
        (size_t)req->partner_index < req->gen->policy->partner_count)
        partner = req->gen->policy->partners[req->partner_index].name;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double seconds =
        (double)(now.tv_sec - req->t0.tv_sec) + (double)(now.tv_nsec - req->t0.tv_nsec) / 1e9;
    httpd_stats_count(&ctx->stats, partner, reason, req->outbound, req->method,
                      req->t0.tv_sec ? seconds : -1);
    bool passed = reason == MCSEC_REASON_NONE;
    mcsec_logline_t line;
    httpd_line_start(ctx, &line, passed ? "passed" : "refused");
    if (!passed)
        mcsec_logline_str(&line, "reason", mcsec_reason_code(reason));
    mcsec_logline_str(&line, "partner", partner ? partner : "");
    mcsec_logline_str(&line, "direction", req->outbound ? "out" : "in");
    mcsec_logline_str(&line, "method", req->method ? req->method : "");
    mcsec_logline_int(&line, "status", status);
    mcsec_logline_str(&line, "peer", req->conn->peer);
    mcsec_logline_strn(&line, "target", req->raw_target ? req->raw_target : "",
                       req->raw_target ? strnlen(req->raw_target, 200) : 0);
    if (!passed)
        mcsec_logline_str(&line, "detail", detail ? detail : "");
    httpd_line_emit(ctx, passed ? MCSEC_LOG_INFO : MCSEC_LOG_NOTICE, &line);
}

/* Whether the client of req may learn our reason codes (respond.h). */
static bool shows_reason(const httpd_req_t *req)
{
    return httpd_shows_reason(req->gen, req->partner_index, req->outbound);
}

/* Answers with our error page now; framing-level problems close. */
static enum MHD_Result reject(httpd_ctx_t *ctx, struct MHD_Connection *connection, httpd_req_t *req,
                              mcsec_reason_t reason, const char *detail)
{
    bool close =
        reason == MCSEC_REASON_HTTP_BAD_FRAMING ||
        reason == MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING ||
        reason == MCSEC_REASON_HTTP_BAD_TARGET || reason == MCSEC_REASON_HTTP_HEADERS_TOO_LARGE ||
        reason == MCSEC_REASON_SRC_NOT_PARTNER || reason == MCSEC_REASON_SRC_NOT_INTERNAL_PEER ||
        reason == MCSEC_REASON_LOAD_PARTNER_LIMIT || reason == MCSEC_REASON_HTTP_BODY_TOO_LARGE;
    req->answered = true;
    req->rejected = true;
    httpd_req_log(ctx, req, reason, mcsec_reason_http_status(reason), detail);
    /* A stranger on the inside learns nothing, as one on the outside. */
    bool show = shows_reason(req) && reason != MCSEC_REASON_SRC_NOT_INTERNAL_PEER;
    return httpd_respond_error(connection, reason, close, show);
}

/* The client certificate of an outside connection, looked at when the
 * connection's first request starts, and again at the first request after
 * each reload: a kept-alive connection whose certificate the new
 * generation refuses (revoked by a new CRL, its CA gone, a stale CRL with
 * system.revocation.stale refuse) is no partner's any more, and its next
 * request is refused and the connection closed (docs/http-proxy.md,
 * "Revocation"). */
static void verify_peer(httpd_ctx_t *ctx, struct MHD_Connection *connection, httpd_conn_t *conn)
{
    httpd_gen_t *current = httpd_ctx_current(ctx);
    if (conn->verified && (current == conn->gen || conn->partner_index < 0)) {
        httpd_gen_unref(current);
        return;
    }
    bool again = conn->verified;
    if (conn->counted)
        atomic_fetch_sub(&conn->gen->partner_conns[conn->partner_index], 1);
    conn->counted = false;
    httpd_gen_unref(conn->gen);
    conn->verified = true;
    conn->gen = current;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    char detail[160];
    conn->partner_index = httpd_tls_partner_of(
        conn->gen, info ? (gnutls_session_t)info->tls_session : NULL, detail, sizeof(detail));
    if (conn->partner_index < 0) {
        httpd_log(ctx, again ? MCSEC_LOG_NOTICE : MCSEC_LOG_INFO, "peer %s: %s%s", conn->peer,
                  again ? "kept-alive connection refused after a reload: " : "", detail);
        return;
    }
    const mcsec_partner_t *partner = &conn->gen->policy->partners[conn->partner_index];
    unsigned now = atomic_fetch_add(&conn->gen->partner_conns[conn->partner_index], 1) + 1;
    conn->counted = true;
    conn->over_limit = now > partner->http.connection_limit;
}

bool httpd_conn_recheck(httpd_ctx_t *ctx, httpd_conn_t *conn)
{
    verify_peer(ctx, conn->connection, conn);
    return conn->partner_index >= 0;
}

/* Appends "Name: value" to the curl header list; false when out of memory. */
static bool add_header(struct curl_slist **list, mcsec_str_t name, const char *value,
                       size_t value_len)
{
    size_t size = name.len + value_len + 3;
    char *line = malloc(size);
    if (!line)
        return false;
    snprintf(line, size, "%.*s: %.*s", (int)name.len, name.ptr, (int)value_len, value);
    struct curl_slist *grown = curl_slist_append(*list, line);
    free(line);
    if (!grown)
        return false;
    *list = grown;
    return true;
}

/* Copies one allow-listed field into the job. Outbound, the value goes
 * out with internal host names rewritten, and one still naming an internal
 * host in a form the rewrite cannot reach refuses the request (*reason);
 * the EAR is signed as it is and never touched. */
static bool add_field(const httpd_req_t *req, struct curl_slist **list,
                      const mcsec_http_header_t *field, const char *ear, mcsec_reason_t *reason)
{
    if (!req->outbound || (ear && is(field->name, ear)))
        return add_header(list, field->name, field->value.ptr, field->value.len);
    const char *public_host = req->gen->policy->system.http.public_host;
    char *value = NULL;
    size_t len = 0;
    if (mcsec_http_rewrite_hosts(field->value, req->gen->internal_hosts, req->gen->internal_count,
                                 public_host ? public_host : "", &value, &len, NULL) != MCSEC_OK) {
        *reason = MCSEC_REASON_LOAD_PARTNER_LIMIT;
        return false;
    }
    *reason = httpd_hidden_host_left(req->gen, value, len);
    bool ok = *reason == MCSEC_REASON_NONE && add_header(list, field->name, value, len);
    free(value);
    return ok;
}

/* Rebuilds the request for the next hop: URL, allow-listed headers. NULL
 * with *reason set when a field is refused (outbound internal host), NULL
 * with MCSEC_REASON_NONE when out of memory. */
static fwd_job_t *make_job(httpd_req_t *req, const field_list_t *fields,
                           const mcsec_http_upstream_t *upstream, mcsec_reason_t *reason)
{
    *reason = MCSEC_REASON_NONE;
    const mcsec_partner_t *partner = &req->gen->policy->partners[req->partner_index];
    fwd_job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return NULL;
    job->resumed = req->conn->handler->resumed;
    job->gen = req->gen;
    job->partner_index = req->partner_index;
    job->outbound = req->outbound;
    job->method = req->method;
    job->timeout = (long)partner->http.timeout;
    size_t size = strlen(req->raw_target) + 512;
    job->url = malloc(size);
    bool ok = job->url != NULL;
    if (ok && !req->outbound) {
        snprintf(job->url, size, "%s%s", upstream->url, req->raw_target + strlen(upstream->prefix));
    } else if (ok) {
        const mcsec_addr_t *to = &partner->http_proxy;
        bool v6 = to->family == AF_INET6;
        snprintf(job->url, size, "https://%s:%u%s", partner->http.peer_name, to->port,
                 req->raw_target);
        job->connect_to = malloc(strlen(partner->http.peer_name) + 80);
        ok = job->connect_to != NULL;
        if (ok)
            sprintf(job->connect_to, "%s:%u:%s%s%s:%u", partner->http.peer_name, to->port,
                    v6 ? "[" : "", to->ip, v6 ? "]" : "", to->port);
    }
    const char *ear = partner->auth == MCSEC_AUTH_EXPLICIT ? httpd_ear_header_name(partner) : NULL;
    bool typed = false;
    for (size_t i = 0; ok && i < fields->count; i++) {
        const mcsec_http_header_t *field = &fields->fields[i];
        if (mcsec_http_header_allowed(field->name, MCSEC_HTTP_REQUEST_HEADERS, ear))
            ok = add_field(req, &job->headers, field, ear, reason);
        typed = typed || is(field->name, "Content-Type");
    }
    /* curl would add Expect: 100-continue for large bodies; no Accept
     * default either: only what the client sent. Nor a Content-Type of
     * its own: libcurl labels a body without one
     * application/x-www-form-urlencoded ("Content-Type:" with no value
     * turns that off; the policy check refuses a typed-less body anyway). */
    if (ok)
        ok = add_header(&job->headers, (mcsec_str_t){"Expect", 6}, "", 0);
    if (ok && !typed)
        ok = add_header(&job->headers, (mcsec_str_t){"Content-Type", 12}, "", 0);
    if (!ok) {
        httpd_job_free(job);
        return NULL;
    }
    return job;
}

/* The values of the fields called name, up to max: the caller gives one
 * more slot than MCSEC_MAX_ASSERTED_IDS so that libmcsec sees, and refuses,
 * a request with too many (one rule with the SIP side). */
static size_t identities(const field_list_t *fields, const char *name, mcsec_str_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < fields->count && n < max; i++)
        if (is(fields->fields[i].name, name))
            out[n++] = fields->fields[i].value;
    return n;
}

/* The EAR of a request to or from an explicit partner (auth.c); sets
 * req->ear_sign when the border is to sign on the way out. */
static mcsec_reason_t ear_stage(httpd_ctx_t *ctx, httpd_req_t *req, const field_list_t *fields,
                                const mcsec_http_request_t *http)
{
    const mcsec_partner_t *partner = &req->gen->policy->partners[req->partner_index];
    if (partner->auth != MCSEC_AUTH_EXPLICIT)
        return MCSEC_REASON_NONE;
    const char *name = httpd_ear_header_name(partner);
    const mcsec_http_header_t *first = NULL;
    size_t count = 0;
    for (size_t i = 0; i < fields->count; i++)
        if (is(fields->fields[i].name, name) && count++ == 0)
            first = &fields->fields[i];
    mcsec_str_t host = {"", 0};
    for (size_t i = 0; i < fields->count; i++)
        if (is(fields->fields[i].name, "Host"))
            host = fields->fields[i].value;
    return httpd_ear_check(ctx, req->gen, req->partner_index, req->outbound, host,
                           http->asserted_ids, http->asserted_id_count,
                           first ? first->value.ptr : NULL, first ? first->value.len : 0, count,
                           &req->ear_sign, &req->ear_seen, req->detail, sizeof(req->detail));
}

static enum MHD_Result start_request(httpd_ctx_t *ctx, struct MHD_Connection *connection,
                                     httpd_req_t *req, const char *method, const char *version)
{
    httpd_conn_t *conn = req->conn;
    req->method = strdup(method);
    if (!req->method)
        return MHD_NO;
    if (conn->handler->kind == LISTEN_OUTSIDE) {
        verify_peer(ctx, connection, conn);
        req->gen = httpd_gen_ref(conn->gen);
        req->partner_index = conn->partner_index;
    } else {
        req->gen = httpd_ctx_current(ctx);
        req->outbound = true;
        /* Our own side is not trusted blindly: only the inside clients the
         * policy names (system.http.inside_clients; none = nobody). The
         * answer goes out before any body is read, and the connection
         * closes. */
        const mcsec_http_system_t *sys = &req->gen->policy->system.http;
        if (!mcsec_addr_list_match(sys->inside_clients, sys->inside_client_count, conn->peer_family,
                                   conn->peer_bin, conn->peer_port))
            return reject(ctx, connection, req, MCSEC_REASON_SRC_NOT_INTERNAL_PEER,
                          "source is no inside client the policy names");
        /* With system.http.inside_tls, also a client certificate of the
         * inside CA (mutual TLS; checked against the current generation,
         * so a changed CA applies to kept-alive connections too). */
        if (req->gen->inside_trust) {
            const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
            char detail[160];
            if (!httpd_tls_inside_client_ok(req->gen,
                                            info ? (gnutls_session_t)info->tls_session : NULL,
                                            detail, sizeof(detail)))
                return reject(ctx, connection, req, MCSEC_REASON_SRC_NOT_INTERNAL_PEER, detail);
        }
    }
    if (conn->scan_enabled && conn->scan.verdict != MCSEC_REASON_NONE)
        return reject(ctx, connection, req, conn->scan.verdict, "raw stream");
    field_list_t fields = {.count = 0, .too_many = false};
    MHD_get_connection_values_n(connection, MHD_HEADER_KIND, collect_field, &fields);
    if (fields.too_many)
        return reject(ctx, connection, req, MCSEC_REASON_HTTP_HEADERS_TOO_LARGE,
                      "too many header fields");
    mcsec_reason_t framing = mcsec_http_check_headers(fields.fields, fields.count);
    if (framing != MCSEC_REASON_NONE)
        return reject(ctx, connection, req, framing, "parsed header fields");
    mcsec_str_t path;
    mcsec_reason_t target =
        mcsec_http_check_target((mcsec_str_t){req->raw_target, strlen(req->raw_target)}, &path);
    if (target != MCSEC_REASON_NONE)
        return reject(ctx, connection, req, target, "request target");
    if (conn->over_limit)
        return reject(ctx, connection, req, MCSEC_REASON_LOAD_PARTNER_LIMIT,
                      "partner connection limit");
    if (!req->outbound &&
        !httpd_admit(ctx, req->gen, req->partner_index, fields.fields, fields.count))
        return reject(ctx, connection, req, MCSEC_REASON_LOAD_PARTNER_LIMIT,
                      "partner request rate limit");

    mcsec_str_t ids[MCSEC_MAX_ASSERTED_IDS + 1];
    mcsec_str_t intended[MCSEC_MAX_ASSERTED_IDS + 1];
    mcsec_http_request_t http = {.method = {method, strlen(method)}, .path = path};
    http.asserted_ids = ids;
    http.asserted_id_count =
        identities(&fields, MCSEC_HTTP_IDENTITY_HEADER, ids, MCSEC_MAX_ASSERTED_IDS + 1);
    http.intended_ids = intended;
    http.intended_id_count =
        identities(&fields, MCSEC_HTTP_INTENDED_HEADER, intended, MCSEC_MAX_ASSERTED_IDS + 1);
    mcsec_str_t codings[MAX_FIELDS];
    size_t coding_count = 0, types = 0;
    http.header_bytes = strlen(method) + strlen(req->raw_target) + strlen(version) + 6;
    for (size_t i = 0; i < fields.count; i++) {
        const mcsec_http_header_t *field = &fields.fields[i];
        http.header_bytes += field->name.len + field->value.len + 4;
        if (is(field->name, "Content-Type") && types++ == 0)
            http.content_type = field->value;
        else if (is(field->name, "Host"))
            http.host = field->value;
        else if (is(field->name, "Content-Encoding"))
            codings[coding_count++] = field->value;
        else if (is(field->name, "Content-Length")) {
            http.body_len = (size_t)strtoull(field->value.ptr, NULL, 10);
            http.has_body = http.body_len > 0;
        } else if (is(field->name, "Transfer-Encoding"))
            http.has_body = true;
    }
    mcsec_verdict_t verdict;
    if (req->outbound)
        mcsec_check_http_egress(req->gen->policy, &http, &verdict);
    else
        mcsec_check_http_ingress(req->gen->policy, req->partner_index, &http, &verdict);
    if (req->outbound)
        req->partner_index = verdict.partner_index;
    if (verdict.reason != MCSEC_REASON_NONE)
        return reject(ctx, connection, req, verdict.reason, verdict.detail);
    /* The body checks and the next hop must read the same type. */
    if (types > 1)
        return reject(ctx, connection, req, MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED,
                      "two Content-Type fields");
    /* A coded body is opaque to every body check (GKTP, internal hosts). */
    if (mcsec_http_check_content_encoding(codings, coding_count) != MCSEC_REASON_NONE)
        return reject(ctx, connection, req, MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING,
                      "Content-Encoding on the body");

    const mcsec_partner_t *partner = verdict.partner;
    const mcsec_http_upstream_t *upstream = NULL;
    if (!req->outbound) {
        upstream = mcsec_http_upstream_for(partner, path);
        if (!upstream)
            return reject(ctx, connection, req, MCSEC_REASON_HTTP_PATH_DENIED,
                          "no upstream for the path");
    } else if (!partner->has_http_proxy) {
        return reject(ctx, connection, req, MCSEC_REASON_DST_NOT_PARTNER,
                      "partner has no addresses.http_proxy");
    }
    mcsec_reason_t ear = ear_stage(ctx, req, &fields, &http);
    if (ear != MCSEC_REASON_NONE)
        return reject(ctx, connection, req, ear, req->detail);
    req->body_limit = partner->http.max_body;
    mcsec_reason_t refused;
    req->job = make_job(req, &fields, upstream, &refused);
    if (!req->job && refused != MCSEC_REASON_NONE)
        return reject(ctx, connection, req, refused, "header field names an internal host");
    if (!req->job)
        return MHD_NO;
    return MHD_YES;
}

/* Buffers one piece of the body; past the limit the rest is dropped and
 * the request answered with http.body_too_large at the end. */
static void take_body(httpd_req_t *req, const char *data, size_t n)
{
    if (req->rejected)
        return;
    if (req->body_len + n > req->body_limit) {
        req->rejected = true;
        req->reason = MCSEC_REASON_HTTP_BODY_TOO_LARGE;
        snprintf(req->detail, sizeof(req->detail), "chunked body over %zu octets", req->body_limit);
        return;
    }
    if (req->body_len + n + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 4096;
        while (cap < req->body_len + n + 1)
            cap *= 2;
        char *grown = realloc(req->body, cap);
        if (!grown) {
            req->rejected = true;
            req->reason = MCSEC_REASON_LOAD_PARTNER_LIMIT;
            snprintf(req->detail, sizeof(req->detail), "out of memory");
            return;
        }
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, n);
    req->body_len += n;
    req->body[req->body_len] = '\0';
}

/* Outbound bodies are ours: internal host names in XML go out rewritten,
 * and a body of any type that still names one (escaped, a subdomain, an
 * entity) is refused: http.internal_host (load.partner_limit when out of
 * memory). */
static mcsec_reason_t rewrite_outbound_body(httpd_req_t *req, const char *type)
{
    if (!req->outbound || req->body_len == 0)
        return MCSEC_REASON_NONE;
    if (type && mcsec_http_rewritable_type((mcsec_str_t){type, strlen(type)})) {
        const char *public_host = req->gen->policy->system.http.public_host;
        char *out = NULL;
        size_t out_len = 0;
        if (mcsec_http_rewrite_hosts((mcsec_str_t){req->body, req->body_len},
                                     req->gen->internal_hosts, req->gen->internal_count,
                                     public_host ? public_host : "", &out, &out_len,
                                     NULL) != MCSEC_OK)
            return MCSEC_REASON_LOAD_PARTNER_LIMIT;
        free(req->body);
        req->body = out;
        req->body_len = out_len;
        req->body_cap = out_len + 1;
    }
    return httpd_hidden_host_left(req->gen, req->body, req->body_len);
}

/* What an answer must be before the body checks can read it (the request
 * was judged the same way in finish_request): one Content-Type, no
 * Content-Encoding, text in UTF-8 (mcsec_http_check_body_text). */
static mcsec_reason_t check_answer_body(const fwd_job_t *job, char *detail, size_t detail_size)
{
    mcsec_str_t codings[1];
    size_t types = 0;
    const char *type = NULL;
    for (size_t i = 0; i < job->field_count; i++) {
        const httpd_field_t *field = &job->fields[i];
        if (strcasecmp(field->name, "Content-Type") == 0 && types++ == 0)
            type = field->value;
        if (strcasecmp(field->name, "Content-Encoding") == 0) {
            codings[0] = (mcsec_str_t){field->value, strlen(field->value)};
            if (mcsec_http_check_content_encoding(codings, 1) != MCSEC_REASON_NONE) {
                snprintf(detail, detail_size, "answer with Content-Encoding");
                return MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING;
            }
        }
    }
    if (types > 1) {
        snprintf(detail, detail_size, "answer with %zu Content-Type fields", types);
        return MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED;
    }
    return mcsec_http_check_body_text((mcsec_str_t){type ? type : "", type ? strlen(type) : 0},
                                      (const uint8_t *)job->body, job->body_len, detail,
                                      detail_size);
}

/* Admin listener (never the outside or inside one): GET /metrics gives
 * the Prometheus page (metrics.c), GET /stats the non-zero counters as
 * "partner reason count" lines. */
static enum MHD_Result admin(httpd_ctx_t *ctx, struct MHD_Connection *connection, const char *url,
                             const char *method)
{
    bool metrics = strcmp(url, "/metrics") == 0;
    if (strcmp(method, "GET") != 0 || (!metrics && strcmp(url, "/stats") != 0))
        return httpd_respond_error(connection, MCSEC_REASON_HTTP_PATH_DENIED, false, true);
    char *text = metrics ? httpd_metrics_text(ctx) : httpd_stats_text(&ctx->stats);
    if (!text)
        return httpd_respond_error(connection, MCSEC_REASON_LOAD_PARTNER_LIMIT, false, true);
    struct MHD_Response *response =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            metrics ? MCSEC_PROM_CONTENT_TYPE : "text/plain");
    enum MHD_Result rc = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return rc;
}

/* Requests that push keys: freshness and replay of GKTP payloads apply. */
static bool is_push(const char *method)
{
    return strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0 ||
           strcmp(method, "PATCH") == 0;
}

/* Value of the first response field called name; NULL when none. */
static const char *job_field(const fwd_job_t *job, const char *name)
{
    for (size_t i = 0; i < job->field_count; i++)
        if (strcasecmp(job->fields[i].name, name) == 0)
            return job->fields[i].value;
    return NULL;
}

/* The border's own EAR (sign_on_behalf), signed just before the request
 * leaves. */
static mcsec_reason_t add_border_ear(httpd_req_t *req)
{
    const mcsec_partner_t *partner = &req->gen->policy->partners[req->partner_index];
    char value[MCSEC_EAR_HEADER_MAX];
    mcsec_reason_t reason = httpd_ear_sign(req->gen, req->partner_index, value, sizeof(value),
                                           req->detail, sizeof(req->detail));
    if (reason != MCSEC_REASON_NONE)
        return reason;
    const char *name = httpd_ear_header_name(partner);
    if (!add_header(&req->job->headers, (mcsec_str_t){name, strlen(name)}, value, strlen(value)))
        return MCSEC_REASON_LOAD_PARTNER_LIMIT;
    return MCSEC_REASON_NONE;
}

static enum MHD_Result finish_request(httpd_ctx_t *ctx, struct MHD_Connection *connection,
                                      httpd_req_t *req)
{
    fwd_job_t *job = req->job;
    if (!job->done) {
        /* The raw stream may have turned bad while the body came in. */
        if (req->conn->scan_enabled && req->conn->scan.verdict != MCSEC_REASON_NONE)
            return reject(ctx, connection, req, req->conn->scan.verdict, "raw stream");
        const char *type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Type");
        mcsec_reason_t text = mcsec_http_check_body_text(
            (mcsec_str_t){type ? type : "", type ? strlen(type) : 0}, (const uint8_t *)req->body,
            req->body_len, req->detail, sizeof(req->detail));
        if (text != MCSEC_REASON_NONE)
            return reject(ctx, connection, req, text, req->detail);
        /* Every part of a multipart body against the partner's list, both
         * directions: the rule the SIP check shares (docs/http-proxy.md). */
        mcsec_reason_t types = mcsec_http_check_body_types(
            &req->gen->policy->partners[req->partner_index],
            (mcsec_str_t){type ? type : "", type ? strlen(type) : 0}, (const uint8_t *)req->body,
            req->body_len, req->detail, sizeof(req->detail));
        if (types != MCSEC_REASON_NONE)
            return reject(ctx, connection, req, types, req->detail);
        mcsec_reason_t gmk =
            httpd_gmk_check(ctx, req->gen, req->partner_index, !req->outbound, is_push(req->method),
                            type, req->body, req->body_len, req->detail, sizeof(req->detail));
        if (gmk != MCSEC_REASON_NONE)
            return reject(ctx, connection, req, gmk, req->detail);
        /* Identities inside the body, the rule mcsec.so applies (auth.c). */
        mcsec_reason_t ids =
            httpd_bodyid_check(req->gen, req->partner_index, req->outbound, false, &req->ear_seen,
                               type, req->body, req->body_len, req->detail, sizeof(req->detail));
        if (ids != MCSEC_REASON_NONE)
            return reject(ctx, connection, req, ids, req->detail);
        mcsec_reason_t hidden = rewrite_outbound_body(req, type);
        if (hidden != MCSEC_REASON_NONE)
            return reject(ctx, connection, req, hidden, "body names an internal host");
        if (req->ear_sign) {
            mcsec_reason_t ear = add_border_ear(req);
            httpd_stats_ear(&ctx->stats, req->gen->policy->partners[req->partner_index].name, true,
                            ear == MCSEC_REASON_NONE);
            if (ear != MCSEC_REASON_NONE)
                return reject(ctx, connection, req, ear, req->detail);
        }
        /* The transfer starts when the handler has returned (the worker's
         * loop runs libcurl), so suspending after the submit is safe. */
        job->connection = connection;
        job->send_body = req->body;
        job->send_len = req->body_len;
        if (httpd_forwarder_submit(req->conn->handler->fwd, job) != 0) {
            req->answered = true;
            httpd_req_log(ctx, req, MCSEC_REASON_HTTP_UPSTREAM_ERROR, 502,
                          "cannot start the transfer");
            return httpd_respond_error(connection, MCSEC_REASON_HTTP_UPSTREAM_ERROR, false,
                                       shows_reason(req));
        }
        MHD_suspend_connection(connection);
        return MHD_YES;
    }
    req->answered = true;
    if (job->curl_code != CURLE_OK || job->status < 100 || job->status >= 500 || job->too_large) {
        char detail[160];
        snprintf(detail, sizeof(detail), "%s, status %ld",
                 job->too_large ? "response too large" : curl_easy_strerror(job->curl_code),
                 job->status);
        httpd_req_log(ctx, req, MCSEC_REASON_HTTP_UPSTREAM_ERROR, 502, detail);
        return httpd_respond_error(connection, MCSEC_REASON_HTTP_UPSTREAM_ERROR, false,
                                   shows_reason(req));
    }
    /* GKTP payloads in the answer (a stored group document): checked for
     * structure, addressing and signature, never for age or replay. */
    char detail[160];
    /* An answer the body checks cannot read is never relayed: logged with
     * its code, answered as the next hop's failure. (A 4xx body that is not
     * XML is dropped, never relayed: nothing to read.) */
    const char *answer_type = job_field(job, "Content-Type");
    bool relayed = job->status < 400 ||
                   (answer_type &&
                    mcsec_http_rewritable_type((mcsec_str_t){answer_type, strlen(answer_type)}));
    mcsec_reason_t text =
        relayed ? check_answer_body(job, detail, sizeof(detail)) : MCSEC_REASON_NONE;
    /* The partner's content-type list and body size judge answers as they
     * judge requests, both ways (docs/http-proxy.md "Answers"). */
    if (text == MCSEC_REASON_NONE && relayed)
        text = mcsec_http_check_answer(
            &req->gen->policy->partners[req->partner_index],
            (mcsec_str_t){answer_type ? answer_type : "", answer_type ? strlen(answer_type) : 0},
            (const uint8_t *)job->body, job->body_len, detail, sizeof(detail));
    /* ... and the identities in it, by the reply rule (auth.c). */
    if (text == MCSEC_REASON_NONE && relayed)
        text = httpd_bodyid_check(req->gen, req->partner_index, job->outbound, true, NULL,
                                  answer_type, job->body, job->body_len, detail, sizeof(detail));
    if (text != MCSEC_REASON_NONE) {
        httpd_req_log(ctx, req, text, 502, detail);
        return httpd_respond_error(connection, MCSEC_REASON_HTTP_UPSTREAM_ERROR, false,
                                   shows_reason(req));
    }
    mcsec_reason_t gmk = httpd_gmk_check(ctx, req->gen, req->partner_index, job->outbound, false,
                                         job_field(job, "Content-Type"), job->body, job->body_len,
                                         detail, sizeof(detail));
    if (gmk != MCSEC_REASON_NONE) {
        httpd_req_log(ctx, req, gmk, mcsec_reason_http_status(gmk), detail);
        return httpd_respond_error(connection, gmk, false, shows_reason(req));
    }
    mcsec_reason_t refused = MCSEC_REASON_NONE;
    enum MHD_Result rc = httpd_respond_relay(connection, job, &refused);
    if (refused != MCSEC_REASON_NONE) {
        httpd_req_log(ctx, req, refused, 502,
                      refused == MCSEC_REASON_HTTP_INTERNAL_HOST
                          ? "answer names an internal host the rewrite cannot reach"
                          : "out of memory rebuilding the answer");
        return httpd_respond_error(connection, MCSEC_REASON_HTTP_UPSTREAM_ERROR, false,
                                   shows_reason(req));
    }
    httpd_req_log(ctx, req, MCSEC_REASON_NONE, (int)job->status, NULL);
    return rc;
}

enum MHD_Result httpd_access_handler(void *cls, struct MHD_Connection *connection, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **req_cls)
{
    const httpd_handler_t *handler = cls;
    httpd_ctx_t *ctx = handler->ctx;
    httpd_req_t *req = *req_cls;
    if (handler->kind == LISTEN_ADMIN)
        return admin(ctx, connection, url, method);
    if (!req)
        return MHD_NO; /* the URI callback always makes one */
    if (!req->started) {
        req->started = true;
        return start_request(ctx, connection, req, method, version);
    }
    if (*upload_data_size > 0) {
        take_body(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->answered)
        return MHD_YES;
    if (req->rejected)
        return reject(ctx, connection, req, req->reason, req->detail);
    return finish_request(ctx, connection, req);
}
