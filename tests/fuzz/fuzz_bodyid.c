/* libFuzzer target: arbitrary bytes through the body identity check
 * (mcsec/bodyid/bodyid.h): the MIME walk, the XML parse of info-type and
 * resource-lists parts, the element reading and the rules. The first octet
 * chooses the direction (bit 0) and the EAR facts (bits 1-3: verified,
 * request type migration, source role MC server); then a Content-Type
 * value, a line feed, the body. The policy (loaded once) names a migrated
 * user each way. The verdict must be one of the three the contract allows. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/bodyid/bodyid.h"
#include "mcsec/ear/ear.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char POLICY[] =
    "version: 1\n"
    "system: {name: system-a, identity: sip:border@a.mcx.example,\n"
    "         domains: [a.mcx.example, \"*.a.mcx.example\"]}\n"
    "partners:\n"
    "  - name: system-b\n"
    "    identity: sip:border@b.mcx.example\n"
    "    domains: [b.mcx.example]\n"
    "    addresses: {is_proxy: [198.51.100.1:5060]}\n"
    "    auth: implicit\n"
    "    sip: {methods: [INVITE, MESSAGE]}\n"
    "    migration:\n"
    "      our_users_served_there: [{id: sip:roamer@a.mcx.example, expires: "
    "2099-01-01T00:00:00Z}]\n"
    "      their_users_served_here: [{id: sip:visitor@b.mcx.example, expires: "
    "2099-01-01T00:00:00Z}]\n";

static const mcsec_policy_t *policy_once(void)
{
    static mcsec_policy_t *policy;
    if (policy == NULL) {
        mcsec_diag_list_t diags = {NULL, 0};
        if (mcsec_policy_load_buffer(POLICY, strlen(POLICY), "fuzz", NULL, &policy, &diags) !=
            MCSEC_OK)
            abort();
        mcsec_diag_list_free(&diags);
    }
    return policy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const mcsec_policy_t *policy = policy_once();
    uint8_t flags = data[0];
    data++;
    size--;
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl == NULL)
        return 0;
    size_t ct_len = (size_t)(nl - data);
    size_t len = size - ct_len - 1;
    /* Exactly sized heap copies, so ASan sees any overread. */
    char *ct = malloc(ct_len ? ct_len : 1);
    uint8_t *body = malloc(len ? len : 1);
    if (ct == NULL || body == NULL)
        abort();
    memcpy(ct, data, ct_len);
    memcpy(body, nl + 1, len);
    const mcsec_bodyid_ear_t ear = {
        (flags & 2) != 0, (flags & 8) ? MCSEC_EAR_ROLE_MC_SERVER : MCSEC_EAR_ROLE_BORDER_PROXY,
        true, (flags & 4) ? MCSEC_EAR_REQ_MIGRATION : MCSEC_EAR_REQ_GROUP};
    const mcsec_bodyid_ctx_t ctx = {.policy = policy,
                                    .partner = &policy->partners[0],
                                    .egress = (flags & 1) != 0,
                                    .group = {"sip:fire@b.mcx.example", 22},
                                    .ear = &ear,
                                    .now = 1800000000};
    char detail[160];
    mcsec_reason_t reason = mcsec_bodyid_check(&ctx, ct, ct_len, body, len, detail, sizeof(detail));
    if (reason != MCSEC_REASON_NONE && reason != MCSEC_REASON_BODY_FOREIGN_ID &&
        reason != MCSEC_REASON_BODY_INTERNAL_ID_SPOOF)
        abort();
    if (memchr(detail, '\0', sizeof(detail)) == NULL)
        abort();
    free(ct);
    free(body);
    return 0;
}
