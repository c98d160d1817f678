/* Forwarding with one libcurl multi per worker thread, driven by that
 * worker's event loop (curl_multi_socket_action: libcurl's sockets sit in
 * the worker's epoll set next to its libmicrohttpd daemons). The access
 * handler starts a job and suspends the connection; the loop never waits
 * for a next hop, and when the transfer ends it resumes the connection on
 * the same thread: no request crosses threads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>

#include <curl/curl.h>

#include "forward.h"
#include "tls.h"

/* Easy handles kept for reuse, and idle next-hop connections kept open in
 * the multi's connection cache. libcurl's default cache size is four times
 * the number of easy handles in the multi at the time: with few requests
 * in flight it closed connections the next requests had to open again. */
#define FWD_IDLE_EASY_MAX 64
#define FWD_MAX_CONNECTS 256L

/* Only the worker thread that owns it touches a forwarder. */
struct forwarder {
    CURLM *multi;
    int epoll_fd;       /* the worker's */
    bool timer_set;     /* libcurl asked for a timeout call */
    uint64_t timer_due; /* ... at this CLOCK_MONOTONIC millisecond */
    fwd_job_t *running; /* jobs in the multi */
    size_t running_count;
    /* Finished easy handles kept for the next jobs (curl_easy_reset between
     * jobs): curl_easy_init and curl_easy_cleanup cost about 14 000
     * instructions per request (callgrind), reset about 3 000. */
    CURL *idle[FWD_IDLE_EASY_MAX];
    size_t idle_count;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Largest response body we relay (the partner's max_body bounds requests;
 * responses carry documents of the same kind). */
#define RESPONSE_BODY_MAX (16u * 1024u * 1024u)
#define RESPONSE_FIELDS_MAX 100

void httpd_job_free(fwd_job_t *job)
{
    if (!job)
        return;
    for (size_t i = 0; i < job->field_count; i++) {
        free(job->fields[i].name);
        free(job->fields[i].value);
    }
    free(job->fields);
    free(job->body);
    free(job->url);
    free(job->connect_to);
    curl_slist_free_all(job->headers);
    curl_slist_free_all(job->connect_slist);
    free(job);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    fwd_job_t *job = userdata;
    size_t n = size * nmemb;
    if (job->body_len + n > job->body_limit) {
        job->too_large = true;
        return 0; /* aborts the transfer */
    }
    if (job->body_len + n + 1 > job->body_cap) {
        size_t cap = job->body_cap ? job->body_cap : 4096;
        while (cap < job->body_len + n + 1)
            cap *= 2;
        char *grown = realloc(job->body, cap);
        if (!grown)
            return 0;
        job->body = grown;
        job->body_cap = cap;
    }
    memcpy(job->body + job->body_len, data, n);
    job->body_len += n;
    job->body[job->body_len] = '\0';
    return n;
}

/* Keeps "Name: value" lines of the final response (a 1xx or a new status
 * line starts over). Values with control octets are dropped, not cleaned. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    fwd_job_t *job = userdata;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        for (size_t i = 0; i < job->field_count; i++) {
            free(job->fields[i].name);
            free(job->fields[i].value);
        }
        job->field_count = 0;
        job->head_bytes = 0;
        return n;
    }
    size_t len = n;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    const char *colon = memchr(data, ':', len);
    if (!colon || colon == data)
        return n;
    if (job->field_count == RESPONSE_FIELDS_MAX) {
        /* A field we did not keep could be one the answer's checks read
         * (Content-Encoding, Content-Type): never relay such an answer. */
        job->too_large = true;
        return 0;
    }
    size_t name_len = (size_t)(colon - data);
    const char *value = colon + 1;
    size_t value_len = len - name_len - 1;
    while (value_len > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        value_len--;
    }
    while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
        value_len--;
    for (size_t i = 0; i < value_len; i++)
        if ((unsigned char)value[i] < 0x20 && value[i] != '\t')
            return n;
    if (mcsec_http_header_allowed((mcsec_str_t){data, name_len}, MCSEC_HTTP_RESPONSE_HEADERS,
                                  NULL)) {
        job->head_bytes += name_len + value_len + 4;
        if (job->head_bytes > HTTPD_RESPONSE_HEAD_MAX) {
            job->too_large = true;
            return 0; /* aborts the transfer */
        }
    }
    if (job->field_count == job->field_cap) {
        size_t cap = job->field_cap ? job->field_cap * 2 : 16;
        httpd_field_t *grown = realloc(job->fields, cap * sizeof(*grown));
        if (!grown)
            return 0;
        job->fields = grown;
        job->field_cap = cap;
    }
    httpd_field_t *field = &job->fields[job->field_count];
    field->name = strndup(data, name_len);
    field->value = strndup(value, value_len);
    if (!field->name || !field->value) {
        free(field->name);
        free(field->value);
        return 0;
    }
    job->field_count++;
    return n;
}

/* CURLOPT_SSL_CTX_FUNCTION of a partner with CRLs: check them. */
static CURLcode crl_ssl_ctx(CURL *easy, void *ssl_ctx, void *userp)
{
    const httpd_gen_t *gen = userp;
    (void)easy;
    bool keep = gen->policy->system.revocation.stale == MCSEC_CRL_STALE_KEEP;
    return httpd_tls_curl_crls(ssl_ctx, keep) == 0 ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
}

/* Sets up the easy handle of a job; NULL when curl refuses. */
static CURL *make_easy(forwarder_t *fwd, fwd_job_t *job)
{
    CURL *easy;
    if (fwd->idle_count > 0) {
        easy = fwd->idle[--fwd->idle_count];
        curl_easy_reset(easy); /* no option of the previous job survives */
    } else {
        easy = curl_easy_init();
    }
    if (!easy)
        return NULL;
    const httpd_gen_t *gen = job->gen;
    const mcsec_system_t *sys = &gen->policy->system;
    job->body_limit = RESPONSE_BODY_MAX;
    curl_easy_setopt(easy, CURLOPT_URL, job->url);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, job);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROXY, ""); /* never an environment proxy */
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, job->timeout);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, job->timeout < 5 ? job->timeout : 5L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, job->headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, job);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, job);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    if (strcmp(job->method, "HEAD") == 0) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (job->send_len > 0 || strcmp(job->method, "GET") != 0) {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, job->method);
        if (job->send_len > 0 || strcmp(job->method, "PUT") == 0 ||
            strcmp(job->method, "POST") == 0) {
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->send_len);
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, job->send_body ? job->send_body : "");
        }
    }
    if (job->outbound) {
        /* Towards a partner: our certificate, the partner's CA, its HTTP
         * proxy's name checked in its certificate, the same TLS profile. */
        const mcsec_partner_t *partner = &gen->policy->partners[job->partner_index];
        struct curl_slist *connect_to = NULL;
        curl_easy_setopt(easy, CURLOPT_SSLCERT, sys->keys.cert);
        curl_easy_setopt(easy, CURLOPT_SSLKEY, sys->keys.key);
        const char *ca_crl = gen->ca_crl_pem[job->partner_index];
        curl_easy_setopt(easy, CURLOPT_CAINFO, partner->keys.ca);
        if (ca_crl) {
            /* keys.crls: the CA and its CRLs from this generation as one
             * blob. libcurl compares the blob before it reuses a cached
             * connection, so after a reload with new CRLs no request goes
             * over a connection verified against the old ones. */
            struct curl_blob blob = {(void *)ca_crl, strlen(ca_crl), CURL_BLOB_COPY};
            curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
            curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, crl_ssl_ctx);
            curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, (void *)gen);
        }
        curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(easy, CURLOPT_SSLVERSION,
                         (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_3));
        curl_easy_setopt(easy, CURLOPT_SSL_CIPHER_LIST, httpd_curl_ciphers);
        curl_easy_setopt(easy, CURLOPT_TLS13_CIPHERS, httpd_curl_tls13_ciphers);
        /* A reused handle keeps its TLS session cache across
         * curl_easy_reset: no resumption, so a reload's new CA file is
         * always checked (as with a fresh handle per request). */
        curl_easy_setopt(easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
        connect_to = curl_slist_append(NULL, job->connect_to);
        curl_easy_setopt(easy, CURLOPT_CONNECT_TO, connect_to);
        /* curl copies nothing of CONNECT_TO: keep the list with the job. */
        curl_slist_free_all(job->connect_slist);
        job->connect_slist = connect_to;
    }
    return easy;
}

/* Keeps a finished easy handle for a next job, or frees it. */
static void release_easy(forwarder_t *fwd, CURL *easy)
{
    if (fwd->idle_count < FWD_IDLE_EASY_MAX)
        fwd->idle[fwd->idle_count++] = easy;
    else
        curl_easy_cleanup(easy);
}

/* Takes a job's transfer out of the multi and resumes its connection. */
static void finish(forwarder_t *fwd, fwd_job_t *job, int code)
{
    curl_multi_remove_handle(fwd->multi, job->easy);
    release_easy(fwd, job->easy);
    job->easy = NULL;
    if (job->prev)
        job->prev->next = job->next;
    else
        fwd->running = job->next;
    if (job->next)
        job->next->prev = job->prev;
    job->prev = job->next = NULL;
    fwd->running_count--;
    job->curl_code = code;
    job->done = true;
    MHD_resume_connection(job->connection);
    *job->resumed = true;
}

/* Ends the transfers libcurl reports done; returns how many. */
static size_t collect_done(forwarder_t *fwd)
{
    CURLMsg *msg;
    int left;
    size_t ended = 0;
    while ((msg = curl_multi_info_read(fwd->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        fwd_job_t *job = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&job);
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &job->status);
        finish(fwd, job, (int)code);
        ended++;
    }
    return ended;
}

/* libcurl's socket callback: keeps its sockets in the worker's epoll set.
 * (Its type is curl_socket_callback: socketp stays non-const.) */
// cppcheck-suppress constParameter
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    forwarder_t *fwd = userp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(fwd->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    struct epoll_event ev = {.events = 0, .data.u64 = HTTPD_EV_CURL | (uint32_t)fd};
    if (what & CURL_POLL_IN)
        ev.events |= EPOLLIN;
    if (what & CURL_POLL_OUT)
        ev.events |= EPOLLOUT;
    /* socketp is set once the socket is in the set (libcurl forgets it with
     * CURL_POLL_REMOVE); a socket closed without one left the set itself. */
    if (socketp) {
        if (epoll_ctl(fwd->epoll_fd, EPOLL_CTL_MOD, fd, &ev) == 0)
            return 0;
        if (errno != ENOENT)
            return -1; /* libcurl fails the transfer */
    }
    if (epoll_ctl(fwd->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0 &&
        (errno != EEXIST || epoll_ctl(fwd->epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0))
        return -1;
    curl_multi_assign(fwd->multi, fd, fwd);
    return 0;
}

/* libcurl's timer callback: the loop calls httpd_forwarder_timer when due
 * (libcurl must not be re-entered from here). */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    forwarder_t *fwd = userp;
    (void)multi;
    fwd->timer_set = timeout_ms >= 0;
    if (fwd->timer_set)
        fwd->timer_due = now_ms() + (uint64_t)timeout_ms;
    return 0;
}

forwarder_t *httpd_forwarder_new(int epoll_fd)
{
    forwarder_t *fwd = calloc(1, sizeof(*fwd));
    if (!fwd)
        return NULL;
    fwd->epoll_fd = epoll_fd;
    fwd->multi = curl_multi_init();
    if (!fwd->multi) {
        free(fwd);
        return NULL;
    }
    curl_multi_setopt(fwd->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    curl_multi_setopt(fwd->multi, CURLMOPT_MAXCONNECTS, FWD_MAX_CONNECTS);
    curl_multi_setopt(fwd->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(fwd->multi, CURLMOPT_SOCKETDATA, fwd);
    curl_multi_setopt(fwd->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(fwd->multi, CURLMOPT_TIMERDATA, fwd);
    return fwd;
}

int httpd_forwarder_submit(forwarder_t *fwd, fwd_job_t *job)
{
    CURL *easy = make_easy(fwd, job);
    if (!easy)
        return -1;
    if (curl_multi_add_handle(fwd->multi, easy) != CURLM_OK) {
        release_easy(fwd, easy);
        return -1;
    }
    job->easy = easy;
    job->prev = NULL;
    job->next = fwd->running;
    if (fwd->running)
        fwd->running->prev = job;
    fwd->running = job;
    fwd->running_count++;
    return 0;
}

long httpd_forwarder_timeout(const forwarder_t *fwd)
{
    if (!fwd->timer_set)
        return -1;
    uint64_t now = now_ms();
    return fwd->timer_due <= now ? 0 : (long)(fwd->timer_due - now);
}

size_t httpd_forwarder_socket(forwarder_t *fwd, int fd, uint32_t events)
{
    int mask = 0;
    if (events & (EPOLLIN | EPOLLHUP))
        mask |= CURL_CSELECT_IN;
    if (events & EPOLLOUT)
        mask |= CURL_CSELECT_OUT;
    if (events & EPOLLERR)
        mask |= CURL_CSELECT_ERR;
    int running = 0;
    curl_multi_socket_action(fwd->multi, fd, mask, &running);
    return collect_done(fwd);
}

size_t httpd_forwarder_timer(forwarder_t *fwd)
{
    if (!fwd->timer_set || fwd->timer_due > now_ms())
        return 0;
    fwd->timer_set = false;
    int running = 0;
    curl_multi_socket_action(fwd->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    return collect_done(fwd);
}

size_t httpd_forwarder_abort(forwarder_t *fwd)
{
    size_t ended = 0;
    while (fwd->running) {
        finish(fwd, fwd->running, CURLE_ABORTED_BY_CALLBACK);
        ended++;
    }
    return ended;
}

size_t httpd_forwarder_running(const forwarder_t *fwd)
{
    return fwd->running_count;
}

void httpd_forwarder_free(forwarder_t *fwd)
{
    if (!fwd)
        return;
    httpd_forwarder_abort(fwd);
    /* Handles first: they may still refer to the multi's caches. */
    while (fwd->idle_count > 0)
        curl_easy_cleanup(fwd->idle[--fwd->idle_count]);
    curl_multi_cleanup(fwd->multi);
    free(fwd);
}
