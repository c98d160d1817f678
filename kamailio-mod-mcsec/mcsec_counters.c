/* Shared counters: see mcsec_counters.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/atomic_ops.h"
#include "core/counters.h"
#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "mcsec_log.h"
#include "mcsec_counters.h"

typedef struct {
    char name[MCSEC_CNT_NAME_MAX]; /* "" = free slot */
    volatile long cells[MCSEC_CNT_COLUMNS];
    volatile long msgs[2][2][MCSEC_CNT_METHODS][2];
    volatile long refused[2][MCSEC_REASON_COUNT];
    volatile long spk_id[MCSEC_CNT_SPK_KEYS]; /* claimed with compare-and-swap */
    volatile long spk[MCSEC_CNT_SPK_KEYS + 1][2][2];
    volatile long ear[2][2];
    volatile long gktp[2];
    volatile long skew_exceeded;
    volatile long skew_logged_at; /* Unix seconds of the last skew alarm line */
} mcsec_cnt_slot_t;

typedef struct {
    gen_lock_t lock; /* guards slot names (assignment); cells are atomic */
    mcsec_cnt_slot_t unmatched;
    mcsec_cnt_slot_t partners[MCSEC_CNT_PARTNER_SLOTS];
    volatile long stage[MCSEC_STAGE_COUNT][MCSEC_STAGE_BUCKETS + 1];
    volatile long stage_ns[MCSEC_STAGE_COUNT];
    volatile long offset[MCSEC_OFFSET_BUCKETS + 1];
    volatile long offset_sum;
    volatile long reloads[2][MCSEC_TRIGGER_COUNT];
    volatile long last_reload_time;
    volatile long last_reload_ok;
} mcsec_cnt_table_t;

const double mcsec_stage_bounds[MCSEC_STAGE_BUCKETS] = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1};
const double mcsec_offset_bounds[MCSEC_OFFSET_BUCKETS] = {-60, -30, -10, -5, -1, 0,
                                                          1,   5,   10,  30, 60};

static const char *const method_names[MCSEC_CNT_METHODS] = {
    "INVITE", "ACK",   "BYE",       "CANCEL", "OPTIONS", "MESSAGE",  "INFO", "UPDATE",
    "PRACK",  "REFER", "SUBSCRIBE", "NOTIFY", "PUBLISH", "REGISTER", "other"};

/* Shared table, set in mod_init before the fork. */
static mcsec_cnt_table_t *cnt_table;

/* Totals per column in Kamailio's counters framework (group "mcsec",
 * `kamcmd cnt.get_all mcsec`), registered before the fork. */
static counter_handle_t total_handles[MCSEC_CNT_COLUMNS];

/* Registers one Kamailio counter per reason code and per passed
 * direction. Returns 0 or -1. */
static int register_totals(void)
{
    for (int c = 1; c < MCSEC_CNT_COLUMNS; c++) {
        const char *name = c == MCSEC_CNT_PASSED_IN    ? "passed_in"
                           : c == MCSEC_CNT_PASSED_OUT ? "passed_out"
                                                       : mcsec_reason_code((mcsec_reason_t)c);
        const char *doc = c >= (int)MCSEC_REASON_COUNT ? "requests that passed the border"
                                                       : mcsec_reason_meaning((mcsec_reason_t)c);
        if (counter_register(&total_handles[c], "mcsec", name, 0, 0, 0, doc, 0) < 0) {
            mcsec_logf(MCSEC_LOG_ERROR, "counters", "cannot register counter mcsec.%s", name);
            return -1;
        }
    }
    return 0;
}

/* Per-process cache: partner index of this process's policy -> slot, -1 =
 * unmatched. Rebuilt with the policy. */
static int *proc_slot_of;
static size_t proc_slot_count;

/* Allocates and zeroes the shared table. */
int mcsec_counters_init(void)
{
    if (register_totals() != 0) {
        return -1;
    }
    cnt_table = shm_malloc(sizeof(*cnt_table));
    if (cnt_table == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "memory", "out of shared memory");
        return -1;
    }
    memset(cnt_table, 0, sizeof(*cnt_table));
    if (lock_init(&cnt_table->lock) == NULL) {
        shm_free(cnt_table);
        cnt_table = NULL;
        return -1;
    }
    return 0;
}

/* Frees the shared table (main process at shutdown). */
void mcsec_counters_destroy(void)
{
    if (cnt_table != NULL) {
        lock_destroy(&cnt_table->lock);
        shm_free(cnt_table);
        cnt_table = NULL;
    }
    free(proc_slot_of);
    proc_slot_of = NULL;
    proc_slot_count = 0;
}

/* Slot holding name, or -1; caller holds the lock. */
static int slot_by_name_locked(const char *name)
{
    for (int i = 0; i < MCSEC_CNT_PARTNER_SLOTS; i++) {
        if (cnt_table->partners[i].name[0] != '\0' &&
            strcmp(cnt_table->partners[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* Gives each partner a slot by name; returns how many got none. */
size_t mcsec_counters_assign(const mcsec_policy_t *policy)
{
    size_t missing = 0;
    if (cnt_table == NULL || policy == NULL) {
        return policy == NULL ? 0 : policy->partner_count;
    }
    lock_get(&cnt_table->lock);
    for (size_t p = 0; p < policy->partner_count; p++) {
        const char *name = policy->partners[p].name;
        if (name == NULL || strlen(name) >= MCSEC_CNT_NAME_MAX) {
            missing++;
            continue;
        }
        if (slot_by_name_locked(name) >= 0) {
            continue;
        }
        int free_slot = -1;
        for (int i = 0; i < MCSEC_CNT_PARTNER_SLOTS && free_slot < 0; i++) {
            if (cnt_table->partners[i].name[0] == '\0') {
                free_slot = i;
            }
        }
        if (free_slot < 0) {
            missing++;
            continue;
        }
        strcpy(cnt_table->partners[free_slot].name, name);
    }
    lock_release(&cnt_table->lock);
    return missing;
}

/* Rebuilds this process's partner index -> slot map. */
int mcsec_counters_map(const mcsec_policy_t *policy)
{
    free(proc_slot_of);
    proc_slot_of = NULL;
    proc_slot_count = 0;
    if (cnt_table == NULL || policy == NULL || policy->partner_count == 0) {
        return 0;
    }
    proc_slot_of = malloc(policy->partner_count * sizeof(*proc_slot_of));
    if (proc_slot_of == NULL) {
        return -1;
    }
    lock_get(&cnt_table->lock);
    for (size_t p = 0; p < policy->partner_count; p++) {
        const char *name = policy->partners[p].name;
        proc_slot_of[p] = name != NULL ? slot_by_name_locked(name) : -1;
    }
    lock_release(&cnt_table->lock);
    proc_slot_count = policy->partner_count;
    return 0;
}

/* The slot of partner_index (the unmatched row when it has none). */
static mcsec_cnt_slot_t *slot_of(int partner_index)
{
    if (partner_index >= 0 && (size_t)partner_index < proc_slot_count &&
        proc_slot_of[partner_index] >= 0) {
        return &cnt_table->partners[proc_slot_of[partner_index]];
    }
    return &cnt_table->unmatched;
}

/* See mcsec_counters.h. */
int mcsec_counters_method(const char *method, size_t len)
{
    for (int i = 0; i < MCSEC_CNT_METHODS - 1; i++) {
        if (method != NULL && strlen(method_names[i]) == len &&
            memcmp(method_names[i], method, len) == 0) {
            return i;
        }
    }
    return MCSEC_CNT_METHODS - 1;
}

/* See mcsec_counters.h. */
const char *mcsec_counters_method_name(int index)
{
    return index >= 0 && index < MCSEC_CNT_METHODS ? method_names[index] : "other";
}

/* Counts one message; see the header. */
void mcsec_counters_message(int partner_index, bool egress, bool reply, int method,
                            mcsec_reason_t reason)
{
    if (cnt_table == NULL || (int)reason < 0 || reason >= MCSEC_REASON_COUNT) {
        return;
    }
    mcsec_cnt_slot_t *slot = slot_of(partner_index);
    int column = reason != MCSEC_REASON_NONE ? (int)reason
                 : egress                    ? MCSEC_CNT_PASSED_OUT
                                             : MCSEC_CNT_PASSED_IN;
    if (method < 0 || method >= MCSEC_CNT_METHODS) {
        method = MCSEC_CNT_METHODS - 1;
    }
    bool refused = reason != MCSEC_REASON_NONE;
    atomic_inc_long(&slot->msgs[egress][reply][method][refused]);
    if (refused) {
        atomic_inc_long(&slot->refused[egress][reason]);
    }
    /* mcsec.stats keeps its meaning: passed_in/out count requests; a
     * refusal counts whatever was refused. */
    if (refused || !reply) {
        atomic_inc_long(&slot->cells[column]);
        counter_inc(total_handles[column]);
    }
}

/* The cell index of spk_id in slot: a tracked ID, a newly claimed one, or
 * the overflow cell. */
static int spk_key_cell(mcsec_cnt_slot_t *slot, bool has_id, uint32_t spk_id)
{
    if (!has_id) {
        return MCSEC_CNT_SPK_KEYS;
    }
    long want = (long)spk_id + 1;
    for (int i = 0; i < MCSEC_CNT_SPK_KEYS; i++) {
        long have = atomic_get_long(&slot->spk_id[i]);
        if (have == want) {
            return i;
        }
        if (have == 0) {
            long was = atomic_cmpxchg_long(&slot->spk_id[i], 0, want);
            if (was == 0 || was == want) {
                return i;
            }
        }
    }
    return MCSEC_CNT_SPK_KEYS;
}

/* See mcsec_counters.h. */
void mcsec_counters_spk(int partner_index, bool has_id, uint32_t spk_id, bool protect, bool ok)
{
    if (cnt_table == NULL) {
        return;
    }
    mcsec_cnt_slot_t *slot = slot_of(partner_index);
    atomic_inc_long(&slot->spk[spk_key_cell(slot, has_id, spk_id)][!protect][!ok]);
}

/* See mcsec_counters.h. */
void mcsec_counters_ear(int partner_index, bool sign, bool ok)
{
    if (cnt_table != NULL) {
        atomic_inc_long(&slot_of(partner_index)->ear[sign][!ok]);
    }
}

/* See mcsec_counters.h. */
void mcsec_counters_gktp(int partner_index, bool ok)
{
    if (cnt_table != NULL) {
        atomic_inc_long(&slot_of(partner_index)->gktp[!ok]);
    }
}

/* See mcsec_counters.h. */
bool mcsec_counters_ear_offset(int partner_index, int64_t offset, uint32_t skew, int64_t now)
{
    if (cnt_table == NULL) {
        return false;
    }
    int b = 0;
    while (b < MCSEC_OFFSET_BUCKETS && (double)offset > mcsec_offset_bounds[b]) {
        b++;
    }
    atomic_inc_long(&cnt_table->offset[b]);
    atomic_add_long(&cnt_table->offset_sum, (long)offset);
    int64_t magnitude = offset < 0 ? -offset : offset;
    if (magnitude * 2 <= (int64_t)skew) {
        return false;
    }
    mcsec_cnt_slot_t *slot = slot_of(partner_index);
    atomic_inc_long(&slot->skew_exceeded);
    long last = atomic_get_long(&slot->skew_logged_at);
    if (now - last < 60) {
        return false;
    }
    /* Only the process that moves the stamp logs. */
    return atomic_cmpxchg_long(&slot->skew_logged_at, last, (long)now) == last;
}

/* See mcsec_counters.h. */
void mcsec_counters_stage(mcsec_stage_t stage, uint64_t nanoseconds)
{
    if (cnt_table == NULL || stage >= MCSEC_STAGE_COUNT) {
        return;
    }
    double seconds = (double)nanoseconds / 1e9;
    int b = 0;
    while (b < MCSEC_STAGE_BUCKETS && seconds > mcsec_stage_bounds[b]) {
        b++;
    }
    atomic_inc_long(&cnt_table->stage[stage][b]);
    atomic_add_long(&cnt_table->stage_ns[stage], (long)nanoseconds);
}

/* See mcsec_counters.h. */
void mcsec_counters_reload(mcsec_trigger_t trigger, bool ok, int64_t now)
{
    if (cnt_table == NULL || trigger >= MCSEC_TRIGGER_COUNT) {
        return;
    }
    atomic_inc_long(&cnt_table->reloads[!ok][trigger]);
    atomic_set_long(&cnt_table->last_reload_ok, ok ? 1 : 0);
    atomic_set_long(&cnt_table->last_reload_time, (long)now);
}

/* Copies one shared slot into a snapshot row. */
static void copy_row(const mcsec_cnt_slot_t *slot, mcsec_cnt_row_t *row)
{
    memcpy(row->name, slot->name, sizeof(row->name));
    const volatile long *from[] = {slot->cells,  &slot->msgs[0][0][0][0], &slot->refused[0][0],
                                   slot->spk_id, &slot->spk[0][0][0],     &slot->ear[0][0],
                                   slot->gktp,   &slot->skew_exceeded};
    long *to[] = {row->cells,  &row->msgs[0][0][0][0], &row->refused[0][0],
                  row->spk_id, &row->spk[0][0][0],     &row->ear[0][0],
                  row->gktp,   &row->skew_exceeded};
    const size_t counts[] = {MCSEC_CNT_COLUMNS,
                             sizeof(row->msgs) / sizeof(long),
                             sizeof(row->refused) / sizeof(long),
                             MCSEC_CNT_SPK_KEYS,
                             sizeof(row->spk) / sizeof(long),
                             4,
                             2,
                             1};
    for (size_t part = 0; part < sizeof(counts) / sizeof(counts[0]); part++) {
        for (size_t i = 0; i < counts[part]; i++) {
            to[part][i] = atomic_get_long(&from[part][i]);
        }
    }
}

/* Copies the table (used rows only) into out. */
void mcsec_counters_snapshot(mcsec_cnt_snapshot_t *out)
{
    memset(out, 0, sizeof(*out));
    if (cnt_table == NULL) {
        return;
    }
    lock_get(&cnt_table->lock);
    copy_row(&cnt_table->unmatched, &out->unmatched);
    for (int i = 0; i < MCSEC_CNT_PARTNER_SLOTS; i++) {
        if (cnt_table->partners[i].name[0] != '\0') {
            copy_row(&cnt_table->partners[i], &out->partners[out->partner_count++]);
        }
    }
    lock_release(&cnt_table->lock);
    for (int s = 0; s < MCSEC_STAGE_COUNT; s++) {
        for (int b = 0; b <= MCSEC_STAGE_BUCKETS; b++) {
            out->stage[s][b] = (uint64_t)atomic_get_long(&cnt_table->stage[s][b]);
        }
        out->stage_sum[s] = (double)atomic_get_long(&cnt_table->stage_ns[s]) / 1e9;
    }
    for (int b = 0; b <= MCSEC_OFFSET_BUCKETS; b++) {
        out->offset[b] = (uint64_t)atomic_get_long(&cnt_table->offset[b]);
    }
    out->offset_sum = (double)atomic_get_long(&cnt_table->offset_sum);
    for (int f = 0; f < 2; f++) {
        for (int t = 0; t < MCSEC_TRIGGER_COUNT; t++) {
            out->reloads[f][t] = atomic_get_long(&cnt_table->reloads[f][t]);
        }
    }
    out->last_reload_time = atomic_get_long(&cnt_table->last_reload_time);
    out->last_reload_ok = atomic_get_long(&cnt_table->last_reload_ok) != 0;
}

/* See mcsec_counters.h. */
uint64_t mcsec_counters_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
