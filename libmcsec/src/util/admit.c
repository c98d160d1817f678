/* Admission control: token buckets with a priority reserve and a priority
 * ceiling, and a concurrent INVITE count (mcsec/util/admit.h). */
#include "mcsec/util/admit.h"

#define MILLI 1000u

static void lock(mcsec_admit_cell_t *cell)
{
    while (__atomic_test_and_set(&cell->lock, __ATOMIC_ACQUIRE))
        ;
}

static void unlock(mcsec_admit_cell_t *cell)
{
    __atomic_clear(&cell->lock, __ATOMIC_RELEASE);
}

static uint64_t add_capped(uint64_t tokens, uint64_t elapsed_ms, uint32_t rate, uint32_t depth)
{
    uint64_t cap = (uint64_t)depth * MILLI;
    /* rate tokens per second = rate milli-tokens per millisecond */
    uint64_t add = elapsed_ms > cap ? cap : elapsed_ms * rate;
    return tokens + add > cap ? cap : tokens + add;
}

static void refill(mcsec_admit_cell_t *cell, const mcsec_admit_limits_t *limits, uint64_t now_ms)
{
    if (!cell->started) {
        cell->started = true;
        cell->tokens = (uint64_t)limits->burst * MILLI;
        cell->prio_tokens = (uint64_t)limits->ceiling * MILLI;
        cell->last_ms = now_ms;
        return;
    }
    if (now_ms <= cell->last_ms)
        return;
    uint64_t elapsed = now_ms - cell->last_ms;
    cell->last_ms = now_ms;
    cell->tokens = add_capped(cell->tokens, elapsed, limits->rate, limits->burst);
    cell->prio_tokens = add_capped(cell->prio_tokens, elapsed, limits->ceiling, limits->ceiling);
}

/* Seconds until the bucket holds one token above the reserve again. */
static uint32_t retry_after(const mcsec_admit_cell_t *cell, const mcsec_admit_limits_t *limits,
                            uint64_t reserve)
{
    if (limits->rate == 0)
        return 1;
    uint64_t need = reserve + MILLI;
    uint64_t missing = need > cell->tokens ? need - cell->tokens : 0;
    uint64_t ms = missing / limits->rate + 1;
    uint64_t s = (ms + 999) / 1000;
    if (s < 1)
        s = 1;
    return s > MCSEC_ADMIT_RETRY_AFTER_MAX ? MCSEC_ADMIT_RETRY_AFTER_MAX : (uint32_t)s;
}

mcsec_admit_result_t mcsec_admit(mcsec_admit_cell_t *cell, const mcsec_admit_limits_t *limits,
                                 uint64_t now_ms, bool priority, bool invite)
{
    mcsec_admit_result_t res = {false, false, false, false, 0};
    uint32_t pct = limits->reserved_pct > MCSEC_ADMIT_RESERVED_MAX ? MCSEC_ADMIT_RESERVED_MAX
                                                                   : limits->reserved_pct;
    uint64_t reserve = (uint64_t)limits->burst * MILLI * pct / 100;
    uint32_t invite_reserve = (uint32_t)((uint64_t)limits->invites * pct / 100);
    lock(cell);
    if (limits->rate > 0)
        refill(cell, limits, now_ms);
    /* Within the ceiling the request may use the reserve; beyond it, it is
     * an ordinary request. */
    bool prio =
        priority && limits->ceiling > 0 && (limits->rate == 0 || cell->prio_tokens >= MILLI);
    bool rate_ok = limits->rate == 0 || cell->tokens >= (prio ? MILLI : reserve + MILLI);
    bool invite_ok = !invite || limits->invites == 0 ||
                     cell->invites_active + (prio ? 0 : invite_reserve) < limits->invites;
    if (rate_ok && invite_ok) {
        res.admitted = true;
        res.priority = prio;
        if (limits->rate > 0) {
            res.from_reserve = prio && cell->tokens < reserve + MILLI;
            cell->tokens -= MILLI;
            if (prio)
                cell->prio_tokens -= MILLI;
        }
        if (invite && limits->invites > 0) {
            cell->invites_active++;
            res.invite_counted = true;
            if (prio && cell->invites_active + invite_reserve > limits->invites)
                res.from_reserve = true;
        }
        cell->admitted++;
        if (res.from_reserve)
            cell->admitted_reserve++;
    } else {
        cell->shed++;
        res.retry_after = rate_ok ? 1 : retry_after(cell, limits, prio ? 0 : reserve);
    }
    unlock(cell);
    return res;
}

void mcsec_admit_invite_end(mcsec_admit_cell_t *cell)
{
    lock(cell);
    if (cell->invites_active > 0)
        cell->invites_active--;
    unlock(cell);
}

bool mcsec_admit_alarm_due(mcsec_admit_cell_t *cell, uint64_t now_ms, uint64_t interval_ms)
{
    bool due;
    lock(cell);
    due = cell->alarm_ms == 0 || now_ms >= cell->alarm_ms + interval_ms;
    if (due)
        cell->alarm_ms = now_ms ? now_ms : 1;
    unlock(cell);
    return due;
}

void mcsec_admit_reset(mcsec_admit_cell_t *cell)
{
    lock(cell);
    cell->started = false;
    unlock(cell);
}
