/* Private to the gmk_check*.c files: the check split in its unrecorded
 * part and the replay record, so a body with several payloads records
 * nothing unless all of them pass. */
#ifndef MCSEC_GMK_CHECK_INTERNAL_H
#define MCSEC_GMK_CHECK_INTERNAL_H

#include <stdarg.h>

#include "mcsec/gmk/gmk_check.h"

/* Everything but the replay record. */
mcsec_reason_t mcsec_gmk_check_unrecorded(const mcsec_mikey_t *msg,
                                          const mcsec_gmk_policy_t *policy, char *detail,
                                          size_t detail_size);

/* Records a message by its replay ID and T (push only): gmk.replay when
 * seen, ear.replay_cache_full when the cache cannot record. */
mcsec_reason_t mcsec_gmk_record_id(const uint8_t id[MCSEC_REPLAY_ID_LEN], int64_t t,
                                   const mcsec_gmk_policy_t *policy, char *detail,
                                   size_t detail_size);

/* Replay ID: the first 16 octets of SHA-256 over the signed part. */
void mcsec_gmk_replay_id(const mcsec_mikey_t *msg, uint8_t id[MCSEC_REPLAY_ID_LEN]);

/* max_age with the default applied. */
uint32_t mcsec_gmk_max_age(const mcsec_gmk_policy_t *policy);

#endif
