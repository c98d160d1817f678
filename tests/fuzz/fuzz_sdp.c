/* libFuzzer target: arbitrary bytes as an SDP through the strict reader
 * (mcsec/media/sdp.h), the partner's media rules in both directions and
 * the anchoring check in both (mcsec/media/media.h); and, when the input
 * starts with a "CT: <content type>" line, the rest as a body whose SDP
 * part is found and replaced. The a=crypto lines held back from the relay
 * (mcsec/media/sdes_hold.h): put back into the SDP without them, an SDP
 * that reads keeps its key lines. Nothing may crash, leak or read past the
 * input; every verdict must be one the contract allows. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/media/media.h"
#include "mcsec/media/sdes_hold.h"
#include "mcsec/media/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char POLICY[] = "version: 1\n"
                             "system:\n"
                             "  name: system-a\n"
                             "  identity: sip:border@a.mcx.example\n"
                             "  domains: [a.mcx.example]\n"
                             "  sip: {core: 10.0.0.2:5060}\n"
                             "  media: {outside_address: 192.0.2.10, inside_address: 10.0.0.10,"
                             " port_min: 30000, port_max: 30999}\n"
                             "partners:\n"
                             "  - name: system-b\n"
                             "    identity: sip:border@b.mcx.example\n"
                             "    domains: [b.mcx.example]\n"
                             "    addresses: {is_proxy: [198.51.100.1:5060]}\n"
                             "    auth: implicit\n"
                             "    sip: {methods: [INVITE]}\n"
                             "    media: {relay_addresses: [198.51.100.20, \"2001:db8::20\"],"
                             " port_min: 40000, port_max: 40999, max_streams: 4}\n";

static mcsec_policy_t *policy_once(void)
{
    static mcsec_policy_t *policy;
    if (!policy) {
        mcsec_diag_list_t diags = {NULL, 0};
        if (mcsec_policy_load_buffer(POLICY, sizeof(POLICY) - 1, "fuzz", NULL, &policy, &diags) !=
            MCSEC_OK)
            abort();
        mcsec_diag_list_free(&diags);
    }
    return policy;
}

static void check_verdict(mcsec_reason_t r, bool anchored)
{
    bool ok = r == MCSEC_REASON_NONE || r == MCSEC_REASON_MEDIA_MALFORMED ||
              r == MCSEC_REASON_POLICY_UNAVAILABLE;
    if (anchored)
        ok = ok || r == MCSEC_REASON_MEDIA_NOT_ANCHORED;
    else
        ok = ok || r == MCSEC_REASON_MEDIA_INSECURE_PROFILE ||
             r == MCSEC_REASON_MEDIA_LINE_NOT_ALLOWED || r == MCSEC_REASON_MEDIA_TOO_MANY_STREAMS ||
             r == MCSEC_REASON_MEDIA_THIRD_PARTY_ADDRESS;
    if (!ok)
        abort();
}

static void body(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl)
        return;
    const char *ct = (const char *)data + 3;
    size_t ct_len = (size_t)(nl - data) - 3;
    const uint8_t *b = nl + 1;
    size_t len = size - (size_t)(b - data);
    size_t offset = 0, sdp_len = 0;
    const char *fault = NULL;
    int rc = mcsec_media_sdp_find(ct, ct_len, b, len, &offset, &sdp_len, &fault);
    if (rc < 0 && !fault)
        abort();
    if (rc != 1)
        return;
    if (offset > len || sdp_len > len - offset)
        abort();
    static const uint8_t fresh[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\n";
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (mcsec_media_sdp_splice(b, len, offset, sdp_len, fresh, sizeof(fresh) - 1, &out, &out_len) !=
        MCSEC_OK)
        return;
    if (out_len != len - sdp_len + sizeof(fresh) - 1 || memcmp(out, b, offset) != 0 ||
        memcmp(out + offset, fresh, sizeof(fresh) - 1) != 0)
        abort();
    free(out);
}

/* Strip, then put back into the stripped SDP (a relay that changed
 * nothing): for an SDP that reads, the key lines are the input's. Also put
 * back into the input's second half (any text). */
static void sdes(const uint8_t *data, size_t size, bool reads)
{
    mcsec_sdes_hold_t hold;
    memset(&hold, 0, sizeof(hold));
    uint8_t *stripped = NULL, *back = NULL;
    size_t stripped_len = 0, back_len = 0;
    char detail[160];
    if (mcsec_sdes_hold_strip(data, size, &hold, &stripped, &stripped_len) != MCSEC_OK)
        return;
    if (stripped_len > size)
        abort();
    mcsec_reason_t r = mcsec_sdes_hold_restore(&hold, stripped, stripped_len, &back, &back_len,
                                               detail, sizeof(detail));
    if (r == MCSEC_REASON_NONE) {
        if (reads && mcsec_media_check_keys(data, size, back, back_len, detail, sizeof(detail)) ==
                         MCSEC_REASON_MEDIA_KEYS_ALTERED)
            abort();
        free(back);
    } else if (r != MCSEC_REASON_POLICY_UNAVAILABLE && r != MCSEC_REASON_MEDIA_MALFORMED) {
        abort();
    }
    r = mcsec_sdes_hold_restore(&hold, data + size / 2, size - size / 2, &back, &back_len, detail,
                                sizeof(detail));
    if (r == MCSEC_REASON_NONE)
        free(back);
    free(stripped);
    mcsec_sdes_hold_clear(&hold);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcsec_policy_t *policy = policy_once();
    if (size >= 3 && memcmp(data, "CT:", 3) == 0) {
        body(data, size);
        return 0;
    }
    static mcsec_sdp_t sdp;
    char why[128];
    bool reads = mcsec_sdp_read(data, size, &sdp, why, sizeof(why)) == MCSEC_OK;
    sdes(data, size, reads);
    if (reads) {
        if (sdp.media_count > MCSEC_SDP_MAX_MEDIA || sdp.addr_count > MCSEC_SDP_MAX_ADDRS ||
            sdp.media_total < sdp.media_count)
            abort();
        for (size_t i = 0; i < sdp.media_count; i++) {
            const mcsec_sdp_media_t *m = &sdp.media[i];
            if (m->media < (const char *)data ||
                m->proto + m->proto_len > (const char *)data + size ||
                m->fmts + m->fmts_len > (const char *)data + size)
                abort();
        }
    }
    char detail[160];
    /* The same SDP on both sides always keeps its key lines. */
    mcsec_reason_t same = mcsec_media_check_keys(data, size, data, size, detail, sizeof(detail));
    if (same != MCSEC_REASON_NONE && same != MCSEC_REASON_MEDIA_MALFORMED &&
        same != MCSEC_REASON_POLICY_UNAVAILABLE)
        abort();
    if (size > 1)
        (void)mcsec_media_check_keys(data, size / 2, data + size / 2, size - size / 2, detail,
                                     sizeof(detail));
    const mcsec_partner_t *partner = &policy->partners[0];
    for (int dir = 0; dir < 2; dir++) {
        check_verdict(mcsec_media_check_rules(partner, data, size, dir, detail, sizeof(detail)),
                      false);
        check_verdict(
            mcsec_media_check_anchored(policy, partner, data, size, dir, detail, sizeof(detail)),
            true);
    }
    return 0;
}
