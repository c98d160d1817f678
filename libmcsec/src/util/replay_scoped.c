/* A replay cache view for the messages of one scope: see mcsec/util/replay.h. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <openssl/evp.h>

#include "mcsec/util/replay.h"

/* SHA-256 of the parts, the first MCSEC_REPLAY_ID_LEN octets into out. */
static bool hash_parts(const void *a, size_t a_len, const void *b, size_t b_len, uint8_t *out,
                       size_t out_len)
{
    uint8_t digest[32];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
              (a_len == 0 || EVP_DigestUpdate(ctx, a, a_len) == 1) &&
              (b_len == 0 || EVP_DigestUpdate(ctx, b, b_len) == 1) &&
              EVP_DigestFinal_ex(ctx, digest, &n) == 1 && n == sizeof(digest);
    EVP_MD_CTX_free(ctx);
    if (ok) {
        memcpy(out, digest, out_len);
    }
    return ok;
}

static mcsec_replay_result_t scoped_seen_or_insert(mcsec_replay_cache_t *cache,
                                                   const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                   int64_t expiry, int64_t now)
{
    mcsec_replay_scoped_t *view = (mcsec_replay_scoped_t *)cache;
    uint8_t mark[MCSEC_REPLAY_ID_LEN];
    if (!hash_parts(view->scope, sizeof(view->scope), id, MCSEC_REPLAY_ID_LEN, mark,
                    sizeof(mark))) {
        return MCSEC_REPLAY_FULL; /* cannot decide: refuse */
    }
    mcsec_replay_cache_t *inner = view->inner;
    mcsec_replay_result_t r = inner->seen_or_insert(inner, id, expiry, now);
    if (r == MCSEC_REPLAY_NEW) {
        /* First seen, here: mark the scope for its repeats. */
        return inner->seen_or_insert(inner, mark, expiry, now) == MCSEC_REPLAY_FULL
                   ? MCSEC_REPLAY_FULL
                   : MCSEC_REPLAY_NEW;
    }
    if (r != MCSEC_REPLAY_REPLAY) {
        return r;
    }
    /* Seen before: a repeat in the scope that accepted it, or a replay.
     * Looked up with expiry = now, which never records a live entry. */
    r = inner->seen_or_insert(inner, mark, now, now);
    return r == MCSEC_REPLAY_REPLAY ? MCSEC_REPLAY_NEW : MCSEC_REPLAY_REPLAY;
}

mcsec_err_t mcsec_replay_scoped_init(mcsec_replay_scoped_t *view, mcsec_replay_cache_t *inner,
                                     const void *scope, size_t scope_len)
{
    if (view == NULL || inner == NULL || (scope == NULL && scope_len > 0)) {
        return MCSEC_ERR_ARG;
    }
    memset(view, 0, sizeof(*view));
    view->base.seen_or_insert = scoped_seen_or_insert;
    view->base.destroy = NULL;
    view->inner = inner;
    static const char label[] = "mcsec replay scope";
    if (!hash_parts(label, sizeof(label), scope, scope_len, view->scope, sizeof(view->scope))) {
        return MCSEC_ERR_INVALID;
    }
    return MCSEC_OK;
}
