/* The border's alarms: stable codes that a site without Prometheus finds in
 * its journal (one log line each, alarm=<code>), and that the Prometheus
 * rules in deploy/prometheus/alerts.yml name in their labels. Codes never
 * change meaning once released; docs/observability.md lists them with their
 * runbooks. */
#ifndef MCSEC_OBS_ALARM_H
#define MCSEC_OBS_ALARM_H

typedef enum {
    MCSEC_ALARM_EXPIRY_WARNING = 0, /* a certificate, CRL or key expires within the threshold */
    MCSEC_ALARM_EXPIRY_CRITICAL,    /* ... within a quarter of it, or has expired */
    MCSEC_ALARM_CRL_STALE,          /* a CRL is past its nextUpdate */
    MCSEC_ALARM_RELOAD_FAILED,      /* a reload was refused; the running generation stays */
    MCSEC_ALARM_REPLAY_HIGH,        /* a replay cache is above 80 % of its capacity */
    MCSEC_ALARM_EAR_CLOCK_SKEW,     /* an EAR date is off by more than half the allowed skew */
    MCSEC_ALARM_SA_DOWN,            /* no IPsec SA to a partner */
    MCSEC_ALARM_LOAD_SHEDDING,      /* a partner's requests are shed (load.partner_limit) */
    MCSEC_ALARM_REPLAY_STORE_UNAVAILABLE, /* the shared replay store (Redis) does not answer */
    MCSEC_ALARM_COUNT
} mcsec_alarm_t;

/* "expiry.warning", ...; "unknown" outside the enum. */
const char *mcsec_alarm_code(mcsec_alarm_t alarm);

/* The syslog priority its log line carries: 3 (LOG_ERR) or 4 (LOG_WARNING). */
int mcsec_alarm_priority(mcsec_alarm_t alarm);

#endif
