/* The migration rule of the body identity check (mcsec/bodyid/bodyid.h;
 * TS 23.280 migration; policy partners[].migration): an originating ID of
 * a migrated user passes only while its entry lasts and with a verified
 * EAR of request type migration signed by an MC server (TS 33.180 Annex J
 * source role 2) of the serving system. */
#include <string.h>

#include "bodyid_internal.h"
#include "mcsec/ear/ear.h"

const char bodyid_not_migrated[] = "not a migrated user";

const char *bodyid_migration_refusal(const mcsec_bodyid_ctx_t *ctx,
                                     const mcsec_migration_list_t *list, mcsec_str_t uri)
{
    const mcsec_migration_entry_t *entry = NULL;
    for (size_t i = 0; i < list->count && !entry; i++) {
        mcsec_str_t id = {list->items[i].id, strlen(list->items[i].id)};
        if (mcsec_ear_uri_equal(id, uri))
            entry = &list->items[i];
    }
    if (!entry)
        return bodyid_not_migrated;
    if (ctx->now >= entry->expires)
        return "migration entry expired";
    const mcsec_bodyid_ear_t *ear = ctx->ear;
    if (!ear || !ear->verified)
        return "migrated user without a verified EAR";
    if (!ear->has_request || ear->request_type != MCSEC_EAR_REQ_MIGRATION)
        return "migrated user: the EAR's request type is not migration";
    if (ear->source_role != MCSEC_EAR_ROLE_MC_SERVER)
        return "migrated user: the EAR's source role is not MC server";
    return NULL;
}
