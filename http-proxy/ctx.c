/* The context every part of mcsec-httpd is handed (httpd.h): the current
 * generation behind a lock, and the log line. main makes it before any
 * thread starts and destroys it after the last one has stopped. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "httpd.h"

void httpd_ctx_init(httpd_ctx_t *ctx, const char *policy_path, mcsec_log_level_t level)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->policy_path = policy_path;
    ctx->log_level = level;
    pthread_mutex_init(&ctx->gen_lock, NULL);
    httpd_stats_init(&ctx->stats);
}

void httpd_ctx_destroy(httpd_ctx_t *ctx)
{
    httpd_gen_unref(ctx->gen);
    ctx->gen = NULL;
    httpd_replay_free(ctx->ear_replay);
    httpd_replay_free(ctx->gmk_replay);
    ctx->ear_replay = ctx->gmk_replay = NULL;
    httpd_stats_destroy(&ctx->stats);
    pthread_mutex_destroy(&ctx->gen_lock);
}

httpd_gen_t *httpd_ctx_current(httpd_ctx_t *ctx)
{
    pthread_mutex_lock(&ctx->gen_lock);
    httpd_gen_t *gen = httpd_gen_ref(ctx->gen);
    pthread_mutex_unlock(&ctx->gen_lock);
    return gen;
}

void httpd_ctx_replace(httpd_ctx_t *ctx, httpd_gen_t *gen)
{
    pthread_mutex_lock(&ctx->gen_lock);
    httpd_gen_t *old = ctx->gen;
    ctx->gen = gen;
    pthread_mutex_unlock(&ctx->gen_lock);
    httpd_gen_unref(old);
}

void httpd_log(const httpd_ctx_t *ctx, mcsec_log_level_t level, const char *fmt, ...)
{
    if (level > ctx->log_level)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One write per line so lines of different threads never interleave. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    fprintf(stderr, "%lld.%03ld mcsec-httpd: %s\n", (long long)now.tv_sec, now.tv_nsec / 1000000,
            line);
}
