/* mcsec-httpd: one request from headers to answer (request.c), and the
 * per-connection and per-request contexts libmicrohttpd keeps for us
 * (listener.c makes them, rawscan.c feeds the connection's scanner).
 *
 * The access handler works only with what its daemon's closure
 * (httpd_handler_t) and the contexts hand it: the proxy's context (current
 * generation, counters, replay caches, log), the listener kind and the
 * worker's libcurl multi. Below: respond.h, auth.h, forward.h, tls.h,
 * httpd.h. */
#ifndef MCSEC_HTTPD_REQUEST_H
#define MCSEC_HTTPD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <microhttpd.h>

#include "forward.h"
#include "httpd.h"

typedef enum { LISTEN_OUTSIDE = 0, LISTEN_INSIDE = 1, LISTEN_ADMIN = 2 } listen_kind_t;

/* What the access handler of one daemon works with: the closure
 * listener.c gives libmicrohttpd (part of the daemon's site). */
typedef struct {
    httpd_ctx_t *ctx;
    listen_kind_t kind;
    forwarder_t *fwd; /* the worker's libcurl multi (NULL: admin daemon) */
    bool *resumed;    /* the daemon's flag: a connection was resumed */
} httpd_handler_t;

#define HTTPD_CONN_MAGIC 0x6d637363u

/* Per connection (MHD socket context). */
typedef struct httpd_conn {
    uint32_t magic;
    const httpd_handler_t *handler; /* of the daemon it came in on */
    bool scan_enabled;
    mcsec_http_framing_t scan; /* raw plaintext of an outside connection */
    bool verified;             /* client certificate looked at */
    int partner_index;         /* -1 = not a partner */
    httpd_gen_t *gen;          /* generation the partner index belongs to */
    bool counted;              /* holds one of gen->partner_conns */
    bool over_limit;
    char peer[64];
    int peer_family;      /* AF_INET or AF_INET6 (0: unknown) */
    uint8_t peer_bin[16]; /* the client address, network order */
    uint16_t peer_port;
    /* For the recheck after a reload (listener.c): the connection, its
     * request contexts alive (0: idle between requests), its place in the
     * site's list (the worker thread's alone). */
    struct MHD_Connection *connection;
    unsigned requests;
    struct httpd_conn *prev, *next;
} httpd_conn_t;

/* Per request (MHD request context, made by the URI log callback). */
typedef struct {
    httpd_conn_t *conn;
    char *raw_target;  /* as received, before any unescaping */
    size_t scan_heads; /* heads the raw scanner had completed at the request line */
    bool started;
    bool rejected; /* verdict taken; answer when the body is in */
    mcsec_reason_t reason;
    char detail[160];
    int partner_index;
    httpd_gen_t *gen;
    char *body;
    size_t body_len, body_cap, body_limit;
    char *method;
    char *path;
    fwd_job_t *job;
    bool answered;               /* a response is queued (ours or relayed) */
    bool outbound;               /* came in on the inside listener */
    bool ear_sign;               /* outbound: the border signs an EAR (sign_on_behalf) */
    mcsec_bodyid_ear_t ear_seen; /* what the EAR stage verified (migration) */
    struct timespec t0;          /* request line seen (CLOCK_MONOTONIC) */
} httpd_req_t;

/* Checks an outside connection's client certificate against the current
 * generation when it was last checked against another one (a reload); true
 * while it is still a partner's. Logs a refusal. Worker thread only. */
bool httpd_conn_recheck(httpd_ctx_t *ctx, httpd_conn_t *conn);

/* Frees a request context (MHD's completed callback calls it). */
void httpd_req_free(httpd_req_t *req);

/* Logs and counts a verdict for req (reason NONE = passed). */
void httpd_req_log(httpd_ctx_t *ctx, const httpd_req_t *req, mcsec_reason_t reason, int status,
                   const char *detail);

/* The access handler (libmicrohttpd's callback; cls is the daemon's
 * httpd_handler_t, *req_cls the request context the URI log callback
 * made). */
enum MHD_Result httpd_access_handler(void *cls, struct MHD_Connection *connection, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **req_cls);

#endif
