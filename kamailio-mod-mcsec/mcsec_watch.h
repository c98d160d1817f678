/* The alarms the metrics process raises by looking (docs/metrics-is-proxy.md):
 * expiry.warning / expiry.critical / crl.stale for every item of
 * mcsec_config_expiry() of the running policy, checked when a policy
 * generation appears (the start, each reload) and every hour, each item
 * logged once per change of state (and a cleared line when it is fine
 * again); replay.high when a replay cache goes above 80 % of its capacity,
 * once per crossing (checked every few seconds). State is this process's
 * own (the metrics process is the only caller). */
#ifndef MCSEC_WATCH_H
#define MCSEC_WATCH_H

#include <stdint.h>

#include "mcsec/config/config_expiry.h"

/* Runs the checks that are due at now. */
void mcsec_watch_tick(int64_t now);

/* The expiry list of the running generation (as of the last check), for
 * the page; NULL before the first check. */
const mcsec_expiry_list_t *mcsec_watch_expiry(void);

/* Frees this process's state. */
void mcsec_watch_free(void);

#endif
