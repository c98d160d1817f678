/* mcsec-httpd internals, and the bottom layer every part is handed: the
 * shared state of the proxy (httpd_ctx_t). One file per job; each header
 * includes only headers below it, so calls run one way, top to bottom:
 *
 *   main.c                   options, signals, privilege drop, accepting,
 *                            reload, stop; owns the context, the listening
 *                            sockets, the workers and the admin daemon
 *   worker.h    worker.c     the worker threads: one event loop each,
 *                            running that thread's daemons and its libcurl
 *                            multi; main hands them daemons and connections
 *   listener.h  listener.c   libmicrohttpd daemons (outside TLS, inside,
 *                            admin), their sizes and callbacks
 *               rawscan.c    the plaintext stream seen before
 *                            libmicrohttpd parses it
 *   request.h   request.c    the access handler: framing, target, policy,
 *                            body, verdict
 *   respond.h   respond.c    our error pages and the rebuilt relayed
 *                            responses
 *   auth.h      auth.c       EAR (explicit authentication), GMK transfer
 *   forward.h   forward.c    a worker's libcurl multi; transfer jobs
 *   tls.h       tls.c        TLS profile, client certificate checks
 *   httpd.h     ctx.c        the context: current generation, log level,
 *                            policy path, counters, replay caches
 *               state.c      a loaded generation: policy, TLS material,
 *                            partner trust, EAR and GMK keys
 *               stats.c      counters per partner and reason code
 *               replay.c     the replay caches (EAR, GMK) that outlive
 *                            generations
 *
 * main makes the context and passes it down when it makes the workers and
 * listeners; each daemon hands it (and its worker's libcurl multi) to the
 * access handler in its closure (httpd_handler_t). Nothing below main
 * calls back up: libmicrohttpd calls the handler, libcurl's end of a
 * transfer resumes the connection and flags its daemon through the job. No
 * global mutable state. */
#ifndef MCSEC_HTTPD_H
#define MCSEC_HTTPD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <sys/socket.h>

#include "mcsec/bodyid/bodyid.h"
#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/keyset.h"
#include "mcsec/http/http_check.h"
#include "mcsec/policy/crl.h"
#include "mcsec/policy/policy.h"
#include "mcsec/util/replay.h"
#include "mcsec/util/replay_table.h"
#include "mcsec/obs/alarm.h"
#include "mcsec/obs/logline.h"
#include "mcsec/util/admit.h"
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
#define HTTPD_TOKEN_MAX_CHAIN 8

typedef struct httpd_gen {
    mcsec_policy_t *policy;
    char *cert_pem; /* our certificate chain, PEM */
    char *key_pem;  /* its key, PEM (wiped on free); NULL when in a token */
    /* system.keys.key as a PKCS#11 URI (token.c): the key, our chain for
     * the certificate callback, the PIN (wiped on free). */
    gnutls_privkey_t token_key; /* NULL: key_pem */
    gnutls_pcert_st token_pcerts[HTTPD_TOKEN_MAX_CHAIN];
    unsigned token_pcert_count;
    char token_pin[256];
    char *trust_pem; /* every partner CA, concatenated: the CA names we send */
    gnutls_x509_trust_list_t trust[HTTPD_MAX_PARTNERS]; /* per partner, NULL = none;
                                                           with its CRLs */
    /* Per partner with keys.crls: the CRLs (checked again at every load)
     * and, for libcurl outbound, the CA file's PEM followed by them. */
    mcsec_crl_set_t crls[HTTPD_MAX_PARTNERS];
    char *ca_crl_pem[HTTPD_MAX_PARTNERS];
    /* The inside listener's TLS material (system.http.inside_tls), all
     * NULL when it speaks plain HTTP. */
    char *inside_cert_pem;
    char *inside_key_pem;                  /* wiped on free */
    char *inside_ca_pem;                   /* the CA of our GMS/CMS client certificates */
    gnutls_x509_trust_list_t inside_trust; /* with inside_crls */
    mcsec_crl_set_t inside_crls;           /* system.http.inside_tls.crls */
    const char **internal_hosts;           /* rewritten to public_host; views into policy */
    size_t internal_count;
    atomic_uint partner_conns[HTTPD_MAX_PARTNERS];
    mcsec_admit_cell_t admit[HTTPD_MAX_PARTNERS]; /* partners[].limits (admit.c) */
    /* EAR and GMK keys: each partner's keys.kms (explicit or gmk check
     * partners with an http section), our KMS for EARs (kms.pub of
     * system.keys.signing) and for GMK (system.gmk.kms), the border's
     * signer when a partner has ear.sign_on_behalf. */
    httpd_kms_t partner_kms[HTTPD_MAX_PARTNERS];
    /* An explicit partner's keys.kms list after the first file (EAR). */
    httpd_kms_t partner_kms_more[HTTPD_MAX_PARTNERS][MCSEC_PARTNER_KMS_MAX - 1];
    httpd_kms_t own_ear_kms;
    httpd_kms_t own_gmk_kms;
    mcsec_eccsi_keyset_t signing; /* every key period's keys (ibc/keyset.h) */
    /* The deep check's warnings (keys or certificates expiring within
     * system.expiry_warning_days), one diagnostic per item, logged by the
     * caller of httpd_gen_load at start and SIGHUP. */
    mcsec_diag_list_t warnings;
    const char *sign_identity;
    atomic_int refs;
} httpd_gen_t;

/* Loads policy_path into a new generation (refs = 1). On failure returns
 * NULL and writes one line per problem to err (NUL terminated). */
httpd_gen_t *httpd_gen_load(const char *policy_path, char *err, size_t err_size);
httpd_gen_t *httpd_gen_ref(httpd_gen_t *gen);

/* system.keys.key in a PKCS#11 token (token.c): loads the key and our
 * chain (cert_pem) into gen and proves the key signs for the certificate;
 * false with err set (a line ending in newline) otherwise. */
bool httpd_token_load(httpd_gen_t *gen, const char *cert_pem, char *err, size_t err_size);
void httpd_token_free(httpd_gen_t *gen);
void httpd_gen_unref(httpd_gen_t *gen);
/* True when a and b need different outside TLS daemons (cert, key, CAs). */
bool httpd_gen_tls_differs(const httpd_gen_t *a, const httpd_gen_t *b);
/* True when a and b need different inside daemons: inside_tls switched on
 * or off, or its certificate, key or CA changed. */
bool httpd_gen_inside_tls_differs(const httpd_gen_t *a, const httpd_gen_t *b);

/* ---- counters and log (stats.c) ----------------------------------------- */

/* Method classes of mcsec_http_requests_total (docs/metrics-http-and-ipsec.md). */
typedef enum {
    HTTPD_METHOD_READ = 0,
    HTTPD_METHOD_WRITE,
    HTTPD_METHOD_OTHER,
    HTTPD_METHOD_N
} httpd_method_class_t;
/* Histogram bounds (seconds): request time, EAR date - now. */
#define HTTPD_LATENCY_BOUNDS 15
#define HTTPD_OFFSET_BOUNDS 11
extern const double httpd_latency_bounds[HTTPD_LATENCY_BOUNDS];
extern const double httpd_offset_bounds[HTTPD_OFFSET_BOUNDS];

typedef enum { HTTPD_TRIGGER_START = 0, HTTPD_TRIGGER_SIGNAL, HTTPD_TRIGGER_N } httpd_trigger_t;

/* Every counter of the proxy, per partner name where it has one (slot 0:
 * unknown source). Directions: 0 in (from the partner), 1 out. Results:
 * 0 passed / ok, 1 refused / failed. */
typedef struct {
    pthread_mutex_t lock;
    char names[HTTPD_STATS_SLOTS][64]; /* partner names; "" = free slot */
    unsigned long refusals[HTTPD_STATS_SLOTS][2][MCSEC_REASON_COUNT];
    unsigned long requests[HTTPD_STATS_SLOTS][2][HTTPD_METHOD_N][2];
    unsigned long ear[HTTPD_STATS_SLOTS][2][2]; /* op 0 verify 1 sign, result */
    unsigned long gktp[HTTPD_STATS_SLOTS][2];
    unsigned long skew_exceeded[HTTPD_STATS_SLOTS];
    int64_t skew_alarm_at[HTTPD_STATS_SLOTS]; /* last ear.clock_skew alarm */
    uint64_t latency[2][HTTPD_LATENCY_BOUNDS + 1];
    double latency_sum[2];
    uint64_t offset[HTTPD_OFFSET_BOUNDS + 1];
    double offset_sum;
    unsigned long reloads[HTTPD_TRIGGER_N][2];
} httpd_stats_t;

void httpd_stats_init(httpd_stats_t *stats);
void httpd_stats_destroy(httpd_stats_t *stats);
/* Class of an HTTP method (NULL: other). */
httpd_method_class_t httpd_method_class(const char *method);
/* Counts one request's verdict for the partner called name (NULL =
 * unknown source), with the seconds it took (< 0: not timed). */
void httpd_stats_count(httpd_stats_t *stats, const char *name, mcsec_reason_t reason, bool outbound,
                       const char *method, double seconds);
/* One EAR verified (sign false) or signed, ok or not. */
void httpd_stats_ear(httpd_stats_t *stats, const char *name, bool sign, bool ok);
/* One GKTP check (a body with GKTP payloads judged). */
void httpd_stats_gktp(httpd_stats_t *stats, const char *name, bool ok);
/* An EAR's date - now; exceeded: |offset| above half the allowed skew.
 * True when an ear.clock_skew alarm is due for the partner (at most one
 * per minute per partner). */
bool httpd_stats_ear_offset(httpd_stats_t *stats, const char *name, double offset, bool exceeded,
                            int64_t now);
void httpd_stats_reload(httpd_stats_t *stats, httpd_trigger_t trigger, bool ok);
/* Writes the counters as text lines "partner reason count" into a malloc'd
 * string the caller frees; NULL when out of memory (/stats). */
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
/* Follows the policy's system.replay: Redis (a connection of this process
 * under the cache's lock, key part cache_name) or the in-process tables.
 * Unchanged settings keep the connection. 0 or -1 (bad settings; the
 * previous store stays). */
int httpd_replay_use_store(httpd_replay_t *replay, const mcsec_replay_system_t *store,
                           const char *cache_name);
/* The Redis store's last error, "" when none (log lines). */
const char *httpd_replay_store_error(httpd_replay_t *replay);
/* True at most once every 10 s: time for a replay.store_unavailable alarm. */
bool httpd_replay_alarm_due(httpd_replay_t *replay, int64_t now);
/* Live entries of the current table at now, and its bound (metrics). */
void httpd_replay_usage(httpd_replay_t *replay, int64_t now, size_t *entries, size_t *capacity);
/* The same, and the live entries per owner (partner) into owners. */
void httpd_replay_usage_owners(httpd_replay_t *replay, int64_t now, size_t *entries,
                               size_t *capacity,
                               mcsec_replay_owner_count_t owners[MCSEC_REPLAY_OWNERS]);
void httpd_replay_free(httpd_replay_t *replay);
/* Splits an expiry item (mcsec/config/config_expiry.h) into the partner it
 * belongs to ("" for our own) and a name unique within its file. */
void httpd_expiry_labels(const char *what, const char *path, char *partner, size_t partner_size,
                         char *name, size_t name_size);

/* ---- the context (ctx.c) --------------------------------------------------- */

/* What every part of the proxy shares, made by main and passed down at
 * creation (workers, listeners, daemons, the access handler's closure).
 * The generation is replaced by a reload (main thread) and read through
 * httpd_ctx_current() by the others; the counters and the replay caches
 * lock themselves; the rest is set before any thread starts. */
/* What the last policy load did (reload.c writes it, metrics.c reads it;
 * under the context's gen_lock). */
typedef struct {
    uint64_t generation; /* mcsec_generation_next() of the running policy */
    char hash[65];       /* SHA-256 hex of its file */
    int64_t last_reload; /* Unix seconds of the last load or reload */
    bool last_ok;        /* it succeeded */
} httpd_reload_info_t;

typedef struct {
    const char *policy_path; /* --policy: what a reload reads again */
    const char *state_dir;   /* --state-dir: the generation file */
    atomic_int log_level;    /* mcsec_log_level_t: --log-level, else logging.level */
    atomic_int log_format;   /* mcsec_logfmt_t: logging.format */
    bool level_fixed;        /* --log-level given: the policy's level is not used */
    pthread_mutex_t gen_lock;
    httpd_gen_t *gen; /* current generation; take with httpd_ctx_current() */
    httpd_reload_info_t reload;
    httpd_stats_t stats;
    httpd_replay_t *ear_replay; /* EAR IDs of partners' EARs (inbound) */
    httpd_replay_t *gmk_replay; /* GMK messages pushed (both directions) */
} httpd_ctx_t;

/* Sets up a context with no generation and no replay cache yet. */
void httpd_ctx_init(httpd_ctx_t *ctx, const char *policy_path, mcsec_log_level_t level);
/* Releases the generation, the replay caches and the counters. */
void httpd_ctx_destroy(httpd_ctx_t *ctx);

/* A reference to the current generation; release with httpd_gen_unref. */
httpd_gen_t *httpd_ctx_current(httpd_ctx_t *ctx);
/* Makes gen (the caller's reference) the current generation and drops
 * the context's reference to the one before. */
void httpd_ctx_replace(httpd_ctx_t *ctx, httpd_gen_t *gen);

/* The /metrics page (metrics.c; Prometheus text 0.0.4), malloc'd; NULL
 * when it could not be written. */
char *httpd_metrics_text(httpd_ctx_t *ctx);

/* One log line to stderr, one write: the sd-daemon priority prefix
 * "<N>" (journald's SyslogLevelPrefix reads it; syslog(3) numbers) and a
 * logfmt or JSON line (logging.format). httpd_log: "event=log msg=<text>",
 * when level is within the context's log level. */
void httpd_log(const httpd_ctx_t *ctx, mcsec_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A line built by the caller: starts it (event=<event>) in the context's
 * format... */
void httpd_line_start(const httpd_ctx_t *ctx, mcsec_logline_t *line, const char *event);
/* ... and writes it (adding level= and ts=) when level is within the log
 * level. */
void httpd_line_emit(const httpd_ctx_t *ctx, mcsec_log_level_t level, mcsec_logline_t *line);
/* An alarm line (event=alarm alarm=<code> severity=...) with the caller's
 * fields after it: start, add, emit. */
void httpd_alarm_start(const httpd_ctx_t *ctx, mcsec_logline_t *line, mcsec_alarm_t alarm);
void httpd_alarm_emit(const httpd_ctx_t *ctx, mcsec_alarm_t alarm, mcsec_logline_t *line);
/* The policy's logging level (unless --log-level fixed it) and format. */
void httpd_ctx_apply_logging(httpd_ctx_t *ctx, const mcsec_policy_t *policy);

/* admit.c: false when the partner's request is over its partners[].limits
 * rate (load.partner_limit); fields are the request's header fields. */
bool httpd_admit(const httpd_ctx_t *ctx, httpd_gen_t *gen, int partner_index,
                 const mcsec_http_header_t *fields, size_t count);

#endif
