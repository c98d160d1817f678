/* Dialog tokens: the border's proof, in its own Record-Route, that a
 * dialog passed it (see mcsec/topo/topo.h, docs/ear.md "In-dialog or not"). */
#include <string.h>

#include <openssl/crypto.h>

#include "mcsec/topo/topo.h"

#define DIALOG_PARTNER_MAX 255
#define DIALOG_TAG_MAX 256

mcsec_err_t mcsec_topo_dialog_token(mcsec_topo_t *topo, mcsec_str_t callid, mcsec_str_t partner,
                                    mcsec_str_t from_tag, char *out, size_t out_size,
                                    size_t *out_len)
{
    uint8_t value[DIALOG_PARTNER_MAX + 1 + DIALOG_TAG_MAX];
    if (!topo || !out_len || !callid.ptr || callid.len == 0 || !partner.ptr || partner.len == 0 ||
        partner.len > DIALOG_PARTNER_MAX || memchr(partner.ptr, '\0', partner.len) ||
        from_tag.len > DIALOG_TAG_MAX || (!from_tag.ptr && from_tag.len))
        return MCSEC_ERR_ARG;
    memcpy(value, partner.ptr, partner.len);
    value[partner.len] = '\0';
    if (from_tag.len)
        memcpy(value + partner.len + 1, from_tag.ptr, from_tag.len);
    mcsec_str_t v = {(const char *)value, partner.len + 1 + from_tag.len};
    return mcsec_topo_token_encode(topo, MCSEC_TOPO_DIALOG, callid, v, out, out_size, out_len);
}

static bool same(mcsec_str_t a, const uint8_t *b, size_t b_len)
{
    return a.len == b_len && (b_len == 0 || memcmp(a.ptr, b, b_len) == 0);
}

bool mcsec_topo_dialog_check(mcsec_topo_t *topo, mcsec_str_t token, mcsec_str_t callid,
                             mcsec_str_t partner, mcsec_str_t from_tag, mcsec_str_t to_tag)
{
    if (!topo || !token.ptr || token.len == 0 || !callid.ptr || callid.len == 0 || !partner.ptr ||
        partner.len == 0 || (!from_tag.ptr && from_tag.len) || (!to_tag.ptr && to_tag.len))
        return false;
    char value[DIALOG_PARTNER_MAX + 1 + DIALOG_TAG_MAX];
    size_t len = 0;
    mcsec_topo_error_t err;
    if (mcsec_topo_token_decode(topo, MCSEC_TOPO_DIALOG, callid, token, value, sizeof(value), &len,
                                &err) != MCSEC_OK)
        return false;
    const uint8_t *v = (const uint8_t *)value;
    const uint8_t *nul = memchr(v, '\0', len);
    bool ok = false;
    if (nul) {
        size_t name_len = (size_t)(nul - v);
        const uint8_t *tag = nul + 1;
        size_t tag_len = len - name_len - 1;
        ok = same(partner, v, name_len) &&
             (same(from_tag, tag, tag_len) || same(to_tag, tag, tag_len));
    }
    OPENSSL_cleanse(value, sizeof(value));
    return ok;
}
