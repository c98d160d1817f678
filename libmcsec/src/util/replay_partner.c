/* A replay cache view for the IDs of one partner (owner and quota): see
 * mcsec/util/replay.h. */
#include <stddef.h>

#include "mcsec/util/replay.h"

static mcsec_replay_result_t partner_seen_or_insert(mcsec_replay_cache_t *cache,
                                                    const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                    int64_t expiry, int64_t now)
{
    const mcsec_replay_partner_t *view = (const mcsec_replay_partner_t *)cache;
    mcsec_replay_cache_t *inner = view->inner;
    if (inner->seen_or_insert_owned != NULL) {
        return inner->seen_or_insert_owned(inner, view->owner, id, expiry, now);
    }
    return inner->seen_or_insert(inner, id, expiry, now);
}

mcsec_err_t mcsec_replay_partner_init(mcsec_replay_partner_t *view, mcsec_replay_cache_t *inner,
                                      const mcsec_replay_owner_t *owner)
{
    if (view == NULL || inner == NULL || owner == NULL || owner->partner == NULL) {
        return MCSEC_ERR_ARG;
    }
    view->base.seen_or_insert = partner_seen_or_insert;
    view->base.destroy = NULL;
    view->base.seen_or_insert_owned = NULL;
    view->inner = inner;
    view->owner = owner;
    return MCSEC_OK;
}

size_t mcsec_replay_default_quota(size_t capacity, size_t partner_count)
{
    size_t share = partner_count > 0 ? capacity / partner_count : capacity;
    return share > 0 ? share : 1;
}
