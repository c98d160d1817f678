/* Alarm lines of mcsec.so (mcsec/obs/alarm.h codes): event=alarm
 * alarm=<code> severity=warning|err, then the caller's keys, logged at
 * WARNING or ERR as the code says. */
#ifndef MCSEC_ALARM_H
#define MCSEC_ALARM_H

#include "mcsec/obs/alarm.h"
#include "mcsec/obs/logline.h"

/* Starts the line of alarm. */
void mcsec_alarm_begin(mcsec_logline_t *line, mcsec_alarm_t alarm);

/* Emits it at the alarm's severity. */
void mcsec_alarm_emit(mcsec_alarm_t alarm, mcsec_logline_t *line);

#endif
