/* mcsec-httpd: the HTTP-3 border proxy. Options, sockets, privilege drop,
 * reload on SIGHUP and graceful stop on SIGTERM/SIGINT. The top of the
 * proxy (httpd.h): main makes the context, binds the listening sockets,
 * makes and starts the workers and their daemons, accepts for them and
 * reloads and stops them; nothing calls back into this file.
 *
 * usage: mcsec-httpd --policy FILE [--admin IP:PORT] [--user NAME]
 *                    [--log-level LEVEL] [--state-dir DIR] [--check] */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <libxml/parser.h>

#include "alarms.h"
#include "audit.h"
#include "listener.h"
#include "worker.h"

#include "httpd.h"
#include "mcsec/ear/ear.h"
#include "mcsec/obs/file_digest.h"
#include "mcsec/obs/generation.h"
#include "mcsec_version.h"

/* Connections accepted in one go per listener before signals are looked
 * at again; pause before accepting again at the connection limit. */
#define ACCEPT_BATCH 64
#define ACCEPT_RETRY_MS 50

/* The proxy as main runs it: the context it hands down, what it bound and
 * what it started (main thread only, but for the context). */
typedef struct {
    httpd_ctx_t ctx;
    httpd_listener_t listeners[3];
    httpd_worker_t **workers; /* system.http.threads at start */
    size_t worker_count;
    httpd_site_t *admin;
    int accept_errno; /* last accept() failure logged (0: none) */
    time_t expiry_at; /* next look at expiries and CRLs (0: now) */
    time_t replay_at; /* next look at the replay caches */
    httpd_alarms_t alarms;
} httpd_t;

/* How often expiries (certificates, keys, CRLs) and the replay caches are
 * looked at again for their alarms (alarms.c). */
#define EXPIRY_INTERVAL 3600
#define REPLAY_INTERVAL 10

typedef struct {
    const char *policy;
    const char *admin;
    const char *user;
    mcsec_log_level_t level;
    bool level_fixed;
    const char *state_dir;
    bool check;
} options_t;

static void usage(FILE *out)
{
    fprintf(out, "usage: mcsec-httpd --policy FILE [--admin IP:PORT] [--user NAME]\n"
                 "                   [--log-level error|warning|notice|info|debug]\n"
                 "                   [--state-dir DIR] [--check]\n"
                 "       mcsec-httpd --help | --version\n"
                 "--check loads the policy and every file it names as the proxy would (the deep\n"
                 "check of mcsecctl policy check), prints 'FILE: ok' and exits; with --user, as\n"
                 "that user.\n"
                 "--admin serves GET /metrics (Prometheus text format 0.0.4) and GET /stats\n"
                 "(non-zero counters) on a local address; never the partners' listener.\n"
                 "--log-level overrides the policy's logging.level (default: the policy's).\n"
                 "--state-dir keeps httpd.generation, the policy generation number, across\n"
                 "restarts (default /var/lib/mcsec; unwritable: a warning, numbers restart).\n"
                 "Logs: one logfmt line per event on stderr (JSON with logging.format: json),\n"
                 "each behind its syslog priority as <N> (journald reads it).\n");
}

/* Parses argv; returns 0, or the exit status to leave with. */
static int parse_options(int argc, char **argv, options_t *opt)
{
    static const struct option longs[] = {{"policy", required_argument, NULL, 'p'},
                                          {"admin", required_argument, NULL, 'a'},
                                          {"user", required_argument, NULL, 'u'},
                                          {"log-level", required_argument, NULL, 'l'},
                                          {"check", no_argument, NULL, 'n'},
                                          {"help", no_argument, NULL, 'h'},
                                          {"version", no_argument, NULL, 'V'},
                                          {"state-dir", required_argument, NULL, 's'},
                                          {NULL, 0, NULL, 0}};
    static const char *const levels[] = {"error", "warning", "notice", "info", "debug"};
    opt->level = MCSEC_LOG_NOTICE;
    opt->state_dir = "/var/lib/mcsec";
    int c;
    while ((c = getopt_long(argc, argv, "p:a:u:l:nhVs:", longs, NULL)) != -1) {
        switch (c) {
        case 'p':
            opt->policy = optarg;
            break;
        case 'a':
            opt->admin = optarg;
            break;
        case 'u':
            opt->user = optarg;
            break;
        case 'l': {
            size_t i = 0;
            while (i < 5 && strcmp(levels[i], optarg) != 0)
                i++;
            if (i == 5) {
                usage(stderr);
                return 2;
            }
            opt->level = (mcsec_log_level_t)i;
            opt->level_fixed = true;
            break;
        }
        case 's':
            opt->state_dir = optarg;
            break;
        case 'n':
            opt->check = true;
            break;
        case 'h':
            usage(stdout);
            return 1;
        case 'V':
            printf("mcsec-httpd %s\n", MCSEC_VERSION_FULL);
            return 1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!opt->policy || optind != argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/* Binds and listens on "IP:PORT" or "[v6]:PORT"; -1 on failure (errno). */
static int listen_on(const mcsec_addr_t *addr)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    if (addr->family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(addr->port);
        if (inet_pton(AF_INET6, addr->ip, &in6->sin6_addr) != 1)
            return -1;
        len = sizeof(*in6);
    } else {
        struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
        in4->sin_family = AF_INET;
        in4->sin_port = htons(addr->port);
        if (inet_pton(AF_INET, addr->ip, &in4->sin_addr) != 1)
            return -1;
        len = sizeof(*in4);
    }
    int fd = socket(addr->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1024) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Parses the --admin address with the policy's address syntax rules. */
static bool parse_admin(const char *text, mcsec_addr_t *out)
{
    char ip[46];
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof(ip))
        return false;
    size_t n = (size_t)(colon - text);
    if (text[0] == '[' && n >= 2 && text[n - 1] == ']') {
        memcpy(ip, text + 1, n - 2);
        ip[n - 2] = '\0';
        out->family = AF_INET6;
    } else {
        memcpy(ip, text, n);
        ip[n] = '\0';
        out->family = AF_INET;
    }
    unsigned char bin[16];
    long port = strtol(colon + 1, NULL, 10);
    if (inet_pton(out->family, ip, bin) != 1 || port < 1 || port > 65535)
        return false;
    memcpy(out->ip, ip, sizeof(out->ip));
    out->port = (uint16_t)port;
    return true;
}

static bool drop_privileges(httpd_t *httpd, const char *user)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        httpd_log(&httpd->ctx, MCSEC_LOG_ERROR, "unknown user '%s'", user);
        return false;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        httpd_log(&httpd->ctx, MCSEC_LOG_ERROR, "cannot drop privileges to '%s': %s", user,
                  strerror(errno));
        return false;
    }
    if (setuid(0) == 0) {
        httpd_log(&httpd->ctx, MCSEC_LOG_ERROR, "privileges could be regained after the drop");
        return false;
    }
    httpd_log(&httpd->ctx, MCSEC_LOG_NOTICE, "running as %s", user);
    return true;
}

/* Starts one daemon of the listener per worker for gen into sites. Returns
 * 0, or -1 with none left running (logged). */
static int start_sites(httpd_t *httpd, httpd_listener_t *listener, const httpd_gen_t *gen,
                       httpd_site_t **sites)
{
    /* Each may take the whole limit: the main thread keeps the listener's
     * total under it (accept_some). */
    for (size_t w = 0; w < httpd->worker_count; w++) {
        sites[w] = httpd_worker_site_start(httpd->workers[w], listener, gen,
                                           gen->policy->system.http.connection_limit);
        if (!sites[w]) {
            while (w-- > 0)
                httpd_site_stop(sites[w]);
            return -1;
        }
    }
    return 0;
}

/* How long the IDs a generation recorded can still matter: EAR IDs for
 * 2 x skew, GMK messages for max_age (the longest of all partners). */
static int64_t ear_window(const httpd_gen_t *gen)
{
    int64_t window = 2 * MCSEC_EAR_DEFAULT_SKEW;
    for (size_t p = 0; p < gen->policy->partner_count; p++)
        if (2 * (int64_t)gen->policy->partners[p].ear.skew > window)
            window = 2 * (int64_t)gen->policy->partners[p].ear.skew;
    return window;
}

static int64_t gmk_window(const httpd_gen_t *gen)
{
    int64_t window = gen->policy->system.gmk.max_age;
    for (size_t p = 0; p < gen->policy->partner_count; p++)
        if ((int64_t)gen->policy->partners[p].gmk.max_age > window)
            window = gen->policy->partners[p].gmk.max_age;
    return window;
}

/* A reload that changes a replay bound: the old table stays consulted
 * until the IDs recorded under either generation's windows have expired. */
static void resize_replay(httpd_t *httpd, const httpd_gen_t *old, const httpd_gen_t *gen)
{
    int64_t now = (int64_t)time(NULL);
    int64_t ear = ear_window(old) > ear_window(gen) ? ear_window(old) : ear_window(gen);
    int64_t gmk = gmk_window(old) > gmk_window(gen) ? gmk_window(old) : gmk_window(gen);
    if (httpd_replay_resize(httpd->ctx.ear_replay, gen->policy->system.ear_replay_entries,
                            now + ear) != 0 ||
        httpd_replay_resize(httpd->ctx.gmk_replay, gen->policy->system.gmk.replay_entries,
                            now + gmk) != 0)
        httpd_log(&httpd->ctx, MCSEC_LOG_ERROR,
                  "out of memory for a new replay cache bound: the "
                  "running bound stays");
}

/* Logs the deep check's warnings of gen (or prints them with --check). */
static void log_warnings(const httpd_ctx_t *ctx, const httpd_gen_t *gen, bool to_stderr)
{
    for (size_t i = 0; i < gen->warnings.count; i++) {
        char line[1024];
        mcsec_diag_format(&gen->warnings.items[i], line, sizeof(line));
        if (to_stderr)
            fprintf(stderr, "warning: %s\n", line);
        else
            httpd_log(ctx, MCSEC_LOG_WARNING, "policy: %s", line);
    }
}

/* The next policy generation number (mcsec/obs/generation.h), kept in
 * --state-dir; a file that cannot be written is a warning, never a stop. */
static uint64_t next_generation(const httpd_ctx_t *ctx)
{
    char path[4096];
    uint64_t generation = 0;
    snprintf(path, sizeof(path), "%s/httpd.generation", ctx->state_dir);
    mcsec_err_t rc = mcsec_generation_next(path, &generation);
    if (rc != MCSEC_OK)
        httpd_log(ctx, MCSEC_LOG_WARNING,
                  "cannot keep the policy generation in %s (%s): generation numbers may repeat "
                  "after a restart",
                  path, rc == MCSEC_ERR_PARSE ? "not a number" : "cannot write");
    return generation;
}

/* Records a load or reload for the metrics and writes its audit line (and
 * the reload.failed alarm when refused). gen: the new generation (NULL:
 * refused); old: the running one (NULL at start). */
static void account(httpd_t *httpd, httpd_trigger_t trigger, const httpd_gen_t *old,
                    const httpd_gen_t *gen, const char *msg, const char *error,
                    const struct signalfd_siginfo *sender)
{
    httpd_ctx_t *ctx = &httpd->ctx;
    char hash[MCSEC_SHA256_HEX_LEN + 1] = "";
    if (mcsec_file_sha256_hex(ctx->policy_path, hash) != MCSEC_OK)
        hash[0] = '\0';
    uint64_t generation = gen ? next_generation(ctx) : ctx->reload.generation;
    char old_hash[MCSEC_SHA256_HEX_LEN + 1];
    pthread_mutex_lock(&ctx->gen_lock);
    memcpy(old_hash, ctx->reload.hash, sizeof(old_hash));
    ctx->reload.last_reload = (int64_t)time(NULL);
    ctx->reload.last_ok = gen != NULL;
    if (gen) {
        ctx->reload.generation = generation;
        memcpy(ctx->reload.hash, hash, sizeof(hash));
    }
    pthread_mutex_unlock(&ctx->gen_lock);
    httpd_stats_reload(&ctx->stats, trigger, gen != NULL);
    if (gen)
        httpd_ctx_apply_logging(ctx, gen->policy);
    httpd_audit_t audit = {gen != NULL,
                           trigger == HTTPD_TRIGGER_START ? "start" : "signal",
                           generation,
                           old_hash,
                           hash,
                           old ? old->policy : NULL,
                           gen ? gen->policy : NULL,
                           msg,
                           error,
                           sender ? (long)sender->ssi_pid : -1,
                           sender ? (long)sender->ssi_uid : -1};
    httpd_audit_reload(ctx, &audit);
}

/* SIGHUP: load the policy again; keep the running state when it fails.
 * When the TLS material or the daemon sizes changed, new daemons (one per
 * worker) take over the same listening socket and the old ones finish
 * their open connections. */
static void reload(httpd_t *httpd, const struct signalfd_siginfo *sender)
{
    char err[4096];
    httpd_gen_t *gen = httpd_gen_load(httpd->ctx.policy_path, err, sizeof(err));
    if (!gen) {
        account(httpd, HTTPD_TRIGGER_SIGNAL, NULL, NULL,
                "reload failed, keeping the running policy", err, sender);
        return;
    }
    log_warnings(&httpd->ctx, gen, false);
    httpd_gen_t *old = httpd_ctx_current(&httpd->ctx);
    httpd_site_t **fresh[2] = {NULL, NULL};
    bool ok = true, renewed = false,
         tls = httpd_gen_tls_differs(old, gen) || httpd_gen_inside_tls_differs(old, gen);
    for (size_t kind = 0; ok && kind < 2; kind++) {
        httpd_listener_t *listener = &httpd->listeners[kind];
        if (listener->fd < 0 || !httpd_sites_outdated((listen_kind_t)kind, old, gen))
            continue;
        fresh[kind] = calloc(httpd->worker_count, sizeof(*fresh[kind]));
        ok = fresh[kind] && start_sites(httpd, listener, gen, fresh[kind]) == 0;
        if (!ok) {
            free(fresh[kind]);
            fresh[kind] = NULL;
        }
    }
    if (!ok) {
        for (size_t kind = 0; kind < 2; kind++) {
            for (size_t w = 0; fresh[kind] && w < httpd->worker_count; w++)
                httpd_site_stop(fresh[kind][w]);
            free(fresh[kind]);
        }
        httpd_gen_unref(old);
        httpd_gen_unref(gen);
        account(httpd, HTTPD_TRIGGER_SIGNAL, NULL, NULL,
                "reload failed: TLS material refused, keeping the running state",
                "the new TLS material was refused by the TLS daemon", sender);
        return;
    }
    resize_replay(httpd, old, gen);
    for (size_t kind = 0; kind < 2; kind++) {
        for (size_t w = 0; fresh[kind] && w < httpd->worker_count; w++)
            httpd_worker_give(httpd->workers[w], fresh[kind][w]);
        renewed = renewed || fresh[kind];
        free(fresh[kind]);
    }
    httpd_ctx_replace(&httpd->ctx, gen);
    httpd->expiry_at = 0;
    char msg[4200];
    snprintf(msg, sizeof(msg), "reloaded %s%s", httpd->ctx.policy_path,
             tls       ? " (new TLS daemon)"
             : renewed ? " (new daemons)"
                       : "");
    account(httpd, HTTPD_TRIGGER_SIGNAL, old, gen, msg, NULL, sender);
    httpd_gen_unref(old);
}

/* Graceful stop: no new connections, let requests in flight finish (up to
 * a deadline), then stop. */
static void stop(httpd_t *httpd, unsigned grace)
{
    if (httpd->admin) {
        MHD_quiesce_daemon(httpd->admin->daemon);
        httpd->admin->quiesced = true;
    }
    time_t deadline = time(NULL) + grace;
    /* Each worker stops accepting at once, ends what it still forwards at
     * the deadline (no connection stays suspended), then stops its daemons. */
    for (size_t w = 0; w < httpd->worker_count; w++)
        httpd_worker_request_stop(httpd->workers[w], deadline);
    for (size_t w = 0; w < httpd->worker_count; w++)
        httpd_worker_stop(httpd->workers[w]);
    free(httpd->workers);
    httpd->workers = NULL;
    httpd->worker_count = 0;
    if (httpd->admin) {
        httpd_site_stop(httpd->admin);
        httpd->admin = NULL;
    }
}

/* Worker threads: system.http.threads, but at most one per online CPU (a
 * worker never blocks on the network: more threads than CPUs only take
 * turns, at the cost of context switches) and one per connection the
 * limit allows. Each runs an outside and an inside daemon. */
static int start_workers(httpd_t *httpd)
{
    const mcsec_http_system_t *sys = &httpd->ctx.gen->policy->system.http;
    size_t count = sys->threads < sys->connection_limit ? sys->threads : sys->connection_limit;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0 && (size_t)cpus < count) {
        httpd_log(&httpd->ctx, MCSEC_LOG_NOTICE,
                  "system.http.threads %u: %ld worker threads (one per CPU)", sys->threads, cpus);
        count = (size_t)cpus;
    }
    httpd->workers = calloc(count ? count : 1, sizeof(*httpd->workers));
    if (!httpd->workers)
        return -1;
    for (size_t w = 0; w < count; w++) {
        httpd->workers[w] = httpd_worker_new(&httpd->ctx, (unsigned)w);
        if (!httpd->workers[w]) {
            httpd_log(&httpd->ctx, MCSEC_LOG_ERROR, "cannot make worker %zu", w);
            return -1;
        }
        httpd->worker_count++;
    }
    for (size_t kind = 0; kind < 2; kind++) {
        httpd_listener_t *listener = &httpd->listeners[kind];
        if (listener->fd < 0)
            continue;
        httpd_site_t **sites = calloc(count, sizeof(*sites));
        if (!sites || start_sites(httpd, listener, httpd->ctx.gen, sites) != 0) {
            free(sites);
            return -1;
        }
        for (size_t w = 0; w < count; w++)
            httpd_worker_give(httpd->workers[w], sites[w]);
        free(sites);
    }
    for (size_t w = 0; w < count; w++)
        if (httpd_worker_start(httpd->workers[w]) != 0) {
            httpd_log(&httpd->ctx, MCSEC_LOG_ERROR, "cannot start worker thread %zu", w);
            return -1;
        }
    return 0;
}

/* Accepts connections waiting on the outside or inside listening socket
 * and hands each to the worker with the fewest connections of that
 * listener (so the workers share the load evenly, whatever the order they
 * wake in). Returns false when the listener is at
 * system.http.connection_limit or accept fails for want of resources: the
 * rest waits in the backlog and the caller tries again shortly. */
static bool accept_some(httpd_t *httpd, httpd_listener_t *listener)
{
    unsigned limit = httpd->ctx.gen->policy->system.http.connection_limit;
    for (unsigned n = 0; n < ACCEPT_BATCH; n++) {
        size_t least = 0;
        unsigned total = 0, least_load = UINT_MAX;
        for (size_t w = 0; w < httpd->worker_count; w++) {
            unsigned load = httpd_worker_load(httpd->workers[w], listener->kind);
            total += load;
            if (load < least_load) {
                least_load = load;
                least = w;
            }
        }
        if (total >= limit)
            return false;
        struct sockaddr_storage addr;
        socklen_t len = sizeof(addr);
        int fd =
            accept4(listener->fd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return true;
            if (errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno != httpd->accept_errno)
                httpd_log(&httpd->ctx, MCSEC_LOG_ERROR, "accept: %s", strerror(errno));
            httpd->accept_errno = errno;
            return false;
        }
        httpd->accept_errno = 0;
        if (httpd_worker_hand(httpd->workers[least], listener->kind, fd,
                              (const struct sockaddr *)&addr, len) != 0)
            close(fd);
    }
    return true;
}

static int run(httpd_t *httpd, const options_t *opt)
{
    const mcsec_system_t *sys = &httpd->ctx.gen->policy->system;
    const mcsec_addr_t *addrs[3] = {&sys->http_proxy,
                                    sys->http.has_inside ? &sys->http.inside : NULL, NULL};
    mcsec_addr_t admin;
    if (opt->admin) {
        if (!parse_admin(opt->admin, &admin)) {
            httpd_log(&httpd->ctx, MCSEC_LOG_ERROR, "invalid --admin address '%s'", opt->admin);
            return 1;
        }
        addrs[LISTEN_ADMIN] = &admin;
    }
    for (size_t i = 0; i < 3; i++) {
        httpd->listeners[i].ctx = &httpd->ctx;
        httpd->listeners[i].kind = (listen_kind_t)i;
        httpd->listeners[i].fd = -1;
        if (!addrs[i])
            continue;
        httpd->listeners[i].fd = listen_on(addrs[i]);
        if (httpd->listeners[i].fd < 0) {
            httpd_log(&httpd->ctx, MCSEC_LOG_ERROR, "cannot listen on %s:%u: %s", addrs[i]->ip,
                      addrs[i]->port, strerror(errno));
            return 1;
        }
    }
    if (opt->user && !drop_privileges(httpd, opt->user))
        return 1;
    if (start_workers(httpd) != 0)
        return 1;
    if (httpd->listeners[LISTEN_ADMIN].fd >= 0 &&
        !(httpd->admin =
              httpd_site_start(&httpd->listeners[LISTEN_ADMIN], NULL, httpd->ctx.gen, 16)))
        return 1;
    httpd_log(&httpd->ctx, MCSEC_LOG_NOTICE, "listening: outside %s:%u%s%s", sys->http_proxy.ip,
              sys->http_proxy.port, sys->http.has_inside ? ", inside " : "",
              sys->http.has_inside ? sys->http.inside.ip : "");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sigfd < 0) {
        httpd_log(&httpd->ctx, MCSEC_LOG_ERROR, "signalfd: %s", strerror(errno));
        return 1;
    }
    /* The main thread accepts for the workers and handles the signals. */
    bool full[2] = {false, false};
    for (;;) {
        struct pollfd fds[3] = {{sigfd, POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
        for (size_t kind = 0; kind < 2; kind++)
            if (!full[kind])
                fds[1 + kind].fd = httpd->listeners[kind].fd;
        int ready = poll(fds, 3, full[0] || full[1] ? ACCEPT_RETRY_MS : 1000);
        time_t now = time(NULL);
        if (now >= httpd->expiry_at) {
            httpd_alarms_expiry(&httpd->ctx, &httpd->alarms, httpd->ctx.gen, (int64_t)now);
            httpd->expiry_at = now + EXPIRY_INTERVAL;
        }
        if (now >= httpd->replay_at) {
            httpd_replay_t *const caches[2] = {httpd->ctx.ear_replay, httpd->ctx.gmk_replay};
            httpd_alarms_replay(&httpd->ctx, &httpd->alarms, caches, (int64_t)now);
            httpd->replay_at = now + REPLAY_INTERVAL;
        }
        for (size_t kind = 0; ready >= 0 && kind < 2; kind++)
            if (httpd->listeners[kind].fd >= 0 && (full[kind] || fds[1 + kind].revents))
                full[kind] = !accept_some(httpd, &httpd->listeners[kind]);
        struct signalfd_siginfo info;
        if (ready <= 0 || !(fds[0].revents & POLLIN) ||
            read(sigfd, &info, sizeof(info)) != (ssize_t)sizeof(info))
            continue;
        if (info.ssi_signo == SIGHUP) {
            reload(httpd, &info);
        } else if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) {
            httpd_log(&httpd->ctx, MCSEC_LOG_NOTICE, "stopping");
            close(sigfd);
            stop(httpd, 10);
            return 0;
        }
    }
}

int main(int argc, char **argv)
{
    options_t opt = {NULL, NULL, NULL, MCSEC_LOG_NOTICE, false, NULL, false};
    int rc = parse_options(argc, argv, &opt);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    httpd_t httpd;
    memset(&httpd, 0, sizeof(httpd));
    httpd_ctx_init(&httpd.ctx, opt.policy, opt.level);
    httpd.ctx.level_fixed = opt.level_fixed;
    httpd.ctx.state_dir = opt.state_dir;
    /* Signals go to the main thread's signalfd only; SIGPIPE nowhere. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    char err[4096];
    /* The GMK body scanner parses XML in the worker threads: libxml2
     * must be initialised once before any of them runs. */
    xmlInitParser();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || gnutls_global_init() < 0) {
        fprintf(stderr, "mcsec-httpd: cannot initialise libcurl or GnuTLS\n");
        return 1;
    }
    /* --check with --user: load as the service user, whose file access is
     * what the running proxy will have after its drop. */
    if (opt.check && opt.user && !drop_privileges(&httpd, opt.user)) {
        rc = 1;
        httpd_ctx_destroy(&httpd.ctx);
        return rc;
    }
    httpd.ctx.gen = httpd_gen_load(opt.policy, err, sizeof(err));
    if (!httpd.ctx.gen && opt.check) {
        fprintf(stderr, "%s", err);
        rc = 1;
    } else if (!httpd.ctx.gen) {
        account(&httpd, HTTPD_TRIGGER_START, NULL, NULL, "cannot start: the policy is refused", err,
                NULL);
        rc = 1;
    } else if (opt.check) {
        log_warnings(&httpd.ctx, httpd.ctx.gen, true);
        printf("%s: ok\n", opt.policy);
    } else if (!(httpd.ctx.ear_replay =
                     httpd_replay_new(httpd.ctx.gen->policy->system.ear_replay_entries)) ||
               !(httpd.ctx.gmk_replay =
                     httpd_replay_new(httpd.ctx.gen->policy->system.gmk.replay_entries))) {
        fprintf(stderr, "mcsec-httpd: out of memory for the replay caches\n");
        rc = 1;
    } else {
        account(&httpd, HTTPD_TRIGGER_START, NULL, httpd.ctx.gen, "policy loaded", NULL, NULL);
        log_warnings(&httpd.ctx, httpd.ctx.gen, false);
        rc = run(&httpd, &opt);
        if (rc != 0)
            stop(&httpd, 0);
    }
    httpd_alarms_free(&httpd.alarms);
    httpd_ctx_destroy(&httpd.ctx);
    gnutls_global_deinit();
    curl_global_cleanup();
    return rc;
}
