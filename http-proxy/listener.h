/* mcsec-httpd: the libmicrohttpd daemons (listener.c). A listener is one
 * socket main bound (outside, inside, admin); a site is one daemon on it
 * with its sizes and its callbacks' closure. Outside and inside daemons
 * are run by a worker's event loop, which lends them its libcurl multi and
 * its connection counter (httpd_site_host_t) and never shows itself; the
 * admin daemon has a thread of its own. Below: request.h and what it
 * includes. */
#ifndef MCSEC_HTTPD_LISTENER_H
#define MCSEC_HTTPD_LISTENER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "forward.h"
#include "httpd.h"
#include "request.h"

typedef struct {
    httpd_ctx_t *ctx;
    listen_kind_t kind;
    int fd; /* our listening socket, kept across daemon restarts (outside and
               inside: the main thread accepts and hands connections over) */
} httpd_listener_t;

/* What a worker lends a daemon it runs. */
typedef struct {
    forwarder_t *fwd;  /* its libcurl multi: the access handler's transfers */
    atomic_uint *load; /* its count of connections of the listener kind */
} httpd_site_host_t;

/* One libmicrohttpd daemon and what its callbacks need (their closure).
 * Outside and inside daemons have no thread or listening socket of their
 * own: each worker runs one per listener (plus retired ones still finishing
 * after a reload). The admin daemon has its own thread and socket. */
typedef struct {
    httpd_listener_t *listener;
    httpd_handler_t handler; /* the access handler's closure */
    atomic_uint *load;       /* the host's connection count; NULL for admin */
    bool own_thread;         /* admin: its own thread and listening socket */
    struct MHD_Daemon *daemon;
    size_t head_limit;   /* raw scanner's bound for one request head */
    size_t pool_size;    /* MHD_OPTION_CONNECTION_MEMORY_LIMIT */
    bool quiesced;       /* takes no new connections (retired, stopping) */
    bool resumed;        /* a connection was resumed: run the daemon (worker thread) */
    httpd_conn_t *conns; /* its open connections (worker thread) */
} httpd_site_t;

/* After a reload (gen is the new generation): every idle outside
 * connection of the site that was a partner's under an older generation is
 * checked against gen; one whose certificate it refuses (revoked by a new
 * CRL, CA gone, stale CRL refused) is shut down (libmicrohttpd closes it
 * at its next run). A connection with a request in progress is checked at
 * its next request instead (request.c). Returns how many were shut down.
 * Worker thread only. */
unsigned httpd_site_close_refused(httpd_site_t *site, const httpd_gen_t *gen);

/* Sizes of a daemon for the generation: the raw scanner's head bound and
 * the connection memory pool (both follow the largest partner
 * max_header_bytes). */
void httpd_site_sizes(const httpd_gen_t *gen, size_t *head_limit, size_t *pool_size);

/* Starts a daemon of the listener on its socket with the generation's TLS
 * material and sizes, run by the worker that lends host (NULL: admin, with
 * a thread of its own), for connection_limit connections. Returns NULL
 * (logged) on failure. */
httpd_site_t *httpd_site_start(httpd_listener_t *listener, const httpd_site_host_t *host,
                               const httpd_gen_t *gen, unsigned connection_limit);
/* Stops the daemon (its listening socket stays open: it is shared) and
 * frees the site. The daemon must have no suspended connection. */
void httpd_site_stop(httpd_site_t *site);
/* True when the daemons of the listener kind, made for old (the current
 * generation), must be replaced for gen: TLS material (outside) or sizes
 * changed. */
bool httpd_sites_outdated(listen_kind_t kind, const httpd_gen_t *old, const httpd_gen_t *gen);

#endif
