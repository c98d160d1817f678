/* Log lines of mcsec.so: see mcsec_log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"

#include "mcsec/util/reason.h"
#include "mcsec_log.h"

/* This process's format and level (per process, like its parsed policy). */
static mcsec_logfmt_t log_style = MCSEC_LOGFMT_TEXT;
static mcsec_log_level_t log_level = MCSEC_LOG_NOTICE;

/* See mcsec_log.h. */
void mcsec_log_configure(const mcsec_logging_t *logging)
{
    log_style = logging != NULL && logging->format == MCSEC_LOG_FORMAT_JSON ? MCSEC_LOGFMT_JSON
                                                                            : MCSEC_LOGFMT_TEXT;
    log_level = logging != NULL ? logging->level : MCSEC_LOG_NOTICE;
}

/* See mcsec_log.h. */
bool mcsec_log_enabled(mcsec_log_level_t level)
{
    return level <= log_level;
}

/* See mcsec_log.h. */
void mcsec_log_begin(mcsec_logline_t *line, const char *event)
{
    mcsec_logline_init(line, log_style);
    mcsec_logline_str(line, "event", event);
}

/* Kamailio's level for ours. */
static int kamailio_level(mcsec_log_level_t level)
{
    switch (level) {
    case MCSEC_LOG_ERROR:
        return L_ERR;
    case MCSEC_LOG_WARNING:
        return L_WARN;
    case MCSEC_LOG_NOTICE:
        return L_NOTICE;
    case MCSEC_LOG_INFO:
        return L_INFO;
    default:
        return L_DBG;
    }
}

/* See mcsec_log.h. */
void mcsec_log_emit(mcsec_log_level_t level, mcsec_logline_t *line)
{
    if (!mcsec_log_enabled(level)) {
        return;
    }
    const char *text = mcsec_logline_text(line);
    int klevel = kamailio_level(level);
    LOG_FN(DEFAULT_FACILITY, klevel, "mcsec: ", "%s\n", text);
}

/* See mcsec_log.h. */
void mcsec_logf(mcsec_log_level_t level, const char *event, const char *fmt, ...)
{
    if (!mcsec_log_enabled(level)) {
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0) {
        msg[0] = '\0';
    }
    mcsec_logline_t line;
    mcsec_log_begin(&line, event);
    mcsec_logline_str(&line, "msg", msg);
    mcsec_log_emit(level, &line);
}

/* See mcsec_log.h. */
void mcsec_log_lines(mcsec_log_level_t level, const char *event, const char *key, const char *text)
{
    const char *p = text != NULL ? text : "";
    while (*p != '\0') {
        const char *eol = strchr(p, '\n');
        size_t n = eol != NULL ? (size_t)(eol - p) : strlen(p);
        mcsec_logline_t line;
        mcsec_log_begin(&line, event);
        mcsec_logline_strn(&line, key, p, n);
        mcsec_log_emit(level, &line);
        p += n + (eol != NULL ? 1 : 0);
    }
}

/* See mcsec_log.h. */
void mcsec_log_verdict(const mcsec_verdict_log_t *v)
{
    bool passed = v->reason == (int)MCSEC_REASON_NONE;
    mcsec_log_level_t level = passed ? MCSEC_LOG_INFO : MCSEC_LOG_NOTICE;
    if (!mcsec_log_enabled(level)) {
        return;
    }
    mcsec_logline_t line;
    mcsec_log_begin(&line, passed ? "passed" : "refused");
    if (!passed) {
        mcsec_logline_str(&line, "reason", mcsec_reason_code((mcsec_reason_t)v->reason));
    }
    mcsec_logline_str(&line, "partner", v->partner != NULL ? v->partner : "");
    mcsec_logline_str(&line, "direction", v->egress ? "out" : "in");
    mcsec_logline_str(&line, "kind", v->reply ? "reply" : "request");
    mcsec_logline_strn(&line, "method", v->method != NULL ? v->method : "",
                       v->method != NULL ? v->method_len : 0);
    if (v->status != 0) {
        mcsec_logline_int(&line, "status", v->status);
    }
    if (v->src != NULL) {
        mcsec_logline_str(&line, "src", v->src);
    }
    if (v->dst != NULL) {
        mcsec_logline_str(&line, "dst", v->dst);
    }
    if (v->call_id != NULL && v->call_id_len > 0) {
        mcsec_logline_strn(&line, "call_id", v->call_id, v->call_id_len);
    }
    if (v->detail != NULL && v->detail[0] != '\0') {
        mcsec_logline_str(&line, "detail", v->detail);
    }
    if (v->outcome != NULL) {
        mcsec_logline_str(&line, "outcome", v->outcome);
    }
    mcsec_log_emit(level, &line);
}
