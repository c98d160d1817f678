/* Every log line of mcsec.so: one event per line, key=value (logfmt, values
 * quoted and escaped where needed) or a JSON object when the policy says
 * logging.format: json (mcsec/obs/logline.h), starting with event=<name>.
 * Lines below the policy's logging.level are not emitted; Kamailio's own
 * debug level still applies on top. Lines go through Kamailio's log with
 * the prefix "mcsec: " and neither file name nor function (LOG_FN), so no
 * build path reaches the journal.
 *
 * The format and level are per process, taken from the policy generation
 * this process built (mcsec_log_configure, called where the process
 * rebuilds its policy); before any policy: logfmt at notice. */
#ifndef MCSEC_LOG_H
#define MCSEC_LOG_H

#include <stdbool.h>

#include "mcsec/obs/logline.h"
#include "mcsec/policy/policy.h"

/* Takes format and level from logging (NULL: the defaults). */
void mcsec_log_configure(const mcsec_logging_t *logging);

/* Whether a line at level would be emitted (policy level only). */
bool mcsec_log_enabled(mcsec_log_level_t level);

/* Starts a line in this process's format with event=<event>. */
void mcsec_log_begin(mcsec_logline_t *line, const char *event);

/* Emits line at level (when the policy level lets it through). */
void mcsec_log_emit(mcsec_log_level_t level, mcsec_logline_t *line);

/* event=<event> msg="<formatted text>" at level: for lines with nothing
 * but a message. */
void mcsec_logf(mcsec_log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Emits each '\n'-separated line of text (the policy loader's FILE:LINE:COL
 * diagnostics) as its own line: event=<event> <key>="<line>". */
void mcsec_log_lines(mcsec_log_level_t level, const char *event, const char *key, const char *text);

/* One verdict line: event=passed (INFO, when the policy has log_passed;
 * the caller decides) or event=refused (NOTICE), then reason, partner
 * ("" = none), direction, kind, method, status, src, dst, call_id, detail,
 * outcome; NULL/0 fields are left out (partner and method never). */
typedef struct {
    bool egress;
    bool reply;
    const char *partner;
    int reason; /* mcsec_reason_t; MCSEC_REASON_NONE = passed */
    const char *method;
    size_t method_len;
    unsigned status; /* the reply's status, or the answer's; 0 = none */
    const char *src; /* "ip:port" */
    const char *dst; /* "ip:port" */
    const char *call_id;
    size_t call_id_len;
    const char *detail;
    const char *outcome; /* e.g. "replaced by 502", "dropped" */
} mcsec_verdict_log_t;

void mcsec_log_verdict(const mcsec_verdict_log_t *v);

#endif
