/* mcsec-httpd: forwarding (forward.c). One libcurl multi per worker thread,
 * driven by that worker's event loop; a job is one request rebuilt for the
 * next hop and, when its transfer ends, the answer. A job carries what the
 * transfer needs (the generation, the partner, the body to send) and the
 * connection to resume; it knows nothing of the request or the daemon
 * above it. Below: tls.h, httpd.h. */
#ifndef MCSEC_HTTPD_FORWARD_H
#define MCSEC_HTTPD_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "httpd.h"

/* Largest response head we relay (the allow-listed fields, "Name: value"
 * lines): it must fit the connection's memory pool next to the request
 * head (listener.c). A larger one is a 502 http.upstream_error, as nginx's
 * default proxy_buffer_size makes it. */
#define HTTPD_RESPONSE_HEAD_MAX (8u * 1024u)

/* epoll data the forwarder gives its sockets in the worker's epoll set:
 * this tag in the high 32 bits, the socket in the low ones. The worker's
 * own tags (worker.h) differ. */
#define HTTPD_EV_CURL ((uint64_t)1 << 32)

typedef struct forwarder forwarder_t;
typedef struct fwd_job fwd_job_t;

typedef struct {
    char *name;
    char *value;
} httpd_field_t;

struct fwd_job {
    fwd_job_t *prev, *next; /* the forwarder's running jobs */
    void *easy;             /* its CURL handle while running */
    struct MHD_Connection *connection;
    bool *resumed;          /* set when the connection is resumed: its daemon must run */
    const httpd_gen_t *gen; /* the request's (it holds the reference) */
    int partner_index;
    bool outbound; /* inside -> partner */
    char *url;
    char *connect_to; /* "name:port:ip:port" for outbound */
    struct curl_slist *connect_slist;
    const char *method;
    struct curl_slist *headers;
    long timeout;
    const char *send_body; /* the request body (the request's), set at submit */
    size_t send_len;
    /* result */
    int curl_code; /* CURLcode */
    long status;
    httpd_field_t *fields;
    size_t field_count, field_cap;
    size_t head_bytes; /* of the relayed (allow-listed) response fields */
    char *body;
    size_t body_len, body_cap, body_limit;
    bool too_large;
    bool done;
};

/* A libcurl multi driven by one worker's event loop (single-threaded): its
 * sockets are registered in epoll_fd with HTTPD_EV_CURL data. */
forwarder_t *httpd_forwarder_new(int epoll_fd);
/* Starts the transfer of a job whose connection is about to be suspended;
 * the job's connection is resumed (and *job->resumed set) when it ends. -1
 * when curl refuses it (the job is not started; answer at once). */
int httpd_forwarder_submit(forwarder_t *fwd, fwd_job_t *job);
/* Milliseconds until libcurl's timer is due (0: now), -1 when none. */
long httpd_forwarder_timeout(const forwarder_t *fwd);
/* Drives libcurl: one ready socket (events: EPOLLIN...), or its timer when
 * due (fd -1). Returns how many jobs ended (their connections resumed). */
size_t httpd_forwarder_socket(forwarder_t *fwd, int fd, uint32_t events);
size_t httpd_forwarder_timer(forwarder_t *fwd);
/* Ends every running job with an error (connections resumed). */
size_t httpd_forwarder_abort(forwarder_t *fwd);
/* Number of jobs running. */
size_t httpd_forwarder_running(const forwarder_t *fwd);
void httpd_forwarder_free(forwarder_t *fwd);
void httpd_job_free(fwd_job_t *job);

#endif
