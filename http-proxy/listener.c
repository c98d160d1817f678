/* The libmicrohttpd daemons: the outside listener (TLS to our profile,
 * client certificates requested), the inside listener (our GMS/CMS, plain
 * HTTP on the inside network) and the admin listener (counters), each on a
 * socket we bound ourselves so a daemon can be replaced on the same socket.
 * The callbacks here make the per-connection and per-request contexts and
 * make sure a request libmicrohttpd refuses on its own still gets our
 * reason code in the log. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "httpd.h"

/* Largest request head the raw scanner lets through; the partner's
 * max_header_bytes is checked on top. */
#define RAW_HEAD_MAX 65536

static void notify_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    httpd_listener_t *listener = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        httpd_conn_t *conn = calloc(1, sizeof(*conn));
        if (!conn)
            return;
        conn->magic = HTTPD_CONN_MAGIC;
        conn->listener = listener;
        conn->partner_index = -1;
        conn->scan_enabled = listener->kind == LISTEN_OUTSIDE;
        mcsec_http_framing_init(&conn->scan, RAW_HEAD_MAX);
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        snprintf(conn->peer, sizeof(conn->peer), "?");
        if (info && info->client_addr) {
            const struct sockaddr *sa = info->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                          conn->peer, sizeof(conn->peer));
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                          conn->peer, sizeof(conn->peer));
        }
        *socket_context = conn;
        return;
    }
    httpd_conn_t *conn = *socket_context;
    if (!conn)
        return;
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
    req->partner_index = -1;
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
    httpd_listener_t *listener = cls;
    httpd_req_t *req = *req_cls;
    (void)connection;
    if (!req)
        return;
    if (!req->answered) {
        /* libmicrohttpd ended the request before our handler answered:
         * a timeout, or a request it refused itself (its own 400). */
        mcsec_reason_t reason = MCSEC_REASON_HTTP_BAD_FRAMING;
        if (code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
            reason = MCSEC_REASON_HTTP_TIMEOUT;
        else if (req->conn->scan_enabled && req->conn->scan.verdict != MCSEC_REASON_NONE)
            reason = req->conn->scan.verdict;
        bool scanned = req->conn->scan_enabled && req->conn->scan.verdict != MCSEC_REASON_NONE;
        if (code == MHD_REQUEST_TERMINATED_WITH_ERROR ||
            code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED || scanned)
            httpd_req_log(listener->httpd, req, reason, mcsec_reason_http_status(reason),
                          code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED
                              ? "client too slow"
                              : "refused by the HTTP parser");
    }
    httpd_req_free(req);
    *req_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    httpd_listener_t *listener = cls;
    char text[512];
    vsnprintf(text, sizeof(text), fmt, ap);
    text[strcspn(text, "\n")] = '\0';
    httpd_log(listener->httpd, MCSEC_LOG_DEBUG, "libmicrohttpd: %s", text);
}

int httpd_listener_start(httpd_listener_t *listener, httpd_gen_t *gen)
{
    httpd_t *httpd = listener->httpd;
    const mcsec_http_system_t *sys = &gen->policy->system.http;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    unsigned limit = listener->kind == LISTEN_ADMIN ? 16 : sys->connection_limit;
    unsigned threads = listener->kind == LISTEN_ADMIN ? 1 : sys->threads;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)httpd_tls_priorities},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, gen->cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, gen->key_pem},
        /* Makes libmicrohttpd request a client certificate (and send the
         * partner CA names); the verification is ours (tls.c). */
        {MHD_OPTION_HTTPS_MEM_TRUST, 0, gen->trust_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    if (listener->kind == LISTEN_OUTSIDE)
        flags |= MHD_USE_TLS;
    listener->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, httpd_access_handler, listener, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        listener, MHD_OPTION_LISTEN_SOCKET, listener->fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT, sys->client_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024), MHD_OPTION_STRICT_FOR_CLIENT, 1,
        MHD_OPTION_NOTIFY_CONNECTION, notify_connection, listener, MHD_OPTION_URI_LOG_CALLBACK,
        uri_log, listener, MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, listener,
        MHD_OPTION_NOTIFY_COMPLETED, completed, listener, MHD_OPTION_ARRAY,
        listener->kind == LISTEN_OUTSIDE ? tls : tls + 4, MHD_OPTION_END);
    if (!listener->daemon) {
        httpd_log(httpd, MCSEC_LOG_ERROR, "cannot start the %s listener",
                  listener->kind == LISTEN_OUTSIDE  ? "outside"
                  : listener->kind == LISTEN_INSIDE ? "inside"
                                                    : "admin");
        return -1;
    }
    return 0;
}
