/* The metrics process: see mcsec_metrics.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/cfg/cfg_struct.h"
#include "core/dprint.h"
#include "core/pt.h"
#include "core/sr_module.h"

#include "mcsec/obs/prom.h"
#include "mcsec_counters.h"
#include "mcsec_ear_replay.h"
#include "mcsec_gmk_replay.h"
#include "mcsec_log.h"
#include "mcsec_metrics.h"
#include "mcsec_metrics_page.h"
#include "mcsec_outside.h"
#include "mcsec_shm_policy.h"
#include "mcsec_watch.h"

/* Set in mod_init (before the fork), read-only afterwards. */
static struct {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char text[128];
    bool on;
} metrics_conf;

/* Parses "IP:PORT" / "[IPv6]:PORT" into metrics_conf. 0 or -1. */
static int parse_listen(const char *listen, char *ip, size_t ip_size, unsigned *port)
{
    const char *colon;
    const char *host = listen;
    size_t host_len;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (close == NULL || close[1] != ':') {
            return -1;
        }
        host = listen + 1;
        host_len = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL) {
            return -1;
        }
        host_len = (size_t)(colon - listen);
    }
    char *end = NULL;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (host_len == 0 || host_len >= ip_size || end == colon + 1 || *end != '\0' || p == 0 ||
        p > 65535) {
        return -1;
    }
    memcpy(ip, host, host_len);
    ip[host_len] = '\0';
    *port = (unsigned)p;
    return 0;
}

/* See mcsec_metrics.h. */
int mcsec_metrics_mod_init(const char *listen)
{
    memset(&metrics_conf, 0, sizeof(metrics_conf));
    if (listen == NULL || listen[0] == '\0') {
        mcsec_logf(MCSEC_LOG_NOTICE, "metrics", "metrics_listen is empty: no /metrics page");
    } else {
        char ip[INET6_ADDRSTRLEN + 1];
        unsigned port = 0;
        struct sockaddr_in *v4 = (struct sockaddr_in *)&metrics_conf.addr;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&metrics_conf.addr;
        if (parse_listen(listen, ip, sizeof(ip), &port) != 0) {
            mcsec_logf(MCSEC_LOG_ERROR, "metrics",
                       "metrics_listen '%s': expected IP:PORT or [IPv6]:PORT", listen);
            return -1;
        }
        if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons((uint16_t)port);
            metrics_conf.addr_len = sizeof(*v4);
        } else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons((uint16_t)port);
            metrics_conf.addr_len = sizeof(*v6);
        } else {
            mcsec_logf(MCSEC_LOG_ERROR, "metrics", "metrics_listen '%s': '%s' is no IP address",
                       listen, ip);
            return -1;
        }
        if ((v4->sin_family == AF_INET && v4->sin_addr.s_addr == htonl(INADDR_ANY)) ||
            (v6->sin6_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr))) {
            mcsec_logf(MCSEC_LOG_ERROR, "metrics",
                       "metrics_listen '%s': a wildcard address would serve /metrics on the "
                       "outside sockets too; name the admin address",
                       listen);
            return -1;
        }
        if (mcsec_outside_has_ip((const struct sockaddr *)&metrics_conf.addr)) {
            mcsec_logf(MCSEC_LOG_ERROR, "metrics",
                       "metrics_listen '%s' is the address of an outside (partner-facing) socket; "
                       "/metrics is served on an admin address only",
                       listen);
            return -1;
        }
        snprintf(metrics_conf.text, sizeof(metrics_conf.text), "%s", listen);
        metrics_conf.on = true;
    }
    if (register_procs(1) < 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "metrics", "cannot register the metrics process");
        return -1;
    }
    cfg_register_child(1);
    return 0;
}

/* Builds the page; NULL when it cannot (the scrape gets 500). */
static char *build_page(size_t *len)
{
    mcsec_cnt_snapshot_t *snap = malloc(sizeof(*snap));
    if (snap == NULL) {
        return NULL;
    }
    mcsec_counters_snapshot(snap);
    char hash[MCSEC_SHA256_HEX_LEN + 1];
    mcsec_shm_policy_hash(hash);
    int64_t now = (int64_t)time(NULL);
    mcsec_replay_owner_count_t ear_owners[MCSEC_REPLAY_OWNERS], gmk_owners[MCSEC_REPLAY_OWNERS];
    size_t ear_entries = mcsec_ear_replay_count_owners(now, ear_owners);
    size_t gmk_entries = mcsec_gmk_replay_count_owners(now, gmk_owners);
    mcsec_metrics_input_t in = {
        .counters = snap,
        .policy = mcsec_proc_policy(),
        .expiry = mcsec_watch_expiry(),
        .generation = mcsec_shm_policy_generation(),
        .hash = hash,
        .ear_entries = ear_entries,
        .gmk_entries = gmk_entries,
        .ear_owners = ear_owners,
        .gmk_owners = gmk_owners,
        .now = now,
    };
    mcsec_prom_t page;
    mcsec_prom_init(&page);
    mcsec_metrics_page(&page, &in);
    free(snap);
    const char *text = mcsec_prom_text(&page, len);
    char *copy = text != NULL ? malloc(*len + 1) : NULL;
    if (copy != NULL) {
        memcpy(copy, text, *len + 1);
    }
    mcsec_prom_free(&page);
    return copy;
}

/* Queues a short text answer. */
static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *text,
                              const char *content_type, bool allow_get)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (allow_get) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET");
    }
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* libmicrohttpd's request handler: GET /metrics only. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    if (strcmp(method, "GET") != 0) {
        return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", "text/plain", true);
    }
    if (strcmp(url, "/metrics") != 0) {
        return answer(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n", "text/plain", false);
    }
    size_t len = 0;
    char *page = build_page(&len);
    if (page == NULL) {
        return answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot build the page\n", "text/plain",
                      false);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(page);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, MCSEC_PROM_CONTENT_TYPE);
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Starts libmicrohttpd (no thread of its own: this process runs its
 * select loop). NULL when it cannot bind: logged, the border goes on. */
static struct MHD_Daemon *start_server(void)
{
    if (!metrics_conf.on) {
        return NULL;
    }
    unsigned flags = metrics_conf.addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0;
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR,
                         (const struct sockaddr *)&metrics_conf.addr, MHD_OPTION_CONNECTION_LIMIT,
                         16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (d == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "metrics", "cannot serve /metrics on %s: %s", metrics_conf.text,
                   strerror(errno));
    } else {
        mcsec_logline_t line;
        mcsec_log_begin(&line, "metrics");
        mcsec_logline_str(&line, "listen", metrics_conf.text);
        mcsec_logline_str(&line, "msg", "serving GET /metrics");
        mcsec_log_emit(MCSEC_LOG_NOTICE, &line);
    }
    return d;
}

/* The process body: never returns. */
static void run(void)
{
    (void)mcsec_proc_policy(); /* this process's policy and log format first */
    struct MHD_Daemon *d = start_server();
    for (;;) {
        cfg_update();
        mcsec_watch_tick((int64_t)time(NULL));
        struct timeval tv = {1, 0};
        if (d == NULL) {
            select(0, NULL, NULL, NULL, &tv);
            continue;
        }
        fd_set rs, ws, es;
        FD_ZERO(&rs);
        FD_ZERO(&ws);
        FD_ZERO(&es);
        MHD_socket max = 0;
        if (MHD_get_fdset(d, &rs, &ws, &es, &max) != MHD_YES) {
            select(0, NULL, NULL, NULL, &tv);
            continue;
        }
        if (select((int)max + 1, &rs, &ws, &es, &tv) < 0 && errno != EINTR) {
            tv.tv_sec = 1;
            select(0, NULL, NULL, NULL, &tv);
        }
        MHD_run(d);
    }
}

/* See mcsec_metrics.h. */
int mcsec_metrics_child_init(void)
{
    int pid = fork_process(PROC_NOCHLDINIT, "mcsec metrics", 1);
    if (pid < 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "metrics", "cannot fork the metrics process");
        return -1;
    }
    if (pid == 0) {
        if (cfg_child_init() != 0) {
            exit(1);
        }
        run();
    }
    return 0;
}
