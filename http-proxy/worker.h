/* mcsec-httpd: the worker threads (worker.c). Each runs one event loop
 * over its own libmicrohttpd daemons (sites) and its own libcurl multi;
 * main makes the workers with the proxy's context, starts their daemons
 * through them, hands them the connections it accepts and stops them.
 * Below: listener.h, forward.h and what they include. */
#ifndef MCSEC_HTTPD_WORKER_H
#define MCSEC_HTTPD_WORKER_H

#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "httpd.h"
#include "listener.h"

/* epoll data of a worker's own event sources: tag in the high 32 bits
 * (the forwarder's sockets carry HTTPD_EV_CURL, forward.h). */
#define HTTPD_EV_WAKE ((uint64_t)2 << 32)
#define HTTPD_EV_SITE ((uint64_t)3 << 32) /* | site index */

typedef struct httpd_worker httpd_worker_t;

/* Makes a worker (no thread yet) that logs through ctx and hands ctx to
 * its daemons. NULL when out of resources. */
httpd_worker_t *httpd_worker_new(httpd_ctx_t *ctx, unsigned index);
/* Starts a daemon of the listener for this worker to run (its libcurl
 * multi and connection counter lent to the daemon): httpd_site_start.
 * Give it to the worker with httpd_worker_give. NULL (logged) on failure. */
httpd_site_t *httpd_worker_site_start(httpd_worker_t *worker, httpd_listener_t *listener,
                                      const httpd_gen_t *gen, unsigned connection_limit);
/* Hands a started daemon to the worker. Before httpd_worker_start it is
 * added directly; afterwards the worker takes it over in its loop: new
 * connections go to it, the daemon it had for the same listener is
 * retired (stopped once its last connection is gone). */
void httpd_worker_give(httpd_worker_t *worker, httpd_site_t *site);
/* Hands a connection the main thread accepted on the listener of kind to
 * the worker, which adds it to its current daemon of that kind (the worker
 * closes fd when it cannot). -1 when out of memory (fd stays the
 * caller's). */
int httpd_worker_hand(httpd_worker_t *worker, listen_kind_t kind, int fd,
                      const struct sockaddr *addr, socklen_t addr_len);
/* Connections of the listener kind open on the worker or handed to it
 * (any thread). */
unsigned httpd_worker_load(httpd_worker_t *worker, listen_kind_t kind);
int httpd_worker_start(httpd_worker_t *worker);
/* Graceful stop: the worker stops accepting at once; requests in flight
 * get until deadline (Unix seconds), then its transfers are aborted (502)
 * and its daemons stopped. */
void httpd_worker_request_stop(httpd_worker_t *worker, time_t deadline);
/* Waits for a stop requested before (or stops a worker never started),
 * then frees the worker. */
void httpd_worker_stop(httpd_worker_t *worker);

#endif
