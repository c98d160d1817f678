/* Counters shared by every Kamailio process: one row per partner (slots
 * assigned by partner name, so counts survive reloads) plus one row for
 * messages that matched no partner, and the border-wide histograms and
 * reload counts. Kept in shared memory and updated with Kamailio's atomic
 * operations; read by mcsec.stats and the /metrics page
 * (mcsec_metrics_page.c, names in docs/metrics-is-proxy.md).
 *
 * A row holds: one cell per reason code and the passed counts per
 * direction (mcsec.stats); messages per direction x kind (request, reply) x
 * method x result; refusals per direction x reason; SPK operations per key
 * ID (at most MCSEC_CNT_SPK_KEYS IDs per partner, the rest in one overflow
 * cell, so a partner sending made-up KeyNames cannot grow the table); EAR
 * verify/sign results; GKTP check results; EARs off by more than half the
 * allowed skew. */
#ifndef MCSEC_COUNTERS_H
#define MCSEC_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/policy/policy.h"
#include "mcsec/util/reason.h"

#define MCSEC_CNT_PARTNER_SLOTS 64
#define MCSEC_CNT_NAME_MAX 64
/* Columns: the reason codes (column MCSEC_REASON_NONE stays 0), then: */
#define MCSEC_CNT_PASSED_IN ((int)MCSEC_REASON_COUNT)
#define MCSEC_CNT_PASSED_OUT ((int)MCSEC_REASON_COUNT + 1)
#define MCSEC_CNT_COLUMNS ((int)MCSEC_REASON_COUNT + 2)

/* Methods counted by name (the last, "other", takes every other token). */
#define MCSEC_CNT_METHODS 15
/* SPK key IDs tracked per partner (the current and the next SPK, with room
 * for a rollover); operations with any further ID count in the overflow
 * cell (index MCSEC_CNT_SPK_KEYS), those whose key ID was never read
 * (a body too broken to name one) in the same cell. */
#define MCSEC_CNT_SPK_KEYS 4

typedef enum {
    MCSEC_STAGE_CHECK = 0, /* the policy check (libmcsec mcsec_check_sip_*) */
    MCSEC_STAGE_EAR,
    MCSEC_STAGE_SPK,
    MCSEC_STAGE_TOPOLOGY,
    MCSEC_STAGE_COUNT
} mcsec_stage_t;

/* Histogram bounds (docs/metrics-is-proxy.md). */
#define MCSEC_STAGE_BUCKETS 11
#define MCSEC_OFFSET_BUCKETS 11
extern const double mcsec_stage_bounds[MCSEC_STAGE_BUCKETS];
extern const double mcsec_offset_bounds[MCSEC_OFFSET_BUCKETS];

typedef enum {
    MCSEC_TRIGGER_START = 0,
    MCSEC_TRIGGER_RPC,
    MCSEC_TRIGGER_SIGNAL,
    MCSEC_TRIGGER_COUNT
} mcsec_trigger_t;

/* A consistent copy of one row. */
typedef struct {
    char name[MCSEC_CNT_NAME_MAX];
    long cells[MCSEC_CNT_COLUMNS];
    long msgs[2][2][MCSEC_CNT_METHODS][2];  /* [egress][reply][method][refused] */
    long refused[2][MCSEC_REASON_COUNT];    /* [egress][reason] */
    long spk_id[MCSEC_CNT_SPK_KEYS];        /* key ID + 1; 0 = unused */
    long spk[MCSEC_CNT_SPK_KEYS + 1][2][2]; /* [key][unprotect][failed] */
    long ear[2][2];                         /* [sign][failed] */
    long gktp[2];                           /* [failed] */
    long skew_exceeded;
} mcsec_cnt_row_t;

typedef struct {
    mcsec_cnt_row_t unmatched;
    mcsec_cnt_row_t partners[MCSEC_CNT_PARTNER_SLOTS];
    size_t partner_count; /* rows used in partners, in slot order */
    uint64_t stage[MCSEC_STAGE_COUNT][MCSEC_STAGE_BUCKETS + 1];
    double stage_sum[MCSEC_STAGE_COUNT]; /* seconds */
    uint64_t offset[MCSEC_OFFSET_BUCKETS + 1];
    double offset_sum;                    /* seconds */
    long reloads[2][MCSEC_TRIGGER_COUNT]; /* [failed][trigger] */
    long last_reload_time;                /* Unix seconds; 0 = none */
    bool last_reload_ok;
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

/* The method index of a method token ("other" for anything not listed),
 * and the label of an index. */
int mcsec_counters_method(const char *method, size_t len);
const char *mcsec_counters_method_name(int index);

/* Counts one message: partner_index as in mcsec_verdict_t (-1 = none), its
 * direction, request or reply, method index, and the reason
 * (MCSEC_REASON_NONE = passed). Moves the message count and, for a
 * refusal, the refusal count and its mcsec.stats cell; a passed request
 * moves the mcsec.stats passed_in/passed_out cell (passed replies do not:
 * those cells count requests, as they always did). */
void mcsec_counters_message(int partner_index, bool egress, bool reply, int method,
                            mcsec_reason_t reason);

/* One SPK operation with the partner: key ID when has_id, protect or
 * unprotect, ok or failed. */
void mcsec_counters_spk(int partner_index, bool has_id, uint32_t spk_id, bool protect, bool ok);

/* One EAR verified (sign false) or signed by the border, ok or failed. */
void mcsec_counters_ear(int partner_index, bool sign, bool ok);

/* One GKTP payload checked, ok or failed. */
void mcsec_counters_gktp(int partner_index, bool ok);

/* An EAR date seen: offset = date - now (seconds) into the histogram;
 * when |offset| exceeds half of skew, counts it for the partner and
 * returns true when this is the partner's first such EAR in a minute (the
 * caller logs the alarm then; at most one line per partner per minute
 * across all processes). */
bool mcsec_counters_ear_offset(int partner_index, int64_t offset, uint32_t skew, int64_t now);

/* The time one stage took for one message. */
void mcsec_counters_stage(mcsec_stage_t stage, uint64_t nanoseconds);

/* A reload (or the start) and its result, at now. */
void mcsec_counters_reload(mcsec_trigger_t trigger, bool ok, int64_t now);

/* Copies the table into out. */
void mcsec_counters_snapshot(mcsec_cnt_snapshot_t *out);

/* Monotonic clock in nanoseconds, for the stage timings. */
uint64_t mcsec_counters_clock(void);

#endif
