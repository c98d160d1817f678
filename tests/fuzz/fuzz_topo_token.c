/* libFuzzer target: arbitrary bytes as a topology token (and as the Call-ID
 * it is bound to), through the decoder of every kind and the restore
 * functions that parse a token out of a header value. Nothing may crash; a
 * forged token must never decode. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/topo/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mcsec_topo_t *topo_once(void)
{
    static mcsec_topo_t *topo;
    if (!topo) {
        static const char keys_text[] =
            "01 1111111111111111111111111111111111111111111111111111111111111111 since=1\n"
            "02 2222222222222222222222222222222222222222222222222222222222222222\n";
        mcsec_topo_keys_t *keys = NULL;
        if (mcsec_topo_keys_parse(keys_text, sizeof(keys_text) - 1, "fuzz", 0, 0, &keys, NULL, 0) !=
            MCSEC_OK)
            abort();
        mcsec_topo_config_t cfg = {0};
        cfg.border_host = (mcsec_str_t){"border.a.example", 16};
        cfg.prev_key_validity = 3600;
        cfg.max_age[MCSEC_TOPO_VIA] = 300;
        if (mcsec_topo_create_with_keys(keys, &cfg, &topo, NULL, 0) != MCSEC_OK)
            abort();
    }
    return topo;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcsec_topo_t *topo = topo_once();
    /* First NUL splits token from Call-ID. */
    const uint8_t *nul = memchr(data, 0, size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    mcsec_str_t token = {(const char *)data, tlen};
    mcsec_str_t callid =
        nul ? (mcsec_str_t){(const char *)nul + 1, size - tlen - 1} : (mcsec_str_t){"", 0};
    char *out = malloc(size + 1);
    if (!out)
        return 0;
    size_t len = 0;
    mcsec_topo_error_t err;
    for (int kind = 0; kind < MCSEC_TOPO_KIND_COUNT; kind++) {
        mcsec_err_t rc =
            mcsec_topo_token_decode(topo, kind, callid, token, out, size + 1, &len, &err);
        if (rc == MCSEC_OK ||
            (rc == MCSEC_ERR_INVALID && err.reason != MCSEC_REASON_TOPO_BAD_TOKEN))
            abort(); /* forging a token needs the key */
    }
    mcsec_str_t items[16];
    (void)mcsec_topo_restore_vias(topo, token, callid, out, size + 1, items, 16, &len, &err);
    mcsec_str_t whole = {(const char *)data, size};
    mcsec_str_t found;
    if (mcsec_topo_via_token(whole, &found) &&
        (found.ptr < whole.ptr || found.ptr + found.len > whole.ptr + whole.len))
        abort();
    if (mcsec_topo_uri_token(topo, whole, &found) &&
        (found.ptr < whole.ptr || found.ptr + found.len > whole.ptr + whole.len))
        abort();
    (void)mcsec_topo_restore_route(topo, MCSEC_TOPO_RR, whole, callid, out, size + 1, &len, &err);
    (void)mcsec_topo_restore_contact_uri(topo, whole, callid, out, size + 1, &len, &err);
    (void)mcsec_topo_restore_callid(topo, whole, out, size + 1, &len, &err);
    free(out);
    return 0;
}
