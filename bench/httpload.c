/* httpload: HTTPS load with a client certificate, for the HTTP-3 benchmark.
 *
 * wrk and ab cannot present a client certificate, and the border's HTTP
 * proxy refuses a partner without one. This keeps CONNS requests in flight
 * (closed loop: a connection sends its next request when the previous
 * answer is complete; connections are kept alive and reused) for DURATION
 * seconds with libcurl's multi interface in one thread, and prints one line:
 *   requests=N errors=E seconds=S rps=R p50_ms=A p99_ms=B
 * A request counts as an error when libcurl fails or the status is not 2xx.
 *
 * Usage: httpload --url URL [--cert PEM --key PEM] [--cacert PEM]
 *                 [--resolve HOST:PORT:ADDR] [--interface SOURCE_IP]
 *                 [--header "Name: value"]...
 *                 [--conns N] [--duration SECONDS]
 * Exit 0 when at least one request succeeded and none failed, 1 otherwise,
 * 2 on a usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define HTTPLOAD_MAX_CONNS 1024
#define HTTPLOAD_MAX_HEADERS 16

typedef struct {
    const char *url;
    const char *cert;
    const char *key;
    const char *cacert;
    const char *resolve;
    const char *interface;
    const char *headers[HTTPLOAD_MAX_HEADERS];
    int n_headers;
    int conns;
    double duration;
} httpload_opts_t;

/* Latencies of completed requests, microseconds. */
typedef struct {
    long *us;
    size_t count;
    size_t cap;
} latency_log_t;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Response bodies are not kept. */
static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *closure)
{
    (void)ptr;
    (void)closure;
    return size * nmemb;
}

static int latency_add(latency_log_t *log, long us)
{
    if (log->count == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 65536;
        long *grown = realloc(log->us, cap * sizeof(*grown));
        if (grown == NULL) {
            return -1;
        }
        log->us = grown;
        log->cap = cap;
    }
    log->us[log->count++] = us;
    return 0;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of the sorted log, in milliseconds. */
static double quantile_ms(const latency_log_t *log, double q)
{
    if (log->count == 0) {
        return 0;
    }
    size_t i = (size_t)(q * (double)(log->count - 1) + 0.5);
    return (double)log->us[i] / 1000.0;
}

/* Parses argv into opts; 0 or -1 (usage printed by the caller). */
static int parse_opts(int argc, char **argv, httpload_opts_t *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->conns = 16;
    opts->duration = 5;
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value == NULL) {
            return -1;
        }
        if (strcmp(name, "--url") == 0) {
            opts->url = value;
        } else if (strcmp(name, "--cert") == 0) {
            opts->cert = value;
        } else if (strcmp(name, "--key") == 0) {
            opts->key = value;
        } else if (strcmp(name, "--cacert") == 0) {
            opts->cacert = value;
        } else if (strcmp(name, "--resolve") == 0) {
            opts->resolve = value;
        } else if (strcmp(name, "--interface") == 0) {
            opts->interface = value;
        } else if (strcmp(name, "--header") == 0 && opts->n_headers < HTTPLOAD_MAX_HEADERS) {
            opts->headers[opts->n_headers++] = value;
        } else if (strcmp(name, "--conns") == 0) {
            opts->conns = atoi(value);
        } else if (strcmp(name, "--duration") == 0) {
            opts->duration = atof(value);
        } else {
            return -1;
        }
        i++;
    }
    if (opts->url == NULL || opts->conns < 1 || opts->conns > HTTPLOAD_MAX_CONNS ||
        opts->duration <= 0) {
        return -1;
    }
    return 0;
}

/* One easy handle set up for the whole run. */
static CURL *make_handle(const httpload_opts_t *opts, struct curl_slist *headers,
                         struct curl_slist *resolve, long index)
{
    CURL *easy = curl_easy_init();
    if (easy == NULL) {
        return NULL;
    }
    curl_easy_setopt(easy, CURLOPT_URL, opts->url);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, (void *)index);
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    if (opts->cert != NULL) {
        curl_easy_setopt(easy, CURLOPT_SSLCERT, opts->cert);
    }
    if (opts->key != NULL) {
        curl_easy_setopt(easy, CURLOPT_SSLKEY, opts->key);
    }
    if (opts->cacert != NULL) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, opts->cacert);
    }
    if (headers != NULL) {
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    }
    if (resolve != NULL) {
        curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve);
    }
    if (opts->interface != NULL) {
        curl_easy_setopt(easy, CURLOPT_INTERFACE, opts->interface);
    }
    return easy;
}

int main(int argc, char **argv)
{
    httpload_opts_t opts;
    if (parse_opts(argc, argv, &opts) != 0) {
        fprintf(stderr, "usage: httpload --url URL [--cert PEM --key PEM] [--cacert PEM]\n"
                        "                [--resolve HOST:PORT:ADDR] [--interface SOURCE_IP]\n"
                        "                [--header 'Name: value']...\n"
                        "                [--conns N] [--duration SECONDS]\n");
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "httpload: curl_global_init failed\n");
        return 1;
    }
    struct curl_slist *headers = NULL;
    for (int i = 0; i < opts.n_headers; i++) {
        headers = curl_slist_append(headers, opts.headers[i]);
    }
    struct curl_slist *resolve =
        opts.resolve != NULL ? curl_slist_append(NULL, opts.resolve) : NULL;
    CURLM *multi = curl_multi_init();
    CURL *handles[HTTPLOAD_MAX_CONNS] = {0};
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)opts.conns);
    int failed_setup = multi == NULL;
    for (int i = 0; i < opts.conns && !failed_setup; i++) {
        handles[i] = make_handle(&opts, headers, resolve, i);
        failed_setup = handles[i] == NULL || curl_multi_add_handle(multi, handles[i]) != CURLM_OK;
    }
    latency_log_t log = {0};
    unsigned long errors = 0;
    const char *first_error = NULL;
    char first_error_buf[256] = "";
    double start = now_seconds();
    double end = start + opts.duration;
    int running = opts.conns;
    while (!failed_setup && running > 0) {
        curl_multi_perform(multi, &running);
        int queued = 0;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(multi, &queued)) != NULL) {
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            CURL *easy = msg->easy_handle;
            long status = 0;
            curl_off_t total_us = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
            if (msg->data.result != CURLE_OK || status < 200 || status > 299) {
                errors++;
                if (first_error == NULL) {
                    snprintf(first_error_buf, sizeof(first_error_buf), "%s, HTTP status %ld",
                             curl_easy_strerror(msg->data.result), status);
                    first_error = first_error_buf;
                }
            } else if (latency_add(&log, (long)total_us) != 0) {
                errors++;
            }
            curl_multi_remove_handle(multi, easy);
            if (now_seconds() < end) {
                curl_multi_add_handle(multi, easy);
                running++;
            }
        }
        if (running > 0) {
            curl_multi_poll(multi, NULL, 0, 100, NULL);
        }
    }
    double seconds = now_seconds() - start;
    qsort(log.us, log.count, sizeof(*log.us), cmp_long);
    printf("requests=%zu errors=%lu seconds=%.2f rps=%.0f p50_ms=%.3f p99_ms=%.3f\n", log.count,
           errors, seconds, seconds > 0 ? (double)log.count / seconds : 0.0,
           quantile_ms(&log, 0.50), quantile_ms(&log, 0.99));
    if (first_error != NULL) {
        fprintf(stderr, "httpload: first error: %s\n", first_error);
    }
    for (int i = 0; i < opts.conns; i++) {
        if (handles[i] != NULL) {
            curl_multi_remove_handle(multi, handles[i]);
            curl_easy_cleanup(handles[i]);
        }
    }
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
    curl_global_cleanup();
    free(log.us);
    return !failed_setup && log.count > 0 && errors == 0 ? 0 : 1;
}
