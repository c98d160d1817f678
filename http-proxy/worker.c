/* The worker threads. Each runs one event loop (epoll) over its own
 * libmicrohttpd daemons (one per listener, run with MHD_run when their
 * epoll fd is ready or a timeout is due) and its own libcurl multi
 * (forward.c). A connection is handed to one worker and stays there: its
 * requests are read, checked, forwarded and answered by that thread (the
 * access handler starts the transfer and suspends the connection, the loop
 * resumes it when the transfer ends). No request crosses threads, so none
 * waits for another thread to be scheduled.
 *
 * The main thread talks to a worker through its mailbox (a lock, an
 * eventfd): connections it accepted for this worker, daemons that replace
 * the worker's own after a reload, and the stop request. The load counters
 * are atomic; everything else belongs to the worker thread alone. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "forward.h"
#include "worker.h"

#define WORKER_EVENTS 64
#define WORKER_TICK_MS 1000 /* longest sleep: retired daemons, stop deadline */
#define WORKER_PASSES 4     /* MHD_run passes in a row while MHD has work at once */

typedef struct {
    httpd_site_t *site;
    uint64_t due; /* CLOCK_MONOTONIC ms when MHD wants a run; UINT64_MAX none */
    bool ready;   /* its epoll fd fired */
} worker_slot_t;

struct httpd_worker {
    httpd_ctx_t *ctx;
    unsigned index;
    pthread_t thread;
    bool started;
    int epoll_fd;
    int wake_fd; /* eventfd: the mailbox has something */
    forwarder_t *fwd;
    /* Daemons this thread runs: current ones (one per listener) and
     * retired ones (quiesced, finishing their connections). */
    worker_slot_t *slots;
    size_t slot_count, slot_cap;
    httpd_site_t *current[2]; /* the daemon taking new connections, per kind */
    /* Connections per listener kind, open on this worker's daemons or
     * handed over and not yet taken: the main thread's balance. */
    atomic_uint load[2];
    /* mailbox, under lock */
    pthread_mutex_t lock;
    httpd_site_t *incoming[2]; /* per listener kind (outside, inside) */
    struct handoff *handoffs;  /* accepted connections, oldest first */
    struct handoff **handoffs_tail;
    time_t stop_deadline; /* 0: keep running */
    /* The generation this worker's connections were last checked
     * against (a reference), and when to look for a new one. */
    httpd_gen_t *checked_gen;
    uint64_t check_at;
};

/* How often a worker looks for a new generation (after a reload) to check
 * its idle partner connections against: with the loop's tick the bound for
 * closing a connection whose certificate the reload revoked. */
#define WORKER_RECHECK_MS 200

/* A connection the main thread accepted for this worker. */
struct handoff {
    struct handoff *next;
    listen_kind_t kind;
    int fd;
    socklen_t addr_len;
    struct sockaddr_storage addr;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

httpd_worker_t *httpd_worker_new(httpd_ctx_t *ctx, unsigned index)
{
    httpd_worker_t *worker = calloc(1, sizeof(*worker));
    if (!worker)
        return NULL;
    worker->ctx = ctx;
    worker->index = index;
    worker->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    worker->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = HTTPD_EV_WAKE};
    if (worker->epoll_fd < 0 || worker->wake_fd < 0 ||
        epoll_ctl(worker->epoll_fd, EPOLL_CTL_ADD, worker->wake_fd, &ev) != 0 ||
        !(worker->fwd = httpd_forwarder_new(worker->epoll_fd))) {
        if (worker->epoll_fd >= 0)
            close(worker->epoll_fd);
        if (worker->wake_fd >= 0)
            close(worker->wake_fd);
        free(worker);
        return NULL;
    }
    pthread_mutex_init(&worker->lock, NULL);
    worker->handoffs_tail = &worker->handoffs;
    return worker;
}

httpd_site_t *httpd_worker_site_start(httpd_worker_t *worker, httpd_listener_t *listener,
                                      const httpd_gen_t *gen, unsigned connection_limit)
{
    /* The daemons' connection notifications count into load[kind]. */
    httpd_site_host_t host = {.fwd = worker->fwd, .load = &worker->load[listener->kind]};
    return httpd_site_start(listener, &host, gen, connection_limit);
}

unsigned httpd_worker_load(httpd_worker_t *worker, listen_kind_t kind)
{
    return atomic_load(&worker->load[kind]);
}

static void wake(httpd_worker_t *worker)
{
    uint64_t one = 1;
    if (write(worker->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        httpd_log(worker->ctx, MCSEC_LOG_ERROR, "worker %u: wake-up failed", worker->index);
}

int httpd_worker_hand(httpd_worker_t *worker, listen_kind_t kind, int fd,
                      const struct sockaddr *addr, socklen_t addr_len)
{
    struct handoff *handoff = calloc(1, sizeof(*handoff));
    if (!handoff || addr_len > sizeof(handoff->addr)) {
        free(handoff);
        return -1;
    }
    handoff->kind = kind;
    handoff->fd = fd;
    handoff->addr_len = addr_len;
    memcpy(&handoff->addr, addr, addr_len);
    /* Counted until the worker has added it (or closed it), then the
     * daemon's connection notifications count it. */
    atomic_fetch_add(&worker->load[kind], 1);
    pthread_mutex_lock(&worker->lock);
    *worker->handoffs_tail = handoff;
    worker->handoffs_tail = &handoff->next;
    pthread_mutex_unlock(&worker->lock);
    wake(worker);
    return 0;
}

/* Adds a daemon to the loop; false when out of memory or epoll refuses. */
static bool add_slot(httpd_worker_t *worker, httpd_site_t *site)
{
    if (worker->slot_count == worker->slot_cap) {
        size_t cap = worker->slot_cap ? worker->slot_cap * 2 : 4;
        worker_slot_t *grown = realloc(worker->slots, cap * sizeof(*grown));
        if (!grown)
            return false;
        worker->slots = grown;
        worker->slot_cap = cap;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(site->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    size_t index = worker->slot_count;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = HTTPD_EV_SITE | index};
    if (!info || epoll_ctl(worker->epoll_fd, EPOLL_CTL_ADD, info->epoll_fd, &ev) != 0)
        return false;
    /* Run once at the start: MHD puts the listening socket in its epoll
     * set then. */
    worker->slots[index] = (worker_slot_t){.site = site, .due = 0, .ready = true};
    worker->slot_count++;
    return true;
}

/* Stops the daemon of a slot and drops the slot (the last one moves in). */
static void remove_slot(httpd_worker_t *worker, size_t index)
{
    httpd_site_t *site = worker->slots[index].site;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(site->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (info)
        epoll_ctl(worker->epoll_fd, EPOLL_CTL_DEL, info->epoll_fd, NULL);
    httpd_site_stop(site);
    size_t last = --worker->slot_count;
    if (index == last)
        return;
    worker->slots[index] = worker->slots[last];
    if (info) {
        const union MHD_DaemonInfo *moved =
            MHD_get_daemon_info(worker->slots[index].site->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = HTTPD_EV_SITE | index};
        if (moved)
            epoll_ctl(worker->epoll_fd, EPOLL_CTL_MOD, moved->epoll_fd, &ev);
    }
}

static unsigned open_connections(const httpd_site_t *site)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(site->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info ? info->num_connections : 0;
}

/* Takes over a daemon from the main thread: the current daemon of the same
 * listener stops accepting and finishes its connections. */
static void take_site(httpd_worker_t *worker, httpd_site_t *site)
{
    if (!add_slot(worker, site)) {
        httpd_log(worker->ctx, MCSEC_LOG_ERROR, "worker %u: cannot run a new daemon",
                  worker->index);
        httpd_site_stop(site);
        return;
    }
    size_t kind = site->listener->kind;
    if (worker->current[kind])
        worker->current[kind]->quiesced = true; /* retired: no new connections */
    worker->current[kind] = site;
}

/* Adds connections the main thread handed over to the current daemons
 * (closed instead when stopping). */
static void take_handoffs(httpd_worker_t *worker, struct handoff *handoff, bool stopping)
{
    while (handoff) {
        struct handoff *next = handoff->next;
        httpd_site_t *site = worker->current[handoff->kind];
        if (!stopping && site) {
            /* MHD closes the socket when it cannot take it. */
            MHD_add_connection(site->daemon, handoff->fd, (struct sockaddr *)&handoff->addr,
                               handoff->addr_len);
            for (size_t i = 0; i < worker->slot_count; i++)
                if (worker->slots[i].site == site)
                    worker->slots[i].ready = true;
        } else {
            close(handoff->fd);
        }
        atomic_fetch_sub(&worker->load[handoff->kind], 1);
        free(handoff);
        handoff = next;
    }
}

void httpd_worker_give(httpd_worker_t *worker, httpd_site_t *site)
{
    if (!worker->started) {
        take_site(worker, site);
        return;
    }
    size_t kind = site->listener->kind == LISTEN_OUTSIDE ? 0 : 1;
    pthread_mutex_lock(&worker->lock);
    httpd_site_t *unclaimed = worker->incoming[kind];
    worker->incoming[kind] = site;
    pthread_mutex_unlock(&worker->lock);
    /* Superseded before the worker took it: never ran, no connections. */
    httpd_site_stop(unclaimed);
    wake(worker);
}

/* Reads the mailbox; returns the stop deadline (0: none). */
static time_t read_mailbox(httpd_worker_t *worker)
{
    uint64_t count;
    if (read(worker->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
        httpd_log(worker->ctx, MCSEC_LOG_ERROR, "worker %u: wake-up read failed", worker->index);
    pthread_mutex_lock(&worker->lock);
    httpd_site_t *incoming[2] = {worker->incoming[0], worker->incoming[1]};
    worker->incoming[0] = worker->incoming[1] = NULL;
    struct handoff *handoffs = worker->handoffs;
    worker->handoffs = NULL;
    worker->handoffs_tail = &worker->handoffs;
    time_t deadline = worker->stop_deadline;
    pthread_mutex_unlock(&worker->lock);
    for (size_t k = 0; k < 2; k++)
        if (incoming[k])
            take_site(worker, incoming[k]);
    take_handoffs(worker, handoffs, deadline != 0);
    return deadline;
}

/* Runs the daemons that are ready, due or have resumed connections (all
 * of them when force). A daemon that wants another run at once (a
 * connection moving on through its states, data already read) gets it
 * here rather than after another trip through epoll_wait. */
static void run_sites(httpd_worker_t *worker, bool force)
{
    uint64_t now = now_ms();
    for (size_t i = 0; i < worker->slot_count; i++) {
        worker_slot_t *slot = &worker->slots[i];
        httpd_site_t *site = slot->site;
        if (!force && !slot->ready && !site->resumed && slot->due > now)
            continue;
        slot->ready = false;
        for (unsigned pass = 0; pass < WORKER_PASSES; pass++) {
            site->resumed = false;
            MHD_run(site->daemon);
            MHD_UNSIGNED_LONG_LONG timeout;
            if (!site->resumed &&
                (MHD_get_timeout(site->daemon, &timeout) != MHD_YES || timeout > 0))
                break;
        }
    }
}

/* Ends finished transfers' requests: their connections were resumed. */
static void after_transfers(httpd_worker_t *worker, size_t ended)
{
    if (ended > 0)
        run_sites(worker, false);
}

/* Stops retired daemons whose last connection is gone. */
static void reap_retired(httpd_worker_t *worker)
{
    for (size_t i = worker->slot_count; i-- > 0;) {
        httpd_site_t *site = worker->slots[i].site;
        if (site->quiesced && open_connections(site) == 0)
            remove_slot(worker, i);
    }
}

/* How long the loop may sleep: until the next MHD or libcurl timeout. */
static int sleep_ms(httpd_worker_t *worker)
{
    uint64_t now = now_ms();
    long wait = WORKER_TICK_MS;
    for (size_t i = 0; i < worker->slot_count; i++) {
        worker_slot_t *slot = &worker->slots[i];
        MHD_UNSIGNED_LONG_LONG timeout;
        slot->due = UINT64_MAX;
        if (MHD_get_timeout(slot->site->daemon, &timeout) == MHD_YES) {
            slot->due = now + (uint64_t)timeout;
            if ((long long)timeout < wait)
                wait = (long)timeout;
        }
    }
    long curl = httpd_forwarder_timeout(worker->fwd);
    if (curl >= 0 && curl < wait)
        wait = curl;
    return (int)wait;
}

/* Stopping: no daemon takes connections any more. */
static void quiesce_all(httpd_worker_t *worker)
{
    for (size_t i = 0; i < worker->slot_count; i++)
        worker->slots[i].site->quiesced = true;
    worker->current[0] = worker->current[1] = NULL;
}

static bool all_idle(httpd_worker_t *worker)
{
    for (size_t i = 0; i < worker->slot_count; i++)
        if (open_connections(worker->slots[i].site) > 0)
            return false;
    return true;
}

/* After a reload: idle partner connections whose certificate the new
 * generation refuses are shut down (httpd_site_close_refused). */
static void recheck_connections(httpd_worker_t *worker)
{
    uint64_t now = now_ms();
    if (now < worker->check_at)
        return;
    worker->check_at = now + WORKER_RECHECK_MS;
    httpd_gen_t *gen = httpd_ctx_current(worker->ctx);
    if (gen == worker->checked_gen) {
        httpd_gen_unref(gen);
        return;
    }
    unsigned closed = 0;
    for (size_t i = 0; worker->checked_gen && i < worker->slot_count; i++)
        closed += httpd_site_close_refused(worker->slots[i].site, gen);
    httpd_gen_unref(worker->checked_gen);
    worker->checked_gen = gen;
    if (closed > 0)
        run_sites(worker, true);
}

static void *worker_run(void *arg)
{
    httpd_worker_t *worker = arg;
    struct epoll_event events[WORKER_EVENTS];
    time_t deadline = 0;
    for (;;) {
        int n = epoll_wait(worker->epoll_fd, events, WORKER_EVENTS, sleep_ms(worker));
        size_t ended = 0;
        for (int i = 0; i < n; i++) {
            uint64_t tag = events[i].data.u64 & ~(uint64_t)UINT32_MAX;
            uint32_t low = (uint32_t)events[i].data.u64;
            if (tag == HTTPD_EV_CURL)
                ended += httpd_forwarder_socket(worker->fwd, (int)low, events[i].events);
            else if (tag == HTTPD_EV_SITE && low < worker->slot_count)
                worker->slots[low].ready = true;
            else if (tag == HTTPD_EV_WAKE && (deadline = read_mailbox(worker)) != 0)
                quiesce_all(worker);
        }
        after_transfers(worker, ended);
        run_sites(worker, false);
        /* Jobs the handlers just submitted start now, not after a sleep. */
        after_transfers(worker, httpd_forwarder_timer(worker->fwd));
        recheck_connections(worker);
        if (deadline != 0) {
            if (all_idle(worker) || time(NULL) >= deadline)
                break;
        } else {
            reap_retired(worker);
        }
    }
    /* Transfers still running end with an error (their requests get 502)
     * so that no connection stays suspended when the daemons stop. */
    if (httpd_forwarder_abort(worker->fwd) > 0)
        run_sites(worker, true);
    return NULL;
}

int httpd_worker_start(httpd_worker_t *worker)
{
    if (pthread_create(&worker->thread, NULL, worker_run, worker) != 0)
        return -1;
    worker->started = true;
    return 0;
}

void httpd_worker_request_stop(httpd_worker_t *worker, time_t deadline)
{
    if (!worker->started)
        return;
    pthread_mutex_lock(&worker->lock);
    worker->stop_deadline = deadline > 0 ? deadline : 1;
    pthread_mutex_unlock(&worker->lock);
    wake(worker);
}

void httpd_worker_stop(httpd_worker_t *worker)
{
    if (!worker)
        return;
    if (worker->started)
        pthread_join(worker->thread, NULL);
    for (size_t k = 0; k < 2; k++)
        httpd_site_stop(worker->incoming[k]);
    take_handoffs(worker, worker->handoffs, true);
    while (worker->slot_count > 0)
        remove_slot(worker, worker->slot_count - 1);
    free(worker->slots);
    httpd_gen_unref(worker->checked_gen);
    httpd_forwarder_free(worker->fwd);
    close(worker->epoll_fd);
    close(worker->wake_fd);
    pthread_mutex_destroy(&worker->lock);
    free(worker);
}
