/* Forwarding with libcurl multi in one thread of its own. libmicrohttpd's
 * threads never wait for a next hop: the access handler suspends the
 * connection and hands a job over; this thread runs every transfer and
 * resumes the connection when its job is done. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "httpd.h"

/* Easy handles kept for reuse, and idle next-hop connections kept open in
 * the multi's connection cache. libcurl's default cache size is four times
 * the number of easy handles in the multi at the time: with few requests
 * in flight it closed connections the next requests had to open again. */
#define FWD_IDLE_EASY_MAX 64
#define FWD_MAX_CONNECTS 256L

struct forwarder {
    httpd_t *httpd;
    CURLM *multi;
    pthread_t thread;
    pthread_mutex_t lock;
    fwd_job_t *pending; /* handed over, not yet added to multi */
    bool stop;
    /* Finished easy handles kept for the next jobs (curl_easy_reset between
     * jobs): curl_easy_init and curl_easy_cleanup cost about 14 000
     * instructions per request (callgrind), reset about 3 000. Only the
     * curl thread touches it. */
    CURL *idle[FWD_IDLE_EASY_MAX];
    size_t idle_count;
};

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
        return n;
    }
    size_t len = n;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    const char *colon = memchr(data, ':', len);
    if (!colon || colon == data || job->field_count == RESPONSE_FIELDS_MAX)
        return n;
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
    httpd_gen_t *gen = job->req->gen;
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
    } else if (job->req->body_len > 0 || strcmp(job->method, "GET") != 0) {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, job->method);
        if (job->req->body_len > 0 || strcmp(job->method, "PUT") == 0 ||
            strcmp(job->method, "POST") == 0) {
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->req->body_len);
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, job->req->body ? job->req->body : "");
        }
    }
    if (job->outbound) {
        /* Towards a partner: our certificate, the partner's CA, its HTTP
         * proxy's name checked in its certificate, the same TLS profile. */
        const mcsec_partner_t *partner = &gen->policy->partners[job->req->partner_index];
        struct curl_slist *connect_to = NULL;
        curl_easy_setopt(easy, CURLOPT_SSLCERT, sys->keys.cert);
        curl_easy_setopt(easy, CURLOPT_SSLKEY, sys->keys.key);
        curl_easy_setopt(easy, CURLOPT_CAINFO, partner->keys.ca);
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

/* Resumes the connection of a finished job. */
static void finish(fwd_job_t *job, int code)
{
    job->curl_code = code;
    atomic_store(&job->done, true);
    MHD_resume_connection(job->connection);
}

static void take_pending(forwarder_t *fwd)
{
    pthread_mutex_lock(&fwd->lock);
    fwd_job_t *jobs = fwd->pending;
    fwd->pending = NULL;
    pthread_mutex_unlock(&fwd->lock);
    while (jobs) {
        fwd_job_t *job = jobs;
        jobs = job->next;
        job->next = NULL;
        CURL *easy = make_easy(fwd, job);
        if (!easy || curl_multi_add_handle(fwd->multi, easy) != CURLM_OK) {
            if (easy)
                release_easy(fwd, easy);
            finish(job, CURLE_FAILED_INIT);
        }
    }
}

static void collect_done(forwarder_t *fwd)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(fwd->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        fwd_job_t *job = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&job);
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &job->status);
        curl_multi_remove_handle(fwd->multi, easy);
        release_easy(fwd, easy);
        finish(job, (int)code);
    }
}

static void *run(void *arg)
{
    forwarder_t *fwd = arg;
    for (;;) {
        pthread_mutex_lock(&fwd->lock);
        bool stop = fwd->stop;
        pthread_mutex_unlock(&fwd->lock);
        if (stop)
            break;
        take_pending(fwd);
        int running = 0;
        curl_multi_perform(fwd->multi, &running);
        collect_done(fwd);
        curl_multi_poll(fwd->multi, NULL, 0, 1000, NULL);
    }
    return NULL;
}

forwarder_t *httpd_forwarder_start(httpd_t *httpd)
{
    forwarder_t *fwd = calloc(1, sizeof(*fwd));
    if (!fwd)
        return NULL;
    fwd->httpd = httpd;
    fwd->multi = curl_multi_init();
    if (!fwd->multi) {
        free(fwd);
        return NULL;
    }
    curl_multi_setopt(fwd->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    curl_multi_setopt(fwd->multi, CURLMOPT_MAXCONNECTS, FWD_MAX_CONNECTS);
    pthread_mutex_init(&fwd->lock, NULL);
    if (pthread_create(&fwd->thread, NULL, run, fwd) != 0) {
        curl_multi_cleanup(fwd->multi);
        pthread_mutex_destroy(&fwd->lock);
        free(fwd);
        return NULL;
    }
    return fwd;
}

void httpd_forwarder_submit(forwarder_t *fwd, fwd_job_t *job)
{
    pthread_mutex_lock(&fwd->lock);
    job->next = fwd->pending;
    fwd->pending = job;
    pthread_mutex_unlock(&fwd->lock);
    curl_multi_wakeup(fwd->multi);
}

void httpd_forwarder_stop(forwarder_t *fwd)
{
    if (!fwd)
        return;
    pthread_mutex_lock(&fwd->lock);
    fwd->stop = true;
    pthread_mutex_unlock(&fwd->lock);
    curl_multi_wakeup(fwd->multi);
    pthread_join(fwd->thread, NULL);
    /* Handles first: they may still refer to the multi's caches. */
    while (fwd->idle_count > 0)
        curl_easy_cleanup(fwd->idle[--fwd->idle_count]);
    curl_multi_cleanup(fwd->multi);
    pthread_mutex_destroy(&fwd->lock);
    free(fwd);
}
