/* Counters shared by every Kamailio process: one row per partner (slots
 * assigned by partner name, so counts survive reloads) plus one row for
 * requests that matched no partner, each row holding one cell per reason
 * code and the passed counts per direction. Kept in shared memory and
 * updated with Kamailio's atomic operations. */
#ifndef MCSEC_COUNTERS_H
#define MCSEC_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "mcsec/policy/policy.h"
#include "mcsec/util/reason.h"

#define MCSEC_CNT_PARTNER_SLOTS 64
#define MCSEC_CNT_NAME_MAX 64
/* Columns: the reason codes (column MCSEC_REASON_NONE stays 0), then: */
#define MCSEC_CNT_PASSED_IN ((int)MCSEC_REASON_COUNT)
#define MCSEC_CNT_PASSED_OUT ((int)MCSEC_REASON_COUNT + 1)
#define MCSEC_CNT_COLUMNS ((int)MCSEC_REASON_COUNT + 2)

/* A consistent copy of the table for the RPC reader. */
typedef struct {
    char name[MCSEC_CNT_NAME_MAX];
    long cells[MCSEC_CNT_COLUMNS];
} mcsec_cnt_row_t;

typedef struct {
    mcsec_cnt_row_t unmatched;
    mcsec_cnt_row_t partners[MCSEC_CNT_PARTNER_SLOTS];
    size_t partner_count; /* rows used in partners, in slot order */
} mcsec_cnt_snapshot_t;

/* mod_init: allocates the zeroed table in shared memory. 0 or -1. */
int mcsec_counters_init(void);

/* mod_destroy: frees the table. */
void mcsec_counters_destroy(void);

/* Gives every partner of policy a slot (existing slots are kept by name).
 * Called before a policy becomes visible. Returns how many partners got no
 * slot (table full or name too long); they are counted as unmatched. */
size_t mcsec_counters_assign(const mcsec_policy_t *policy);

/* Per process: maps the partner indexes of policy (this process's parsed
 * copy) to their slots. Returns 0, or -1 when out of memory (every partner
 * then counts as unmatched). */
int mcsec_counters_map(const mcsec_policy_t *policy);

/* Counts one verdict: partner_index as in mcsec_verdict_t (-1 = none), the
 * reason (MCSEC_REASON_NONE = passed in direction egress/ingress). */
void mcsec_counters_count(int partner_index, mcsec_reason_t reason, bool egress);

/* Copies the table into out. */
void mcsec_counters_snapshot(mcsec_cnt_snapshot_t *out);

#endif
