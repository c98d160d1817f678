/* The context every part of mcsec-httpd is handed (httpd.h): the current
 * generation behind a lock, and the log line (logfmt or JSON, mcsec/obs/
 * logline.h, behind the sd-daemon priority prefix: docs/metrics-http-and-
 * ipsec.md "Logs"). main makes it before any
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
    atomic_init(&ctx->log_level, (int)level);
    atomic_init(&ctx->log_format, MCSEC_LOGFMT_TEXT);
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

void httpd_ctx_apply_logging(httpd_ctx_t *ctx, const mcsec_policy_t *policy)
{
    if (!ctx->level_fixed)
        atomic_store(&ctx->log_level, (int)policy->logging.level);
    atomic_store(&ctx->log_format, policy->logging.format == MCSEC_LOG_FORMAT_JSON
                                       ? MCSEC_LOGFMT_JSON
                                       : MCSEC_LOGFMT_TEXT);
}

/* syslog(3) priorities of our levels: LOG_ERR, LOG_WARNING, LOG_NOTICE,
 * LOG_INFO, LOG_DEBUG. */
static int priority(mcsec_log_level_t level)
{
    return 3 + (int)level;
}

static const char *level_name(mcsec_log_level_t level)
{
    static const char *const names[] = {"err", "warning", "notice", "info", "debug"};
    return (unsigned)level < 5 ? names[level] : "debug";
}

void httpd_line_start(const httpd_ctx_t *ctx, mcsec_logline_t *line, const char *event)
{
    mcsec_logline_init(line, (mcsec_logfmt_t)atomic_load(&ctx->log_format));
    mcsec_logline_str(line, "event", event);
}

/* Writes the finished line with its priority prefix (one write per line,
 * so lines of different threads never interleave). */
static void put(mcsec_log_level_t level, mcsec_logline_t *line)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld.%03ld", (long long)now.tv_sec, now.tv_nsec / 1000000);
    mcsec_logline_str(line, "ts", ts);
    fprintf(stderr, "<%d>%s\n", priority(level), mcsec_logline_text(line));
}

void httpd_line_emit(const httpd_ctx_t *ctx, mcsec_log_level_t level, mcsec_logline_t *line)
{
    if ((int)level > atomic_load(&ctx->log_level))
        return;
    mcsec_logline_str(line, "level", level_name(level));
    put(level, line);
}

void httpd_alarm_start(const httpd_ctx_t *ctx, mcsec_logline_t *line, mcsec_alarm_t alarm)
{
    httpd_line_start(ctx, line, "alarm");
    mcsec_logline_str(line, "alarm", mcsec_alarm_code(alarm));
    mcsec_logline_str(line, "severity", mcsec_alarm_priority(alarm) <= 3 ? "err" : "warning");
}

void httpd_alarm_emit(const httpd_ctx_t *ctx, mcsec_alarm_t alarm, mcsec_logline_t *line)
{
    /* Alarms are never filtered by the log level: they are WARNING or ERR. */
    (void)ctx;
    mcsec_log_level_t level =
        mcsec_alarm_priority(alarm) <= 3 ? MCSEC_LOG_ERROR : MCSEC_LOG_WARNING;
    mcsec_logline_str(line, "level", level_name(level));
    put(level, line);
}

void httpd_log(const httpd_ctx_t *ctx, mcsec_log_level_t level, const char *fmt, ...)
{
    if ((int)level > atomic_load(&ctx->log_level))
        return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    mcsec_logline_t line;
    httpd_line_start(ctx, &line, "log");
    mcsec_logline_str(&line, "msg", text);
    httpd_line_emit(ctx, level, &line);
}
