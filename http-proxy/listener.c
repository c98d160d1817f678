/* The libmicrohttpd daemons: the outside listener (TLS to our profile,
 * client certificates requested), the inside listener (our GMS/CMS, plain
 * HTTP on the inside network) and the admin listener (counters), each on a
 * socket we bound ourselves (before dropping privileges). Outside and inside
 * daemons run in the worker threads' event loops (one per worker and
 * listener, worker.c) and get their connections from the main thread's
 * accept; the admin daemon has a thread of its own and accepts itself.
 * With system.http.inside_tls the inside listener speaks TLS too (same
 * profile, client certificate requested, checked per request).
 * The callbacks here make the per-connection and per-request contexts and
 * make sure a request libmicrohttpd refuses on its own still gets our
 * reason code in the log. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listener.h"
#include "tls.h"

/* Sizes. libmicrohttpd keeps a request's head, its parsed header list and
 * the response head in one memory pool per connection, and clears the
 * whole pool (memset) before every request on a kept-alive connection:
 * its size is paid per request (128 KB cost ~200 000 instructions, the
 * largest single cost). So it follows the policy: the raw scanner lets a
 * head through up to twice the largest partner max_header_bytes (the
 * partner's own bound is checked on top, with its exact numbers), and the
 * pool holds such a head (read buffer), its header list and a response
 * head of up to HTTPD_RESPONSE_HEAD_MAX (request.c refuses larger ones). */
#define HEAD_LIMIT_FACTOR 2
#define POOL_MARGIN (8u * 1024u) /* header list entries, URL, alignment */
#define POOL_MIN (32u * 1024u)

void httpd_site_sizes(const httpd_gen_t *gen, size_t *head_limit, size_t *pool_size)
{
    size_t largest = 0;
    for (size_t p = 0; p < gen->policy->partner_count; p++) {
        const mcsec_partner_t *partner = &gen->policy->partners[p];
        if (partner->http.enabled && partner->http.max_header_bytes > largest)
            largest = partner->http.max_header_bytes;
    }
    if (largest == 0)
        largest = 8192; /* no HTTP partner: every request is refused anyway */
    *head_limit = HEAD_LIMIT_FACTOR * largest;
    size_t pool = *head_limit + HTTPD_RESPONSE_HEAD_MAX + POOL_MARGIN;
    if (pool < POOL_MIN)
        pool = POOL_MIN;
    *pool_size = (pool + 4095) & ~(size_t)4095;
}

static void notify_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    httpd_site_t *site = cls;
    if (site->load && code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(site->load, 1);
    else if (site->load)
        atomic_fetch_sub(site->load, 1);
    if (code == MHD_CONNECTION_NOTIFY_STARTED && site->tls_gen) {
        /* before the handshake: what tls.c's certificate callback serves */
        const union MHD_ConnectionInfo *tls =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        if (tls && tls->tls_session)
            gnutls_session_set_ptr(tls->tls_session, site->tls_gen);
    }
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        httpd_conn_t *conn = calloc(1, sizeof(*conn));
        if (!conn)
            return;
        conn->magic = HTTPD_CONN_MAGIC;
        conn->handler = &site->handler;
        conn->partner_index = -1;
        conn->scan_enabled = site->listener->kind == LISTEN_OUTSIDE;
        mcsec_http_framing_init(&conn->scan, site->head_limit);
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        snprintf(conn->peer, sizeof(conn->peer), "?");
        if (info && info->client_addr) {
            const struct sockaddr *sa = info->client_addr;
            if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const void *)sa;
                inet_ntop(AF_INET, &in->sin_addr, conn->peer, sizeof(conn->peer));
                conn->peer_family = AF_INET;
                memcpy(conn->peer_bin, &in->sin_addr, 4);
                conn->peer_port = ntohs(in->sin_port);
            } else if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const void *)sa;
                inet_ntop(AF_INET6, &in6->sin6_addr, conn->peer, sizeof(conn->peer));
                conn->peer_family = AF_INET6;
                memcpy(conn->peer_bin, &in6->sin6_addr, 16);
                conn->peer_port = ntohs(in6->sin6_port);
            }
        }
        conn->connection = connection;
        conn->next = site->conns;
        if (site->conns)
            site->conns->prev = conn;
        site->conns = conn;
        *socket_context = conn;
        return;
    }
    httpd_conn_t *conn = *socket_context;
    if (!conn)
        return;
    if (conn->prev)
        conn->prev->next = conn->next;
    else
        site->conns = conn->next;
    if (conn->next)
        conn->next->prev = conn->prev;
    if (conn->counted)
        atomic_fetch_sub(&conn->gen->partner_conns[conn->partner_index], 1);
    httpd_gen_unref(conn->gen);
    conn->magic = 0;
    free(conn);
    *socket_context = NULL;
}

/* Called with the raw request target before libmicrohttpd unescapes it:
 * the target our checks judge, and the request context. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *connection)
{
    (void)cls;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    httpd_conn_t *conn = info ? info->socket_context : NULL;
    if (!conn)
        return NULL;
    httpd_req_t *req = calloc(1, sizeof(*req));
    if (!req)
        return NULL;
    req->conn = conn;
    clock_gettime(CLOCK_MONOTONIC, &req->t0);
    conn->requests++;
    req->partner_index = -1;
    req->scan_heads = conn->scan.requests;
    req->raw_target = strdup(uri ? uri : "");
    if (!req->raw_target) {
        free(req);
        return NULL;
    }
    return req;
}

/* Keeps the target as received: the raw target is what we check and what
 * we forward, so nothing is decoded twice or differently downstream. */
static size_t keep_escapes(void *cls, struct MHD_Connection *connection, char *s)
{
    (void)cls;
    (void)connection;
    return strlen(s);
}

static void completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                      enum MHD_RequestTerminationCode code)
{
    httpd_site_t *site = cls;
    httpd_req_t *req = *req_cls;
    (void)connection;
    if (!req)
        return;
    if (!req->answered) {
        /* libmicrohttpd ended the request before our handler answered:
         * a timeout, or a request it refused itself (its own 400, or its
         * 431 when the head outgrew the connection's memory pool: the
         * scanner, which sees every octet first, never saw that head end;
         * a head of many tiny fields needs more pool than its size). */
        const mcsec_http_framing_t *scan = &req->conn->scan;
        mcsec_reason_t reason = MCSEC_REASON_HTTP_BAD_FRAMING;
        if (code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
            reason = MCSEC_REASON_HTTP_TIMEOUT;
        else if (req->conn->scan_enabled && scan->verdict != MCSEC_REASON_NONE)
            reason = scan->verdict;
        else if (req->conn->scan_enabled && !req->started && scan->requests == req->scan_heads &&
                 scan->head_bytes > 0)
            reason = MCSEC_REASON_HTTP_HEADERS_TOO_LARGE;
        bool scanned = req->conn->scan_enabled && scan->verdict != MCSEC_REASON_NONE;
        if (code == MHD_REQUEST_TERMINATED_WITH_ERROR ||
            code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED || scanned)
            httpd_req_log(site->handler.ctx, req, reason, mcsec_reason_http_status(reason),
                          code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED
                              ? "client too slow"
                              : "refused by the HTTP parser");
    }
    req->conn->requests--;
    httpd_req_free(req);
    *req_cls = NULL;
}

unsigned httpd_site_close_refused(httpd_site_t *site, const httpd_gen_t *gen)
{
    unsigned closed = 0;
    if (site->listener->kind != LISTEN_OUTSIDE)
        return 0;
    for (httpd_conn_t *conn = site->conns; conn; conn = conn->next) {
        if (!conn->verified || conn->partner_index < 0 || conn->gen == gen || conn->requests > 0)
            continue;
        if (httpd_conn_recheck(site->handler.ctx, conn))
            continue;
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn->connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (info && shutdown(info->connect_fd, SHUT_RDWR) == 0)
            closed++;
    }
    return closed;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    httpd_site_t *site = cls;
    char text[512];
    vsnprintf(text, sizeof(text), fmt, ap);
    text[strcspn(text, "\n")] = '\0';
    httpd_log(site->handler.ctx, MCSEC_LOG_DEBUG, "libmicrohttpd: %s", text);
}

static const char *listener_name(listen_kind_t kind)
{
    return kind == LISTEN_OUTSIDE ? "outside" : kind == LISTEN_INSIDE ? "inside" : "admin";
}

httpd_site_t *httpd_site_start(httpd_listener_t *listener, const httpd_site_host_t *host,
                               const httpd_gen_t *gen, unsigned connection_limit)
{
    httpd_ctx_t *ctx = listener->ctx;
    const mcsec_http_system_t *sys = &gen->policy->system.http;
    httpd_site_t *site = calloc(1, sizeof(*site));
    if (!site) {
        httpd_log(ctx, MCSEC_LOG_ERROR, "out of memory for the %s listener",
                  listener_name(listener->kind));
        return NULL;
    }
    site->listener = listener;
    site->handler = (httpd_handler_t){.ctx = ctx,
                                      .kind = listener->kind,
                                      .fwd = host ? host->fwd : NULL,
                                      .resumed = &site->resumed};
    site->load = host ? host->load : NULL;
    site->own_thread = !host;
    httpd_site_sizes(gen, &site->head_limit, &site->pool_size);
    /* Worker daemons are run by the worker's event loop (no thread of
     * their own: MHD_run when their epoll fd is ready or a timeout is due)
     * and do not accept: the main thread does, and hands each connection
     * to the least loaded worker (MHD_add_connection there). */
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (!site->own_thread)
        flags |= MHD_USE_NO_LISTEN_SOCKET;
    else
        flags |= MHD_USE_INTERNAL_POLLING_THREAD;
    /* The TLS material (outside), or the listening socket (admin). */
    struct MHD_OptionItem extra[] = {
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)httpd_tls_priorities},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, gen->cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, gen->key_pem},
        /* Makes libmicrohttpd request a client certificate (and send the
         * partner CA names); the verification is ours (tls.c). */
        {MHD_OPTION_HTTPS_MEM_TRUST, 0, gen->trust_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    if (listener->kind == LISTEN_OUTSIDE && gen->token_key) {
        /* Our key in a PKCS#11 token: GnuTLS asks tls.c for the chain and
         * key at each handshake (the session carries the generation). */
        extra[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
                                           (void *)(uintptr_t)httpd_tls_token_cert};
        extra[2] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, gen->trust_pem};
        extra[3] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
        site->tls_gen = httpd_gen_ref((httpd_gen_t *)(uintptr_t)gen);
    }
    if (listener->kind == LISTEN_INSIDE && gen->inside_cert_pem) {
        /* Mutual TLS on the inside (system.http.inside_tls): the same
         * profile, our inside certificate, the inside CA's names; the
         * check of the client certificate is request.c's. */
        extra[1].ptr_value = gen->inside_cert_pem;
        extra[2].ptr_value = gen->inside_key_pem;
        extra[3].ptr_value = gen->inside_ca_pem;
        flags |= MHD_USE_TLS;
    } else if (listener->kind == LISTEN_OUTSIDE)
        flags |= MHD_USE_TLS;
    else
        extra[0] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    if (site->own_thread)
        extra[0] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, listener->fd, NULL};
    site->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, httpd_access_handler, &site->handler, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, site, MHD_OPTION_CONNECTION_LIMIT, connection_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        sys->client_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, site->pool_size,
        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, site,
        MHD_OPTION_URI_LOG_CALLBACK, uri_log, site, MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes,
        site, MHD_OPTION_NOTIFY_COMPLETED, completed, site, MHD_OPTION_ARRAY, extra,
        MHD_OPTION_END);
    if (!site->daemon) {
        httpd_log(ctx, MCSEC_LOG_ERROR, "cannot start the %s listener",
                  listener_name(listener->kind));
        httpd_gen_unref(site->tls_gen);
        free(site);
        return NULL;
    }
    return site;
}

void httpd_site_stop(httpd_site_t *site)
{
    if (!site)
        return;
    /* The admin daemon would close its listening socket when stopped,
     * unless quiesced: the socket is ours (worker daemons have none). */
    if (site->own_thread && !site->quiesced)
        MHD_quiesce_daemon(site->daemon);
    MHD_stop_daemon(site->daemon);
    httpd_gen_unref(site->tls_gen);
    free(site);
}

bool httpd_sites_outdated(listen_kind_t kind, const httpd_gen_t *old, const httpd_gen_t *gen)
{
    size_t old_head, old_pool, head, pool;
    httpd_site_sizes(old, &old_head, &old_pool);
    httpd_site_sizes(gen, &head, &pool);
    if (head != old_head || pool != old_pool)
        return true;
    if (kind == LISTEN_INSIDE)
        return httpd_gen_inside_tls_differs(old, gen);
    return kind == LISTEN_OUTSIDE && httpd_gen_tls_differs(old, gen);
}
