/* Alarm lines: see mcsec_alarm.h. */
#include "mcsec_alarm.h"
#include "mcsec_log.h"

/* syslog's LOG_ERR; anything else is a warning. */
#define ALARM_PRIORITY_ERR 3

/* See mcsec_alarm.h. */
void mcsec_alarm_begin(mcsec_logline_t *line, mcsec_alarm_t alarm)
{
    mcsec_log_begin(line, "alarm");
    mcsec_logline_str(line, "alarm", mcsec_alarm_code(alarm));
    mcsec_logline_str(line, "severity",
                      mcsec_alarm_priority(alarm) == ALARM_PRIORITY_ERR ? "err" : "warning");
}

/* See mcsec_alarm.h. */
void mcsec_alarm_emit(mcsec_alarm_t alarm, mcsec_logline_t *line)
{
    mcsec_log_emit(mcsec_alarm_priority(alarm) == ALARM_PRIORITY_ERR ? MCSEC_LOG_ERROR
                                                                     : MCSEC_LOG_WARNING,
                   line);
}
