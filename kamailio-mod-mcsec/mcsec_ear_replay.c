/* The EAR replay cache: one instance of the shared-memory replay cache
 * (mcsec_shm_replay.c); see mcsec_ear_replay.h. */
#include "mcsec_ear_replay.h"
#include "mcsec_shm_replay.h"

/* This module's EAR cache; shared part set in mod_init before the fork. */
static mcsec_shm_replay_t ear_replay;

int mcsec_ear_replay_init(void)
{
    return mcsec_shm_replay_init(&ear_replay, "EAR");
}

void mcsec_ear_replay_destroy(void)
{
    mcsec_shm_replay_destroy(&ear_replay);
}

int mcsec_ear_replay_configure(size_t max_entries)
{
    return mcsec_shm_replay_configure(
        &ear_replay, max_entries != 0 ? max_entries : MCSEC_EAR_REPLAY_DEFAULT_ENTRIES);
}

mcsec_replay_cache_t *mcsec_ear_replay_cache(void)
{
    return mcsec_shm_replay_cache(&ear_replay);
}

size_t mcsec_ear_replay_count(int64_t now)
{
    return mcsec_shm_replay_count(&ear_replay, now);
}

size_t mcsec_ear_replay_count_owners(int64_t now,
                                     mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS])
{
    return mcsec_shm_replay_count_owners(&ear_replay, now, out);
}
