/* mcsec-httpd internals: the objects the parts of the HTTP-3 border proxy
 * share. One file per job:
 *   main.c      options, signals, privilege drop, accepting, reload, stop
 *   state.c     a loaded generation: policy, TLS material, partner trust
 *   tls.c       TLS profile (priority string) and client certificate checks
 *   listener.c  libmicrohttpd daemons (outside TLS, inside, admin), their
 *               sizes and callbacks
 *   worker.c    the worker threads: one event loop each, running that
 *               thread's daemons and its libcurl multi
 *   request.c   the access handler: framing, target, policy, body, verdict
 *   forward.c   a worker's libcurl multi; suspended connections
 *   respond.c   our error pages and the rebuilt relayed responses
 *   rawscan.c   the plaintext stream seen before libmicrohttpd parses it
 *   stats.c     counters per partner and reason code, the log line
 *   auth.c      EAR (explicit authentication) and GMK transfer stages
 *   replay.c    the replay caches (EAR, GMK) that outlive generations
 * Everything hangs off one httpd_t passed as the callbacks' closure: no
 * global mutable state. */
#ifndef MCSEC_HTTPD_H
#define MCSEC_HTTPD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <sys/socket.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/http/http_check.h"
#include "mcsec/policy/policy.h"
#include "mcsec/util/replay.h"
#include "mcsec/util/reason.h"

#define HTTPD_MAX_PARTNERS 64
#define HTTPD_STATS_SLOTS (HTTPD_MAX_PARTNERS + 1) /* + "none" (unknown source) */

/* ---- one loaded generation (state.c) ------------------------------------ */

/* A KMS public file, parsed once per generation (EAR, GMK). */
typedef struct {
    bool usable;
    mcsec_kms_pub_t kms;
    mcsec_eccsi_pub_t *kpak;
} httpd_kms_t;

/* Everything derived from one policy file: replaced as a whole on reload,
 * reference counted so requests in flight keep the one they started with. */
typedef struct httpd_gen {
    mcsec_policy_t *policy;
    char *cert_pem;  /* our certificate chain, PEM */
    char *key_pem;   /* its key, PEM (wiped on free) */
    char *trust_pem; /* every partner CA, concatenated: the CA names we send */
    gnutls_x509_trust_list_t trust[HTTPD_MAX_PARTNERS]; /* per partner, NULL = none */
    const char **internal_hosts; /* rewritten to public_host; views into policy */
    size_t internal_count;
    atomic_uint partner_conns[HTTPD_MAX_PARTNERS];
    /* EAR and GMK keys: each partner's keys.kms (explicit or gmk check
     * partners with an http section), our KMS for EARs (kms.pub of
     * system.keys.signing) and for GMK (system.gmk.kms), the border's
     * signer when a partner has ear.sign_on_behalf. */
    httpd_kms_t partner_kms[HTTPD_MAX_PARTNERS];
    httpd_kms_t own_ear_kms;
    httpd_kms_t own_gmk_kms;
    mcsec_eccsi_signer_t *signer;
    uint64_t signer_period; /* key period number the signer's keys are for */
    const char *sign_identity;
    atomic_int refs;
} httpd_gen_t;

/* Loads policy_path into a new generation (refs = 1). On failure returns
 * NULL and writes one line per problem to err (NUL terminated). */
httpd_gen_t *httpd_gen_load(const char *policy_path, char *err, size_t err_size);
httpd_gen_t *httpd_gen_ref(httpd_gen_t *gen);
void httpd_gen_unref(httpd_gen_t *gen);
/* True when a and b need different TLS daemons (cert, key, CAs). */
bool httpd_gen_tls_differs(const httpd_gen_t *a, const httpd_gen_t *b);

/* ---- counters and log (stats.c) ----------------------------------------- */

typedef struct {
    pthread_mutex_t lock;
    char names[HTTPD_STATS_SLOTS][64]; /* partner names; "" = free slot */
    unsigned long counts[HTTPD_STATS_SLOTS][MCSEC_REASON_COUNT];
    unsigned long passed_in[HTTPD_STATS_SLOTS];
    unsigned long passed_out[HTTPD_STATS_SLOTS];
} httpd_stats_t;

void httpd_stats_init(httpd_stats_t *stats);
void httpd_stats_destroy(httpd_stats_t *stats);
/* Counts one request for the partner called name (NULL = unknown source). */
void httpd_stats_count(httpd_stats_t *stats, const char *name, mcsec_reason_t reason,
                       bool outbound);
/* Writes the counters as text lines "partner reason count" into a malloc'd
 * string the caller frees; NULL when out of memory. */
char *httpd_stats_text(httpd_stats_t *stats);

/* ---- replay caches (replay.c) -------------------------------------------- */

/* An in-process replay cache (mcsec_replay_mem) behind a lock, owned by
 * the proxy rather than a generation so that it survives reloads. A reload
 * with another bound starts a new table and keeps consulting the old one
 * until its IDs have expired. */
typedef struct httpd_replay httpd_replay_t;

httpd_replay_t *httpd_replay_new(size_t entries);
/* The interface libmcsec's checks call (thread-safe). */
mcsec_replay_cache_t *httpd_replay_cache(httpd_replay_t *replay);
/* New bound after a reload: no-op when unchanged; else the current table
 * is kept for lookups until keep_until (Unix seconds). 0 or -1 (the old
 * table stays current). */
int httpd_replay_resize(httpd_replay_t *replay, size_t entries, int64_t keep_until);
void httpd_replay_free(httpd_replay_t *replay);

/* ---- the proxy ------------------------------------------------------------ */

typedef enum { LISTEN_OUTSIDE = 0, LISTEN_INSIDE = 1, LISTEN_ADMIN = 2 } listen_kind_t;

typedef struct httpd httpd_t;
typedef struct httpd_worker httpd_worker_t;
typedef struct forwarder forwarder_t;

typedef struct {
    httpd_t *httpd;
    listen_kind_t kind;
    int fd; /* our listening socket, kept across daemon restarts (outside and
               inside: the main thread accepts and hands connections over) */
} httpd_listener_t;

/* One libmicrohttpd daemon and what its callbacks need (their closure).
 * Outside and inside daemons have no thread or listening socket of their
 * own: each worker runs one per listener (plus retired ones still finishing
 * after a reload). The admin daemon has its own thread and socket. */
typedef struct {
    httpd_listener_t *listener;
    httpd_worker_t *worker; /* the thread running it; NULL for admin */
    struct MHD_Daemon *daemon;
    size_t head_limit; /* raw scanner's bound for one request head */
    size_t pool_size;  /* MHD_OPTION_CONNECTION_MEMORY_LIMIT */
    bool quiesced;     /* takes no new connections (retired, stopping) */
    bool resumed;      /* a connection was resumed: run the daemon (worker thread) */
} httpd_site_t;

struct httpd {
    pthread_mutex_t gen_lock;
    httpd_gen_t *gen; /* current generation; take with httpd_current() */
    const char *policy_path;
    httpd_listener_t listeners[3];
    httpd_worker_t **workers; /* system.http.threads at start */
    size_t worker_count;
    httpd_site_t *admin;
    int accept_errno; /* last accept() failure logged (0: none) */
    httpd_stats_t stats;
    httpd_replay_t *ear_replay; /* EAR IDs of partners' EARs (inbound) */
    httpd_replay_t *gmk_replay; /* GMK messages pushed (both directions) */
    mcsec_log_level_t log_level;
    bool verbose;
};

/* A reference to the current generation; release with httpd_gen_unref. */
httpd_gen_t *httpd_current(httpd_t *httpd);

/* One log line to stderr: "mcsec-httpd: <text>". */
void httpd_log(httpd_t *httpd, mcsec_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- TLS (tls.c) -------------------------------------------------------- */

/* GnuTLS priority string of the TS 33.310 / 33.210 profile: TLS 1.2 and
 * 1.3 only, AEAD suites with ECDHE only. */
extern const char *const httpd_tls_priorities;
/* The same profile for libcurl (OpenSSL names). */
extern const char *const httpd_curl_ciphers;
extern const char *const httpd_curl_tls13_ciphers;

/* Index of the partner whose CA, key purpose (clientAuth) and HTTP proxy
 * name (peer_name in a SAN dNSName) the session's client certificate
 * matches; -1 when none (no certificate, other CA, wrong purpose, an MC
 * client certificate...). detail gets a short reason for the log. */
int httpd_tls_partner_of(const httpd_gen_t *gen, gnutls_session_t session, char *detail,
                         size_t detail_size);

/* ---- connections and requests (listener.c, request.c) ------------------ */

#define HTTPD_CONN_MAGIC 0x6d637363u

/* Per connection (MHD socket context). */
typedef struct {
    uint32_t magic;
    httpd_listener_t *listener;
    bool scan_enabled;
    mcsec_http_framing_t scan; /* raw plaintext of an outside connection */
    bool verified;             /* client certificate looked at */
    int partner_index;         /* -1 = not a partner */
    httpd_gen_t *gen;          /* generation the partner index belongs to */
    bool counted;              /* holds one of gen->partner_conns */
    bool over_limit;
    httpd_site_t *site; /* the daemon it came in on */
    char peer[64];
} httpd_conn_t;

typedef struct fwd_job fwd_job_t;

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
    bool answered; /* a response is queued (ours or relayed) */
    bool outbound; /* came in on the inside listener */
    bool ear_sign; /* outbound: the border signs an EAR (sign_on_behalf) */
} httpd_req_t;

/* Frees a request context (MHD's completed callback calls it). */
void httpd_req_free(httpd_req_t *req);

/* Logs and counts a verdict for req (reason NONE = passed). */
void httpd_req_log(httpd_t *httpd, const httpd_req_t *req, mcsec_reason_t reason, int status,
                   const char *detail);

/* Sizes of a daemon for the generation: the raw scanner's head bound and
 * the connection memory pool (both follow the largest partner
 * max_header_bytes). */
void httpd_site_sizes(const httpd_gen_t *gen, size_t *head_limit, size_t *pool_size);

/* Starts a daemon of the listener on its socket with the generation's TLS
 * material and sizes, for worker (NULL: admin, with a thread of its own)
 * and connection_limit connections. Returns NULL (logged) on failure. */
httpd_site_t *httpd_site_start(httpd_listener_t *listener, httpd_worker_t *worker,
                               const httpd_gen_t *gen, unsigned connection_limit);
/* Stops the daemon (its listening socket stays open: it is shared) and
 * frees the site. The daemon must have no suspended connection. */
void httpd_site_stop(httpd_site_t *site);
/* True when the daemons of the listener kind, made for old (the current
 * generation), must be replaced for gen: TLS material (outside) or sizes
 * changed. */
bool httpd_sites_outdated(listen_kind_t kind, const httpd_gen_t *old, const httpd_gen_t *gen);

/* MHD callbacks (listener.c wires them, request.c implements the handler). */
enum MHD_Result httpd_access_handler(void *cls, struct MHD_Connection *connection, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **req_cls);

/* ---- EAR and GMK stages (auth.c) ----------------------------------------- */

/* Default name of the header carrying the EAR (partner ear.header). */
const char *httpd_ear_header_name(const mcsec_partner_t *partner);

/* EAR of a request from (inbound) or to (outbound) an explicit partner.
 * value/len: the first EAR header field (NULL when none), count: how many
 * there were; host: the request's Host field (inbound). The target is the
 * HTTP-3 profile's (docs/ear.md): an https origin. Inbound: verified under
 * the partner's KMS, target "https://<Host>" with the host ours
 * (system.domains or system.http.public_host), recorded in the EAR replay
 * cache. Outbound: an EAR of our server is verified under our KMS, target
 * "https://<partner http.peer_name>", not recorded; without one, *sign is
 * set when the partner's ear.sign_on_behalf lets the border sign
 * (httpd_ear_sign), else ear.missing. Returns MCSEC_REASON_NONE to pass. */
mcsec_reason_t httpd_ear_check(httpd_t *httpd, const httpd_gen_t *gen, int partner_index,
                               bool outbound, mcsec_str_t host, const char *value, size_t len,
                               size_t count, bool *sign, char *detail, size_t detail_size);

/* Signs an EAR as the border (sign_on_behalf) for a request to the partner
 * and writes the header value (at least MCSEC_EAR_HEADER_MAX octets). */
mcsec_reason_t httpd_ear_sign(const httpd_gen_t *gen, int partner_index, char *out, size_t out_size,
                              char *detail, size_t detail_size);

/* GMK transfer stage for one body (request or response) per the partner's
 * gmk.transfer: from_partner tells which way the body travels (partner to
 * us: the partner's GMS signs for ours), push whether freshness and replay
 * apply (PUT, POST, PATCH requests). */
mcsec_reason_t httpd_gmk_check(httpd_t *httpd, const httpd_gen_t *gen, int partner_index,
                               bool from_partner, bool push, const char *content_type,
                               const char *body, size_t len, char *detail, size_t detail_size);

/* ---- responses (respond.c) ---------------------------------------------- */

/* Queues our error page for reason (status from the reason table,
 * Connection: close when close). Only with show do the page and the
 * X-Mcsec-Reason header name the reason code (httpd_req_shows_reason);
 * otherwise the page is the bare status. */
enum MHD_Result httpd_respond_error(struct MHD_Connection *connection, mcsec_reason_t reason,
                                    bool close, bool show);

/* Whether the client of req may learn our reason codes, by the rule the
 * SIP side follows (docs/http-proxy.md): on the outside listener only a
 * partner (its client certificate matched) whose sip.warning_reason is
 * on; on the inside listener our own servers always. */
bool httpd_req_shows_reason(const httpd_req_t *req);

/* Queues the relayed response of a finished job, rebuilt (allow-listed
 * headers; towards a partner internal hosts rewritten in every field and
 * XML body). When an internal host is left in a form the rewrite cannot
 * reach (http.internal_host) or memory runs out (http.overloaded), nothing
 * is queued and *refused says why: the caller answers. */
enum MHD_Result httpd_respond_relay(struct MHD_Connection *connection, httpd_req_t *req,
                                    mcsec_reason_t *refused);

/* http.internal_host when text still names an internal host once decoded
 * (mcsec_http_names_internal_host), http.overloaded when out of memory,
 * else MCSEC_REASON_NONE. */
mcsec_reason_t httpd_hidden_host_left(const httpd_gen_t *gen, const char *text, size_t len);

/* ---- forwarding (forward.c) ---------------------------------------------- */

/* Largest response head we relay (the allow-listed fields, "Name: value"
 * lines): it must fit the connection's memory pool next to the request
 * head (listener.c). A larger one is a 502 http.upstream_error, as nginx's
 * default proxy_buffer_size makes it. */
#define HTTPD_RESPONSE_HEAD_MAX (8u * 1024u)

typedef struct {
    char *name;
    char *value;
} httpd_field_t;

struct fwd_job {
    fwd_job_t *prev, *next; /* the forwarder's running jobs */
    void *easy;             /* its CURL handle while running */
    httpd_t *httpd;
    struct MHD_Connection *connection;
    httpd_req_t *req;
    bool outbound; /* inside -> partner */
    char *url;
    char *connect_to; /* "name:port:ip:port" for outbound */
    struct curl_slist *connect_slist;
    const char *method;
    struct curl_slist *headers;
    long timeout;
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
 * the job's connection is resumed when it ends. -1 when curl refuses it
 * (the job is not started; answer at once). */
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

/* ---- worker threads (worker.c) ------------------------------------------- */

/* epoll data of a worker's event sources: tag in the high 32 bits. */
#define HTTPD_EV_CURL ((uint64_t)1 << 32) /* | socket */
#define HTTPD_EV_WAKE ((uint64_t)2 << 32)
#define HTTPD_EV_SITE ((uint64_t)3 << 32) /* | site index */

/* Makes a worker (no thread yet). NULL when out of resources. */
httpd_worker_t *httpd_worker_new(httpd_t *httpd, unsigned index);
/* The worker's libcurl multi (its access handlers submit jobs to it). */
forwarder_t *httpd_worker_forwarder(httpd_worker_t *worker);
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
/* The daemons' connection notifications (listener.c): one opened/closed. */
void httpd_worker_count(httpd_worker_t *worker, listen_kind_t kind, bool opened);
int httpd_worker_start(httpd_worker_t *worker);
/* Graceful stop: the worker stops accepting at once; requests in flight
 * get until deadline (Unix seconds), then its transfers are aborted (502)
 * and its daemons stopped. */
void httpd_worker_request_stop(httpd_worker_t *worker, time_t deadline);
/* Waits for a stop requested before (or stops a worker never started),
 * then frees the worker. */
void httpd_worker_stop(httpd_worker_t *worker);

#endif
