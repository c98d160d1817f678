/* The GMK transfer sections (`system.gmk`, `partners[].gmk`; model in
 * mcsec/policy/policy_gmk.h, operator's view in docs/policy-reference.md and
 * docs/gmk.md): loader, cross-field rules, dump and free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/gmk/gmk_check.h"
#include "mcsec/mikey/mikey.h"
#include "policy_gmk_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define GMK_REPLAY_DEFAULT 4096
#define GMK_REPLAY_MIN 64
#define GMK_REPLAY_MAX 1048576

static bool set(const char *path)
{
    return path != NULL && path[0] != '\0';
}

/* A GMS identity as KMSs issue keys for it: printable ASCII without
 * spaces ("sip:gms@b.example" or "gms@b.example"). */
static bool load_gms(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, char **out)
{
    if (!mcsec_pol_string(ctx, node, what, out))
        return false;
    size_t len = strlen(*out);
    bool valid = len > 0 && len <= MCSEC_MIKEY_ID_MAX;
    for (size_t i = 0; valid && i < len; i++)
        valid = (unsigned char)(*out)[i] > 0x20 && (unsigned char)(*out)[i] < 0x7F;
    if (!valid) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'%s' must be a GMS identity URI (1..%d printable characters, no "
                          "spaces)",
                          what, MCSEC_MIKEY_ID_MAX);
        return false;
    }
    return true;
}

/* The KMS public file must parse (name=value lines, docs/profile.md section 4). */
static void check_kms_file(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what,
                           const char *path)
{
    mcsec_kms_pub_t kms;
    char why[256];
    if (mcsec_kms_pub_read(path, &kms, why, sizeof(why)) != MCSEC_OK)
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "%s '%s' is not a KMS public file: %s",
                          what, path, why);
}

static bool load_max_age(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, uint32_t *out)
{
    long long value;
    if (!mcsec_pol_integer(ctx, node, what, 1, MCSEC_GMK_MAX_AGE_LIMIT, &value))
        return false;
    *out = (uint32_t)value;
    return true;
}

void mcsec_pol_load_system_gmk(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {
        {"gms", false}, {"kms", false}, {"max_age", false}, {"replay_entries", false}};
    yaml_node_t *v[COUNT(keys)];
    mcsec_gmk_system_t *gmk = &sys->gmk;
    gmk->max_age = MCSEC_GMK_DEFAULT_MAX_AGE;
    gmk->replay_entries = GMK_REPLAY_DEFAULT;
    if (node && mcsec_pol_map(ctx, node, "system.gmk", keys, COUNT(keys), v)) {
        if (v[0])
            load_gms(ctx, v[0], "system.gmk.gms", &gmk->gms);
        if (v[1]) {
            mcsec_pol_load_keyfile(ctx, v[1], "system.gmk.kms", false, &gmk->kms);
            if (set(gmk->kms) && ctx->status == MCSEC_OK)
                check_kms_file(ctx, v[1], "system.gmk.kms", gmk->kms);
        }
        if (v[2])
            load_max_age(ctx, v[2], "system.gmk.max_age", &gmk->max_age);
        long long entries;
        if (v[3] && mcsec_pol_integer(ctx, v[3], "system.gmk.replay_entries", GMK_REPLAY_MIN,
                                      GMK_REPLAY_MAX, &entries))
            gmk->replay_entries = (size_t)entries;
    }
    if (!set(gmk->kms) && set(sys->keys.signing)) {
        size_t len = strlen(sys->keys.signing) + sizeof("/kms.pub");
        free(gmk->kms);
        gmk->kms = malloc(len);
        if (!gmk->kms) {
            mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
            return;
        }
        snprintf(gmk->kms, len, "%s/kms.pub", sys->keys.signing);
    }
}

void mcsec_pol_load_partner_gmk(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_partner_t *partner,
                                const mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"transfer", false}, {"gms", false}, {"max_age", false}};
    yaml_node_t *v[COUNT(keys)];
    mcsec_gmk_rules_t *gmk = &partner->gmk;
    gmk->transfer = MCSEC_GMK_TRANSFER_OFF;
    gmk->max_age = sys->gmk.max_age != 0 ? sys->gmk.max_age : MCSEC_GMK_DEFAULT_MAX_AGE;
    if (!node || !mcsec_pol_map(ctx, node, "partner.gmk", keys, COUNT(keys), v))
        return;
    gmk->transfer = MCSEC_GMK_TRANSFER_CHECK;
    yaml_node_t *blame = node;
    if (v[0]) {
        const char *text = mcsec_pol_scalar(ctx, v[0], "partner.gmk.transfer");
        blame = v[0];
        if (!text)
            return;
        if (strcmp(text, "check") == 0)
            gmk->transfer = MCSEC_GMK_TRANSFER_CHECK;
        else if (strcmp(text, "deny") == 0)
            gmk->transfer = MCSEC_GMK_TRANSFER_DENY;
        else if (strcmp(text, "off") == 0)
            gmk->transfer = MCSEC_GMK_TRANSFER_OFF;
        else {
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                              "invalid value '%s' for 'partner.gmk.transfer': use check, deny "
                              "or off",
                              text);
            return;
        }
    }
    if (v[1])
        load_gms(ctx, v[1], "partner.gmk.gms", &gmk->gms);
    if (v[2])
        load_max_age(ctx, v[2], "partner.gmk.max_age", &gmk->max_age);
    if (gmk->transfer != MCSEC_GMK_TRANSFER_CHECK)
        return;
    /* What the check needs, named in one message. */
    const char *missing[4];
    size_t count = 0;
    if (!set(gmk->gms))
        missing[count++] = "'partner.gmk.gms' (the partner GMS identity)";
    if (!set(partner->keys.kms))
        missing[count++] = "'partner.keys.kms' (the partner KMS public file)";
    if (!set(sys->gmk.gms))
        missing[count++] = "'system.gmk.gms' (our GMS identity)";
    if (!set(sys->gmk.kms))
        missing[count++] = "'system.gmk.kms' or 'system.keys.signing' (our KMS public file)";
    if (count > 0) {
        mcsec_pol_problem(ctx, blame, MCSEC_ERR_INVALID, "gmk transfer check needs %s%s%s%s%s%s%s",
                          missing[0], count > 1 ? ", " : "", count > 1 ? missing[1] : "",
                          count > 2 ? ", " : "", count > 2 ? missing[2] : "", count > 3 ? ", " : "",
                          count > 3 ? missing[3] : "");
        return;
    }
    if (ctx->status == MCSEC_OK)
        check_kms_file(ctx, blame, "partner.keys.kms", partner->keys.kms);
}

/* ---- dump --------------------------------------------------------------- */

static bool emit_pair(yaml_emitter_t *emitter, const char *key, const char *value, bool quoted)
{
    return mcsec_pol_emit_scalar(emitter, key, false) &&
           mcsec_pol_emit_scalar(emitter, value, quoted);
}

static bool emit_number(yaml_emitter_t *emitter, const char *key, unsigned long long value)
{
    char text[32];
    snprintf(text, sizeof(text), "%llu", value);
    return emit_pair(emitter, key, text, false);
}

static bool begin_map(yaml_emitter_t *emitter, const char *key)
{
    yaml_event_t ev;
    if (!mcsec_pol_emit_scalar(emitter, key, false) ||
        !yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE))
        return false;
    return yaml_emitter_emit(emitter, &ev) != 0;
}

static bool end_map(yaml_emitter_t *emitter)
{
    yaml_event_t ev;
    if (!yaml_mapping_end_event_initialize(&ev))
        return false;
    return yaml_emitter_emit(emitter, &ev) != 0;
}

bool mcsec_pol_dump_system_gmk(yaml_emitter_t *emitter, const mcsec_system_t *sys)
{
    const mcsec_gmk_system_t *gmk = &sys->gmk;
    /* The default (kms.pub of the signing directory) stays implicit. */
    bool kms = set(gmk->kms);
    if (kms && set(sys->keys.signing)) {
        size_t len = strlen(sys->keys.signing);
        kms = strncmp(gmk->kms, sys->keys.signing, len) != 0 ||
              strcmp(gmk->kms + len, "/kms.pub") != 0;
    }
    if (!set(gmk->gms) && !kms)
        return true;
    return begin_map(emitter, "gmk") &&
           (!set(gmk->gms) || emit_pair(emitter, "gms", gmk->gms, true)) &&
           (!kms || emit_pair(emitter, "kms", gmk->kms, true)) &&
           emit_number(emitter, "max_age", gmk->max_age) &&
           emit_number(emitter, "replay_entries", gmk->replay_entries) && end_map(emitter);
}

bool mcsec_pol_dump_partner_gmk(yaml_emitter_t *emitter, const mcsec_partner_t *partner)
{
    static const char *const modes[] = {"off", "check", "deny"};
    const mcsec_gmk_rules_t *gmk = &partner->gmk;
    unsigned mode = (unsigned)gmk->transfer;
    if (gmk->transfer == MCSEC_GMK_TRANSFER_OFF && !set(gmk->gms))
        return true;
    return begin_map(emitter, "gmk") &&
           emit_pair(emitter, "transfer", mode < 3 ? modes[mode] : "off", false) &&
           (!set(gmk->gms) || emit_pair(emitter, "gms", gmk->gms, true)) &&
           emit_number(emitter, "max_age", gmk->max_age) && end_map(emitter);
}

void mcsec_pol_free_system_gmk(mcsec_gmk_system_t *gmk)
{
    free(gmk->gms);
    free(gmk->kms);
    gmk->gms = NULL;
    gmk->kms = NULL;
}

void mcsec_pol_free_partner_gmk(mcsec_gmk_rules_t *gmk)
{
    free(gmk->gms);
    gmk->gms = NULL;
}
