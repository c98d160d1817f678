/* mcsec-httpd: the HTTP-3 border proxy. Options, sockets, privilege drop,
 * reload on SIGHUP and graceful stop on SIGTERM/SIGINT.
 *
 * usage: mcsec-httpd --policy FILE [--admin IP:PORT] [--user NAME]
 *                    [--log-level LEVEL] [--check] */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <libxml/parser.h>

#include "httpd.h"
#include "mcsec/ear.h"

typedef struct {
    const char *policy;
    const char *admin;
    const char *user;
    mcsec_log_level_t level;
    bool check;
} options_t;

static void usage(FILE *out)
{
    fprintf(out, "usage: mcsec-httpd --policy FILE [--admin IP:PORT] [--user NAME]\n"
                 "                   [--log-level error|warning|notice|info|debug] [--check]\n");
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
                                          {NULL, 0, NULL, 0}};
    static const char *const levels[] = {"error", "warning", "notice", "info", "debug"};
    opt->level = MCSEC_LOG_NOTICE;
    int c;
    while ((c = getopt_long(argc, argv, "p:a:u:l:nh", longs, NULL)) != -1) {
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
            break;
        }
        case 'n':
            opt->check = true;
            break;
        case 'h':
            usage(stdout);
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
        httpd_log(httpd, MCSEC_LOG_ERROR, "unknown user '%s'", user);
        return false;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        httpd_log(httpd, MCSEC_LOG_ERROR, "cannot drop privileges to '%s': %s", user,
                  strerror(errno));
        return false;
    }
    if (setuid(0) == 0) {
        httpd_log(httpd, MCSEC_LOG_ERROR, "privileges could be regained after the drop");
        return false;
    }
    httpd_log(httpd, MCSEC_LOG_NOTICE, "running as %s", user);
    return true;
}

httpd_gen_t *httpd_current(httpd_t *httpd)
{
    pthread_mutex_lock(&httpd->gen_lock);
    httpd_gen_t *gen = httpd_gen_ref(httpd->gen);
    pthread_mutex_unlock(&httpd->gen_lock);
    return gen;
}

/* Stops retired daemons that have no connection left. */
static void reap_retired(httpd_t *httpd, bool force)
{
    for (size_t i = 0; i < 3; i++) {
        struct MHD_Daemon *old = httpd->retired[i];
        if (!old)
            continue;
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(old, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (force || !info || info->num_connections == 0) {
            MHD_stop_daemon(old);
            httpd->retired[i] = NULL;
        }
    }
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
    if (httpd_replay_resize(httpd->ear_replay, gen->policy->system.ear_replay_entries, now + ear) !=
            0 ||
        httpd_replay_resize(httpd->gmk_replay, gen->policy->system.gmk.replay_entries, now + gmk) !=
            0)
        httpd_log(httpd, MCSEC_LOG_ERROR,
                  "out of memory for a new replay cache bound: the "
                  "running bound stays");
}

/* SIGHUP: load the policy again; keep the running state when it fails.
 * When the TLS material changed, a new outside daemon takes over the same
 * listening socket and the old one finishes its open connections. */
static void reload(httpd_t *httpd)
{
    char err[4096];
    httpd_gen_t *gen = httpd_gen_load(httpd->policy_path, err, sizeof(err));
    if (!gen) {
        httpd_log(httpd, MCSEC_LOG_ERROR, "reload failed, keeping the running policy: %s", err);
        return;
    }
    httpd_gen_t *old = httpd_current(httpd);
    bool tls = httpd_gen_tls_differs(old, gen);
    resize_replay(httpd, old, gen);
    httpd_gen_unref(old);
    if (tls) {
        httpd_listener_t *outside = &httpd->listeners[LISTEN_OUTSIDE];
        reap_retired(httpd, true);
        struct MHD_Daemon *previous = outside->daemon;
        MHD_quiesce_daemon(previous);
        if (httpd_listener_start(outside, gen) != 0) {
            /* The old daemon cannot take its socket back: keep serving the
             * open connections, accept again with a daemon of the old state. */
            httpd_gen_t *running = httpd_current(httpd);
            int rc = httpd_listener_start(outside, running);
            httpd_gen_unref(running);
            httpd->retired[LISTEN_OUTSIDE] = previous;
            httpd_gen_unref(gen);
            httpd_log(httpd, MCSEC_LOG_ERROR, "reload failed: TLS material refused%s",
                      rc == 0 ? ", keeping the running state" : "");
            return;
        }
        httpd->retired[LISTEN_OUTSIDE] = previous;
    }
    pthread_mutex_lock(&httpd->gen_lock);
    old = httpd->gen;
    httpd->gen = gen;
    pthread_mutex_unlock(&httpd->gen_lock);
    httpd_gen_unref(old);
    httpd_log(httpd, MCSEC_LOG_NOTICE, "reloaded %s%s", httpd->policy_path,
              tls ? " (new TLS daemon)" : "");
}

/* Graceful stop: no new connections, let requests in flight finish (up to
 * a deadline), then stop. */
static void stop(httpd_t *httpd, unsigned grace)
{
    for (size_t i = 0; i < 3; i++)
        if (httpd->listeners[i].daemon)
            MHD_quiesce_daemon(httpd->listeners[i].daemon);
    time_t deadline = time(NULL) + grace;
    for (;;) {
        unsigned open = 0;
        for (size_t i = 0; i < 3; i++) {
            if (!httpd->listeners[i].daemon || i == LISTEN_ADMIN)
                continue;
            const union MHD_DaemonInfo *info = MHD_get_daemon_info(
                httpd->listeners[i].daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
            open += info ? info->num_connections : 0;
        }
        if (open == 0 || time(NULL) >= deadline)
            break;
        struct timespec nap = {0, 50 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    /* Jobs still in the curl thread resume their connections when done;
     * stop it first so no connection stays suspended. */
    httpd_forwarder_stop(httpd->forwarder);
    httpd->forwarder = NULL;
    reap_retired(httpd, true);
    for (size_t i = 0; i < 3; i++)
        if (httpd->listeners[i].daemon) {
            MHD_stop_daemon(httpd->listeners[i].daemon);
            httpd->listeners[i].daemon = NULL;
        }
}

static int run(httpd_t *httpd, const options_t *opt)
{
    const mcsec_system_t *sys = &httpd->gen->policy->system;
    const mcsec_addr_t *addrs[3] = {&sys->http_proxy,
                                    sys->http.has_inside ? &sys->http.inside : NULL, NULL};
    mcsec_addr_t admin;
    if (opt->admin) {
        if (!parse_admin(opt->admin, &admin)) {
            httpd_log(httpd, MCSEC_LOG_ERROR, "invalid --admin address '%s'", opt->admin);
            return 1;
        }
        addrs[LISTEN_ADMIN] = &admin;
    }
    for (size_t i = 0; i < 3; i++) {
        httpd->listeners[i].httpd = httpd;
        httpd->listeners[i].kind = (listen_kind_t)i;
        httpd->listeners[i].fd = -1;
        if (!addrs[i])
            continue;
        httpd->listeners[i].fd = listen_on(addrs[i]);
        if (httpd->listeners[i].fd < 0) {
            httpd_log(httpd, MCSEC_LOG_ERROR, "cannot listen on %s:%u: %s", addrs[i]->ip,
                      addrs[i]->port, strerror(errno));
            return 1;
        }
    }
    if (opt->user && !drop_privileges(httpd, opt->user))
        return 1;
    httpd->forwarder = httpd_forwarder_start(httpd);
    if (!httpd->forwarder) {
        httpd_log(httpd, MCSEC_LOG_ERROR, "cannot start the forwarding thread");
        return 1;
    }
    for (size_t i = 0; i < 3; i++)
        if (httpd->listeners[i].fd >= 0 && httpd_listener_start(&httpd->listeners[i], httpd->gen))
            return 1;
    httpd_log(httpd, MCSEC_LOG_NOTICE, "listening: outside %s:%u%s%s", sys->http_proxy.ip,
              sys->http_proxy.port, sys->http.has_inside ? ", inside " : "",
              sys->http.has_inside ? sys->http.inside.ip : "");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    for (;;) {
        struct timespec tick = {1, 0};
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGHUP) {
            reload(httpd);
        } else if (sig == SIGTERM || sig == SIGINT) {
            httpd_log(httpd, MCSEC_LOG_NOTICE, "stopping");
            stop(httpd, 10);
            return 0;
        }
        reap_retired(httpd, false);
    }
}

int main(int argc, char **argv)
{
    options_t opt = {NULL, NULL, NULL, MCSEC_LOG_NOTICE, false};
    int rc = parse_options(argc, argv, &opt);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    httpd_t httpd;
    memset(&httpd, 0, sizeof(httpd));
    httpd.log_level = opt.level;
    httpd.policy_path = opt.policy;
    pthread_mutex_init(&httpd.gen_lock, NULL);
    httpd_stats_init(&httpd.stats);
    /* Signals go to the main thread's sigtimedwait only; SIGPIPE nowhere. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    char err[4096];
    /* The GMK body scanner parses XML in the MHD and curl threads: libxml2
     * must be initialised once before any of them runs. */
    xmlInitParser();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || gnutls_global_init() < 0) {
        fprintf(stderr, "mcsec-httpd: cannot initialise libcurl or GnuTLS\n");
        return 1;
    }
    httpd.gen = httpd_gen_load(opt.policy, err, sizeof(err));
    if (!httpd.gen) {
        fprintf(stderr, "%s", err);
        rc = 1;
    } else if (opt.check) {
        printf("%s: ok\n", opt.policy);
    } else if (!(httpd.ear_replay =
                     httpd_replay_new(httpd.gen->policy->system.ear_replay_entries)) ||
               !(httpd.gmk_replay =
                     httpd_replay_new(httpd.gen->policy->system.gmk.replay_entries))) {
        fprintf(stderr, "mcsec-httpd: out of memory for the replay caches\n");
        rc = 1;
    } else {
        httpd.log_level = opt.level;
        rc = run(&httpd, &opt);
        if (rc != 0)
            stop(&httpd, 0);
    }
    httpd_gen_unref(httpd.gen);
    httpd_replay_free(httpd.ear_replay);
    httpd_replay_free(httpd.gmk_replay);
    httpd_stats_destroy(&httpd.stats);
    pthread_mutex_destroy(&httpd.gen_lock);
    gnutls_global_deinit();
    curl_global_cleanup();
    return rc;
}
