/* Shared counters: see mcsec_counters.h. */
#include <stdlib.h>
#include <string.h>

#include "core/atomic_ops.h"
#include "core/counters.h"
#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "mcsec_counters.h"

typedef struct {
    char name[MCSEC_CNT_NAME_MAX]; /* "" = free slot */
    volatile long cells[MCSEC_CNT_COLUMNS];
} mcsec_cnt_slot_t;

typedef struct {
    gen_lock_t lock; /* guards slot names (assignment); cells are atomic */
    mcsec_cnt_slot_t unmatched;
    mcsec_cnt_slot_t partners[MCSEC_CNT_PARTNER_SLOTS];
} mcsec_cnt_table_t;

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
            LM_ERR("mcsec: cannot register counter mcsec.%s\n", name);
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
        SHM_MEM_ERROR;
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

/* Adds one to the cell of (partner, reason or passed direction). */
void mcsec_counters_count(int partner_index, mcsec_reason_t reason, bool egress)
{
    if (cnt_table == NULL) {
        return;
    }
    mcsec_cnt_slot_t *slot = &cnt_table->unmatched;
    if (partner_index >= 0 && (size_t)partner_index < proc_slot_count &&
        proc_slot_of[partner_index] >= 0) {
        slot = &cnt_table->partners[proc_slot_of[partner_index]];
    }
    int column;
    if (reason == MCSEC_REASON_NONE) {
        column = egress ? MCSEC_CNT_PASSED_OUT : MCSEC_CNT_PASSED_IN;
    } else if ((int)reason > 0 && reason < MCSEC_REASON_COUNT) {
        column = (int)reason;
    } else {
        return;
    }
    atomic_inc_long(&slot->cells[column]);
    counter_inc(total_handles[column]);
}

/* Copies one shared slot into a snapshot row. */
static void copy_row(const mcsec_cnt_slot_t *slot, mcsec_cnt_row_t *row)
{
    memcpy(row->name, slot->name, sizeof(row->name));
    for (int c = 0; c < MCSEC_CNT_COLUMNS; c++) {
        row->cells[c] = atomic_get_long(&slot->cells[c]);
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
}
