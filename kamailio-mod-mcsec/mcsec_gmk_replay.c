/* The GMK replay cache: one instance of the shared-memory replay cache
 * (mcsec_shm_replay.c); see mcsec_gmk_replay.h. */
#include "mcsec_gmk_replay.h"
#include "mcsec_shm_replay.h"

/* This module's GMK cache; shared part set in mod_init before the fork. */
static mcsec_shm_replay_t gmk_replay;

int mcsec_gmk_replay_init(void)
{
    return mcsec_shm_replay_init(&gmk_replay, "GMK");
}

void mcsec_gmk_replay_destroy(void)
{
    mcsec_shm_replay_destroy(&gmk_replay);
}

int mcsec_gmk_replay_configure(size_t max_entries)
{
    return mcsec_shm_replay_configure(
        &gmk_replay, max_entries != 0 ? max_entries : MCSEC_GMK_REPLAY_DEFAULT_ENTRIES);
}

mcsec_replay_cache_t *mcsec_gmk_replay_cache(void)
{
    return mcsec_shm_replay_cache(&gmk_replay);
}

size_t mcsec_gmk_replay_count(int64_t now)
{
    return mcsec_shm_replay_count(&gmk_replay, now);
}

size_t mcsec_gmk_replay_count_owners(int64_t now,
                                     mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS])
{
    return mcsec_shm_replay_count_owners(&gmk_replay, now, out);
}
