/* Alarm codes and their severities (mcsec/obs/alarm.h). */
#include "mcsec/obs/alarm.h"

#include <stddef.h>

#define PRIO_ERR 3
#define PRIO_WARNING 4

static const struct {
    const char *code;
    int priority;
} alarms[MCSEC_ALARM_COUNT] = {
    [MCSEC_ALARM_EXPIRY_WARNING] = {"expiry.warning", PRIO_WARNING},
    [MCSEC_ALARM_EXPIRY_CRITICAL] = {"expiry.critical", PRIO_ERR},
    [MCSEC_ALARM_CRL_STALE] = {"crl.stale", PRIO_WARNING},
    [MCSEC_ALARM_RELOAD_FAILED] = {"reload.failed", PRIO_ERR},
    [MCSEC_ALARM_REPLAY_HIGH] = {"replay.high", PRIO_WARNING},
    [MCSEC_ALARM_EAR_CLOCK_SKEW] = {"ear.clock_skew", PRIO_WARNING},
    [MCSEC_ALARM_SA_DOWN] = {"ipsec.sa_down", PRIO_ERR},
    [MCSEC_ALARM_LOAD_SHEDDING] = {"load.shedding", PRIO_WARNING},
    [MCSEC_ALARM_REPLAY_STORE_UNAVAILABLE] = {"replay.store_unavailable", PRIO_ERR},
};

const char *mcsec_alarm_code(mcsec_alarm_t alarm)
{
    if ((int)alarm < 0 || alarm >= MCSEC_ALARM_COUNT)
        return "unknown";
    return alarms[alarm].code;
}

int mcsec_alarm_priority(mcsec_alarm_t alarm)
{
    if ((int)alarm < 0 || alarm >= MCSEC_ALARM_COUNT)
        return PRIO_ERR;
    return alarms[alarm].priority;
}
