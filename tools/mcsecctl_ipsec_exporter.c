/* mcsecctl ipsec exporter: the Prometheus exporter of the border's IPsec
 * SAs (job mcsec_ipsec, docs/metrics-http-and-ipsec.md). A libmicrohttpd
 * server answers GET /metrics; each scrape, and a poll every --interval
 * seconds, runs `swanctl --list-sas --raw` (over charon's VICI socket,
 * --uri) and reads it back per partner (mcsec/ipsec/sa_status.h): every
 * partner of the policy with an IPsec gateway (the connections mcsecctl
 * ipsec render writes, named after the partner) gets
 *   mcsec_ipsec_sa_up{partner}                         1 / 0
 *   mcsec_ipsec_child_sas{partner}                     installed CHILD_SAs
 *   mcsec_ipsec_sa_last_rekey_timestamp_seconds{partner}
 * (0 when down, so an alert fires), and a change of a partner's state is
 * logged once: alarm ipsec.sa_down when it goes down (or is down at the
 * first look), event=ipsec_sa_up when it comes back. The policy is read
 * again at each look (a partner added shows up without a restart); when
 * it cannot be read the last good one stays. Logs: one logfmt line per
 * event on stderr (JSON with logging.format: json) behind its syslog
 * priority "<N>" (journald reads it). */
#define _GNU_SOURCE /* pipe2 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "mcsec/ipsec/sa_status.h"
#include "mcsec/obs/alarm.h"
#include "mcsec/obs/logline.h"
#include "mcsec/obs/prom.h"
#include "mcsec/policy/policy.h"
#include "mcsecctl.h"

#define EXPORTER_USAGE                                                                             \
    "usage: mcsecctl ipsec exporter --policy FILE [--listen IP:PORT] [--uri VICI-URI]\n"           \
    "                               [--swanctl PATH] [--interval SECONDS]\n"
#define RAW_MAX (4u << 20)
#define SWANCTL_TIMEOUT_MS 5000
#define MAX_PARTNERS 256

extern char **environ;

typedef struct {
    char name[128];
    int up; /* -1: not looked at yet */
} partner_state_t;

typedef struct {
    const char *policy_path, *uri, *swanctl;
    pthread_mutex_t lock;
    mcsec_policy_t *policy; /* the last good one */
    mcsec_logfmt_t format;
    partner_state_t partners[MAX_PARTNERS];
    size_t partner_count;
    bool charon_ok; /* the last swanctl call worked */
    bool charon_seen;
} exporter_t;

static void log_line(mcsec_logline_t *line, int priority)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld.%03ld", (long long)now.tv_sec, now.tv_nsec / 1000000);
    mcsec_logline_str(line, "ts", ts);
    fprintf(stderr, "<%d>%s\n", priority, mcsec_logline_text(line));
}

/* swanctl's output into a malloc'd string; NULL when it could not run, ran
 * too long or failed (charon not running). */
static char *run_swanctl(const exporter_t *ex)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return NULL;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)ex->swanctl,      "--list-sas",    "--raw",
                    ex->uri ? "--uri" : NULL, (char *)ex->uri, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, ex->swanctl, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return NULL;
    }
    size_t len = 0, cap = 8192;
    char *out = malloc(cap);
    bool ok = out != NULL;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (ok) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = SWANCTL_TIMEOUT_MS -
                    ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
        struct pollfd pfd = {fds[0], POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
            ok = false;
            break;
        }
        if (len + 4096 > cap) {
            char *grown = cap < RAW_MAX ? realloc(out, cap * 2) : NULL;
            if (!grown) {
                ok = false;
                break;
            }
            out = grown;
            cap *= 2;
        }
        ssize_t n = read(fds[0], out + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fds[0]);
    if (!ok)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(out);
        return NULL;
    }
    out[len] = '\0';
    return out;
}

/* Reads the policy again; the last good one stays when it cannot. */
static void reload_policy(exporter_t *ex)
{
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    if (mcsec_policy_load_file(ex->policy_path, &policy, &diags) == MCSEC_OK) {
        mcsec_policy_free(ex->policy);
        ex->policy = policy;
        ex->format =
            policy->logging.format == MCSEC_LOG_FORMAT_JSON ? MCSEC_LOGFMT_JSON : MCSEC_LOGFMT_TEXT;
    } else if (ex->policy) {
        mcsec_logline_t line;
        char first[512] = "";
        if (diags.count > 0)
            mcsec_diag_format(&diags.items[0], first, sizeof(first));
        mcsec_logline_init(&line, ex->format);
        mcsec_logline_str(&line, "event", "log");
        mcsec_logline_str(&line, "msg", "policy unreadable, the last good one stays");
        mcsec_logline_str(&line, "error", first);
        log_line(&line, 4);
    }
    mcsec_diag_list_free(&diags);
}

static partner_state_t *state_of(exporter_t *ex, const char *name)
{
    for (size_t i = 0; i < ex->partner_count; i++)
        if (strcmp(ex->partners[i].name, name) == 0)
            return &ex->partners[i];
    if (ex->partner_count == MAX_PARTNERS)
        return NULL;
    partner_state_t *s = &ex->partners[ex->partner_count++];
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->up = -1;
    return s;
}

/* One state change of a partner: the alarm or its end. */
static void log_change(const exporter_t *ex, const char *partner, bool up)
{
    mcsec_logline_t line;
    mcsec_logline_init(&line, ex->format);
    if (up) {
        mcsec_logline_str(&line, "event", "alarm_cleared");
        mcsec_logline_str(&line, "alarm", mcsec_alarm_code(MCSEC_ALARM_SA_DOWN));
    } else {
        mcsec_logline_str(&line, "event", "alarm");
        mcsec_logline_str(&line, "alarm", mcsec_alarm_code(MCSEC_ALARM_SA_DOWN));
        mcsec_logline_str(&line, "severity",
                          mcsec_alarm_priority(MCSEC_ALARM_SA_DOWN) <= 3 ? "err" : "warning");
    }
    mcsec_logline_str(&line, "partner", partner);
    mcsec_logline_str(&line, "msg",
                      up ? "IPsec SA to the partner is up again"
                         : "no IPsec SA to the partner: its traffic is blocked");
    log_line(&line, up ? 5 : mcsec_alarm_priority(MCSEC_ALARM_SA_DOWN));
}

/* Looks at charon once: updates the states (logging changes) and, when
 * page is not NULL, writes the metrics. Lock held. */
static void look(exporter_t *ex, mcsec_prom_t *page)
{
    reload_policy(ex);
    char *raw = run_swanctl(ex);
    int64_t now = (int64_t)time(NULL);
    if (!ex->charon_seen || ex->charon_ok != (raw != NULL)) {
        mcsec_logline_t line;
        mcsec_logline_init(&line, ex->format);
        mcsec_logline_str(&line, "event", "log");
        mcsec_logline_str(&line, "msg",
                          raw ? "charon answers swanctl --list-sas"
                              : "swanctl --list-sas failed: charon not running or "
                                "its VICI socket unreachable; every SA counts as down");
        log_line(&line, raw ? 5 : 4);
    }
    ex->charon_seen = true;
    ex->charon_ok = raw != NULL;
    static const char *const names[3] = {"mcsec_ipsec_sa_up", "mcsec_ipsec_child_sas",
                                         "mcsec_ipsec_sa_last_rekey_timestamp_seconds"};
    static const char *const helps[3] = {
        "1 when an IKE_SA to the partner is established with an installed CHILD_SA",
        "Installed CHILD_SAs to the partner",
        "Unix time the newest installed CHILD_SA to the partner was set up (0: none)"};
    size_t count = ex->policy ? ex->policy->partner_count : 0;
    mcsec_ipsec_sa_state_t *states = calloc(count ? count : 1, sizeof(*states));
    for (size_t i = 0; states && i < count; i++) {
        const mcsec_partner_t *p = &ex->policy->partners[i];
        if (!p->has_gateway)
            continue;
        if (!raw || mcsec_ipsec_sa_state(raw, p->name, now, &states[i]) != MCSEC_OK)
            memset(&states[i], 0, sizeof(states[i]));
        partner_state_t *s = state_of(ex, p->name);
        if (s && s->up != (int)states[i].up) {
            if (s->up != -1 || !states[i].up)
                log_change(ex, p->name, states[i].up);
            s->up = states[i].up;
        }
    }
    for (size_t m = 0; page && states && m < 3; m++) {
        mcsec_prom_family(page, names[m], "gauge", helps[m]);
        for (size_t i = 0; i < count; i++) {
            const mcsec_partner_t *p = &ex->policy->partners[i];
            if (!p->has_gateway)
                continue;
            const char *labels[] = {"partner", p->name, NULL};
            double v = m == 0   ? (states[i].up ? 1 : 0)
                       : m == 1 ? (double)states[i].child_sas
                                : (double)states[i].last_rekey;
            mcsec_prom_sample(page, names[m], labels, v);
        }
    }
    if (page) {
        mcsec_prom_family(page, "mcsec_build_info", "gauge", "The running exporter's version");
        const char *labels[] = {"version", MCSEC_VERSION, NULL};
        mcsec_prom_sample(page, "mcsec_build_info", labels, 1);
    }
    if (!states && page)
        page->failed = true;
    free(states);
    free(raw);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    exporter_t *ex = cls;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)req_cls;
    bool metrics = strcmp(method, "GET") == 0 && strcmp(url, "/metrics") == 0;
    mcsec_prom_t page;
    mcsec_prom_init(&page);
    const char *text = NULL;
    size_t len = 0;
    if (metrics) {
        pthread_mutex_lock(&ex->lock);
        look(ex, &page);
        pthread_mutex_unlock(&ex->lock);
        text = mcsec_prom_text(&page, &len);
    }
    static const char not_found[] = "GET /metrics only\n", failed[] = "cannot write the page\n";
    unsigned status = !metrics ? MHD_HTTP_NOT_FOUND
                      : text   ? MHD_HTTP_OK
                               : MHD_HTTP_INTERNAL_SERVER_ERROR;
    if (!text) {
        text = metrics ? failed : not_found;
        len = strlen(text);
    }
    struct MHD_Response *response =
        MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
    mcsec_prom_free(&page);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            status == MHD_HTTP_OK ? MCSEC_PROM_CONTENT_TYPE : "text/plain");
    enum MHD_Result rc = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return rc;
}

/* "IP:PORT" or "[v6]:PORT" into ss. */
static bool parse_listen(const char *text, struct sockaddr_storage *ss)
{
    char ip[64];
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof(ip))
        return false;
    size_t n = (size_t)(colon - text);
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!end || *end || port < 1 || port > 65535)
        return false;
    memset(ss, 0, sizeof(*ss));
    if (text[0] == '[' && n >= 2 && text[n - 1] == ']') {
        memcpy(ip, text + 1, n - 2);
        ip[n - 2] = '\0';
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1;
    }
    memcpy(ip, text, n);
    ip[n] = '\0';
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, ip, &in4->sin_addr) == 1;
}

int mcsecctl_ipsec_exporter(int argc, char **argv)
{
    static const char *const known[] = {"--policy",  "--listen",   "--uri",
                                        "--swanctl", "--interval", NULL};
    if (!mcsecctl_opts_known(argc, argv, known) || !mcsecctl_opt(argc, argv, "--policy")) {
        fprintf(stderr, EXPORTER_USAGE);
        return MCSECCTL_USAGE;
    }
    const char *listen = mcsecctl_opt(argc, argv, "--listen");
    const char *interval_text = mcsecctl_opt(argc, argv, "--interval");
    long interval = interval_text ? strtol(interval_text, NULL, 10) : 30;
    struct sockaddr_storage ss;
    if (!parse_listen(listen ? listen : "127.0.0.1:9612", &ss) || interval < 1 ||
        interval > 86400) {
        fprintf(stderr,
                "mcsecctl: bad --listen (IP:PORT) or --interval (1..86400 s)\n" EXPORTER_USAGE);
        return MCSECCTL_USAGE;
    }
    exporter_t *ex = calloc(1, sizeof(*ex));
    if (!ex)
        return MCSECCTL_FAIL;
    ex->policy_path = mcsecctl_opt(argc, argv, "--policy");
    ex->uri = mcsecctl_opt(argc, argv, "--uri");
    ex->swanctl = mcsecctl_opt(argc, argv, "--swanctl");
    if (!ex->swanctl)
        ex->swanctl = "swanctl";
    pthread_mutex_init(&ex->lock, NULL);
    mcsec_diag_list_t diags = {NULL, 0};
    if (mcsec_policy_load_file(ex->policy_path, &ex->policy, &diags) != MCSEC_OK) {
        for (size_t i = 0; i < diags.count; i++) {
            char line[1024];
            mcsec_diag_format(&diags.items[i], line, sizeof(line));
            fprintf(stderr, "<3>event=start result=failed error=\"%s\"\n", line);
        }
        mcsec_diag_list_free(&diags);
        free(ex);
        return MCSECCTL_FAIL;
    }
    mcsec_diag_list_free(&diags);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    sigaddset(&set, SIGHUP);                /* nothing to reload: the policy is read at each look */
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before the daemon's thread starts */
    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
            (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
        0, NULL, NULL, answer, ex, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!daemon) {
        fprintf(stderr, "<3>event=start result=failed error=\"cannot listen on %s\"\n",
                listen ? listen : "127.0.0.1:9612");
        mcsec_policy_free(ex->policy);
        free(ex);
        return MCSECCTL_FAIL;
    }
    sigdelset(&set, SIGPIPE);
    sigdelset(&set, SIGHUP);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
    mcsec_logline_t line;
    mcsec_logline_init(&line, ex->format);
    mcsec_logline_str(&line, "event", "start");
    mcsec_logline_str(&line, "listen", listen ? listen : "127.0.0.1:9612");
    mcsec_logline_str(&line, "policy", ex->policy_path);
    log_line(&line, 5);
    for (;;) {
        pthread_mutex_lock(&ex->lock);
        look(ex, NULL);
        pthread_mutex_unlock(&ex->lock);
        struct pollfd pfd = {sigfd, POLLIN, 0};
        if (sigfd >= 0 && poll(&pfd, 1, (int)interval * 1000) > 0)
            break;
        if (sigfd < 0)
            sleep((unsigned)interval);
    }
    MHD_stop_daemon(daemon);
    if (sigfd >= 0)
        close(sigfd);
    mcsec_policy_free(ex->policy);
    pthread_mutex_destroy(&ex->lock);
    free(ex);
    return MCSECCTL_OK;
}
