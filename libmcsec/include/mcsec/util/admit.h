/* Admission control (overload): one partner's limits over a cell of state
 * the caller places where every worker sees it (Kamailio shared memory for
 * mcsec.so, the process for mcsec-httpd). docs/policy-reference.md
 * (partners[].limits) and docs/reason-codes.md (load.partner_limit).
 *
 * Contract:
 * - A token bucket (rate tokens per second, depth burst) admits requests;
 *   the last reserved_pct percent of the bucket, and of the concurrent
 *   INVITE slots, are kept for priority requests (RFC 4412 / RFC 8101
 *   namespaces, MC emergency): a normal request is shed while the bucket
 *   holds no more than the reserve, a priority request only when it is empty.
 * - Priority requests have their own bucket (ceiling per second, depth
 *   ceiling): beyond it they are admitted as normal requests, so marking
 *   every request priority cannot bypass the limits. Whether a request is
 *   priority (and whether its partner may mark it) is the caller's call.
 * - The cell is guarded by a spin lock of its own (GCC __atomic builtins,
 *   valid across processes over shared memory); no allocation, no clock:
 *   the caller passes a monotonic time in milliseconds.
 * - rate 0 = no rate limit; invites 0 = no INVITE limit. */
#ifndef MCSEC_UTIL_ADMIT_H
#define MCSEC_UTIL_ADMIT_H

#include <stdbool.h>
#include <stdint.h>

#define MCSEC_ADMIT_RATE_MAX 1000000u
#define MCSEC_ADMIT_RESERVED_MAX 90u /* percent */
#define MCSEC_ADMIT_RETRY_AFTER_MAX 60u

typedef struct {
    uint32_t rate;         /* requests per second; 0 = no rate limit */
    uint32_t burst;        /* bucket depth (>= 1 when rate > 0) */
    uint32_t invites;      /* concurrent INVITE transactions; 0 = no limit */
    uint32_t reserved_pct; /* 0..MCSEC_ADMIT_RESERVED_MAX */
    uint32_t ceiling;      /* priority requests per second (and depth) */
} mcsec_admit_limits_t;

/* Zero-initialised = a full bucket at the first call. */
typedef struct {
    unsigned char lock;        /* __atomic_test_and_set */
    bool started;              /* the buckets have been filled once */
    uint64_t tokens;           /* milli-requests */
    uint64_t prio_tokens;      /* milli-requests */
    uint64_t last_ms;          /* time of the last refill */
    uint32_t invites_active;   /* admitted INVITE transactions not yet ended */
    uint64_t admitted, shed;   /* totals, for counters */
    uint64_t admitted_reserve; /* priority requests admitted from the reserve */
    uint64_t alarm_ms;         /* when mcsec_admit_alarm_due() last said yes */
} mcsec_admit_cell_t;

typedef struct {
    bool admitted;
    bool priority;        /* admitted as priority: marked, within the ceiling */
    bool from_reserve;    /* priority request that only the reserve admitted */
    bool invite_counted;  /* the caller must call mcsec_admit_invite_end() */
    uint32_t retry_after; /* seconds, when shed: 1..MCSEC_ADMIT_RETRY_AFTER_MAX */
} mcsec_admit_result_t;

/* Decides one request at now_ms. priority: the request is marked priority
 * and its partner is trusted to mark it. invite: an initial INVITE (counted
 * against limits->invites until mcsec_admit_invite_end()). */
mcsec_admit_result_t mcsec_admit(mcsec_admit_cell_t *cell, const mcsec_admit_limits_t *limits,
                                 uint64_t now_ms, bool priority, bool invite);

/* An INVITE transaction admitted with invite_counted has ended. */
void mcsec_admit_invite_end(mcsec_admit_cell_t *cell);

/* After a shed request: true at most once per interval_ms per cell (the
 * caller then raises the load.shedding alarm, mcsec/obs/alarm.h). */
bool mcsec_admit_alarm_due(mcsec_admit_cell_t *cell, uint64_t now_ms, uint64_t interval_ms);

/* Resets the buckets (a policy reload changed the limits); the INVITE count
 * stays (those transactions are still running). */
void mcsec_admit_reset(mcsec_admit_cell_t *cell);

#endif
