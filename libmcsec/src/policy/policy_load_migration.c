/* partners[].migration (model in mcsec/policy/policy_migration.h,
 * operator's view in docs/policy-reference.md "Migration"): loader with
 * FILE:LINE:COL diagnostics, dump and free.
 *
 *   migration:
 *     our_users_served_there:  [{id: sip:..., expires: 2027-01-01T00:00:00Z}]
 *     their_users_served_here: [{id: sip:..., expires: ...}]
 *
 * An id is a sip:/sips: URI in our domains (our_users_served_there) or the
 * partner's (their_users_served_here), listed once per list; expires is a
 * UTC time in RFC 3339 form with seconds and "Z". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "policy_migration_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MIGRATION_MAX_ENTRIES 4096

static bool digits(const char *text, size_t n, int *out)
{
    int value = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return true;
}

bool mcsec_pol_utc_time(const char *text, int64_t *out)
{
    /* YYYY-MM-DDTHH:MM:SSZ, exactly 20 characters. */
    int y, mo, d, h, mi, s;
    if (!text || strlen(text) != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text[19] != 'Z' || !digits(text, 4, &y) ||
        !digits(text + 5, 2, &mo) || !digits(text + 8, 2, &d) || !digits(text + 11, 2, &h) ||
        !digits(text + 14, 2, &mi) || !digits(text + 17, 2, &s))
        return false;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || s > 59)
        return false;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *out = (int64_t)t;
    return true;
}

/* Same scheme, user and host (case-insensitive host) as an earlier entry. */
static bool same_id(const char *a, const char *b)
{
    const char *ha, *hb;
    size_t la, lb;
    if (!mcsec_pol_sip_uri_valid(a, &ha, &la) || !mcsec_pol_sip_uri_valid(b, &hb, &lb))
        return false;
    return (size_t)(ha - a) == (size_t)(hb - b) && strncmp(a, b, (size_t)(ha - a)) == 0 &&
           la == lb && strncasecmp(ha, hb, la) == 0;
}

static void load_entry(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what,
                       const mcsec_strlist_t *domains, const char *whose,
                       mcsec_migration_list_t *list)
{
    static const mcsec_pol_key_t keys[] = {{"id", true}, {"expires", true}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, what, keys, COUNT(keys), v) || !v[0] || !v[1])
        return;
    mcsec_migration_entry_t entry = {NULL, 0};
    if (!mcsec_pol_load_uri(ctx, v[0], what, &entry.id))
        return;
    size_t before = ctx->diags->count;
    mcsec_pol_check_identity_domain(ctx, v[0], entry.id, domains, whose);
    bool ok = ctx->diags->count == before;
    for (size_t i = 0; ok && i < list->count; i++) {
        if (same_id(list->items[i].id, entry.id)) {
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID, "'%s' lists '%s' twice", what,
                              entry.id);
            ok = false;
        }
    }
    const char *text = ok ? mcsec_pol_scalar(ctx, v[1], what) : NULL;
    if (text && !mcsec_pol_utc_time(text, &entry.expires)) {
        mcsec_pol_problem(ctx, v[1], MCSEC_ERR_INVALID,
                          "invalid expires '%s' in '%s': use a UTC time like "
                          "2027-01-01T00:00:00Z",
                          text, what);
        text = NULL;
    }
    if (!text) {
        free(entry.id);
        return;
    }
    list->items[list->count++] = entry;
}

static void load_list(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what,
                      const mcsec_strlist_t *domains, const char *whose,
                      mcsec_migration_list_t *list)
{
    yaml_node_item_t *items;
    size_t count;
    if (!mcsec_pol_sequence(ctx, node, what, &items, &count))
        return;
    if (count > MIGRATION_MAX_ENTRIES) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "'%s' has %zu entries, at most %d", what,
                          count, MIGRATION_MAX_ENTRIES);
        return;
    }
    if (count == 0)
        return;
    list->items = calloc(count, sizeof(*list->items));
    if (!list->items) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < count; i++)
        load_entry(ctx, mcsec_pol_node(ctx, items[i]), what, domains, whose, list);
}

void mcsec_pol_load_partner_migration(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                      mcsec_partner_t *partner, const mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"our_users_served_there", false},
                                           {"their_users_served_here", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!node || !mcsec_pol_map(ctx, node, "partner.migration", keys, COUNT(keys), v))
        return;
    mcsec_migration_rules_t *m = &partner->migration;
    if (v[0])
        load_list(ctx, v[0], "partner.migration.our_users_served_there", &sys->domains, "our",
                  &m->our_users_served_there);
    if (v[1])
        load_list(ctx, v[1], "partner.migration.their_users_served_here", &partner->domains,
                  "the partner's", &m->their_users_served_here);
}

/* ---- dump --------------------------------------------------------------- */

static bool emit_list(yaml_emitter_t *emitter, const char *key, const mcsec_migration_list_t *list)
{
    yaml_event_t ev;
    if (list->count == 0)
        return true;
    if (!mcsec_pol_emit_scalar(emitter, key, false) ||
        !yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE) ||
        !yaml_emitter_emit(emitter, &ev))
        return false;
    for (size_t i = 0; i < list->count; i++) {
        char when[32];
        time_t t = (time_t)list->items[i].expires;
        struct tm tm;
        if (!gmtime_r(&t, &tm) || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
            return false;
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_MAPPING_STYLE) ||
            !yaml_emitter_emit(emitter, &ev) || !mcsec_pol_emit_scalar(emitter, "id", false) ||
            !mcsec_pol_emit_scalar(emitter, list->items[i].id, true) ||
            !mcsec_pol_emit_scalar(emitter, "expires", false) ||
            !mcsec_pol_emit_scalar(emitter, when, false) ||
            !yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(emitter, &ev))
            return false;
    }
    return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(emitter, &ev);
}

bool mcsec_pol_dump_partner_migration(yaml_emitter_t *emitter, const mcsec_partner_t *partner)
{
    const mcsec_migration_rules_t *m = &partner->migration;
    yaml_event_t ev;
    if (m->our_users_served_there.count == 0 && m->their_users_served_here.count == 0)
        return true;
    return mcsec_pol_emit_scalar(emitter, "migration", false) &&
           yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) &&
           yaml_emitter_emit(emitter, &ev) &&
           emit_list(emitter, "our_users_served_there", &m->our_users_served_there) &&
           emit_list(emitter, "their_users_served_here", &m->their_users_served_here) &&
           yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(emitter, &ev);
}

static void free_list(mcsec_migration_list_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].id);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

void mcsec_pol_free_partner_migration(mcsec_migration_rules_t *migration)
{
    free_list(&migration->our_users_served_there);
    free_list(&migration->their_users_served_here);
}
