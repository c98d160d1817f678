/* The rules of the body identity check per class and direction (see
 * mcsec/bodyid/bodyid.h): one ID at a time, targets that need a group of
 * the body held until the end. Domains are matched as the header identity
 * check matches them (mcsec_domain_list_match, mcsec_sip_uri_host). */
#include <stdio.h>
#include <string.h>

#include "bodyid_internal.h"
#include "mcsec/ear/ear.h"

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && strcmp(name + n - s, suffix) == 0;
}

bool bodyid_class_of(const char *name, bodyid_class_t *cls)
{
    if (has_suffix(name, "-calling-user-id") || strcmp(name, "originated-by") == 0 ||
        strcmp(name, "functional-alias-URI") == 0 || strcmp(name, "mcdata-controller-psi") == 0)
        *cls = BODYID_ORIGINATING;
    else if (has_suffix(name, "-calling-group-id") || strcmp(name, "associated-group-id") == 0)
        *cls = BODYID_GROUP;
    else if (has_suffix(name, "-request-uri") || has_suffix(name, "-called-party-id") ||
             strcmp(name, "entry") == 0)
        *cls = BODYID_TARGET;
    else
        return false;
    return true;
}

static bool refuse(bodyid_judge_t *judge, mcsec_reason_t reason, const char *element,
                   mcsec_str_t host, const char *why)
{
    if (judge->reason == MCSEC_REASON_NONE) {
        judge->reason = reason;
        if (judge->detail && judge->detail_size > 0)
            snprintf(judge->detail, judge->detail_size, "%s%s%.*s%s %s", element,
                     host.len ? " host " : "", host.len > 64 ? 64 : (int)host.len, host.ptr, ":",
                     why);
    }
    return false;
}

bool bodyid_refuse(bodyid_judge_t *judge, const char *element, const char *why)
{
    return refuse(judge, MCSEC_REASON_BODY_FOREIGN_ID, element, (mcsec_str_t){"", 0}, why);
}

static bool hold(bodyid_held_t *list, size_t *count, const char *element, const char *uri)
{
    if (*count >= BODYID_MAX_HELD)
        return false;
    snprintf(list[*count].element, sizeof(list[*count].element), "%s", element);
    snprintf(list[*count].uri, sizeof(list[*count].uri), "%s", uri);
    (*count)++;
    return true;
}

static bool is_group(const bodyid_judge_t *judge, mcsec_str_t uri)
{
    if (judge->ctx->group.len > 0 && mcsec_ear_uri_equal(judge->ctx->group, uri))
        return true;
    for (size_t i = 0; i < judge->group_count; i++)
        if (mcsec_ear_uri_equal((mcsec_str_t){judge->groups[i].uri, strlen(judge->groups[i].uri)},
                                uri))
            return true;
    return false;
}

/* Originating: the sender's system, or a migrated user with a migration EAR. */
static bool judge_originating(bodyid_judge_t *judge, const char *element, mcsec_str_t uri,
                              mcsec_str_t host, bool ours, bool theirs)
{
    const mcsec_bodyid_ctx_t *ctx = judge->ctx;
    const mcsec_migration_rules_t *m = &ctx->partner->migration;
    if (!ctx->egress) {
        if (theirs && !ours)
            return true;
        if (!ours)
            return refuse(judge, MCSEC_REASON_BODY_FOREIGN_ID, element, host,
                          "originating ID of neither the partner nor us");
        const char *why = bodyid_migration_refusal(ctx, &m->our_users_served_there, uri);
        return why == NULL ||
               refuse(judge, MCSEC_REASON_BODY_INTERNAL_ID_SPOOF, element, host,
                      why == bodyid_not_migrated ? "originating ID of ours from the partner" : why);
    }
    if (ours)
        return true;
    if (!theirs)
        return refuse(judge, MCSEC_REASON_BODY_FOREIGN_ID, element, host,
                      "originating ID not ours");
    const char *why = bodyid_migration_refusal(ctx, &m->their_users_served_here, uri);
    return why == NULL ||
           refuse(judge, MCSEC_REASON_BODY_FOREIGN_ID, element, host,
                  why == bodyid_not_migrated ? "originating ID of the partner's towards it" : why);
}

bool bodyid_judge(bodyid_judge_t *judge, bodyid_class_t cls, const char *element, const char *uri)
{
    const mcsec_bodyid_ctx_t *ctx = judge->ctx;
    mcsec_str_t text = {uri, strlen(uri)};
    mcsec_str_t host;
    mcsec_err_t err = mcsec_sip_uri_host(text, &host);
    if (err == MCSEC_ERR_ARG)
        return bodyid_refuse(judge, element, "not a sip/sips URI (a tel URI is no identity)");
    if (err != MCSEC_OK || host.len == 0)
        return bodyid_refuse(judge, element, "unreadable URI");
    bool ours = mcsec_domain_list_match(&ctx->policy->system.domains, host);
    bool theirs = mcsec_domain_list_match(&ctx->partner->domains, host);
    if (ctx->reply)
        return ours || theirs ||
               refuse(judge, MCSEC_REASON_BODY_FOREIGN_ID, element, host,
                      "ID of neither the partner nor us in a reply");
    switch (cls) {
    case BODYID_ORIGINATING:
        return judge_originating(judge, element, text, host, ours, theirs);
    case BODYID_GROUP:
        if (!ours && !theirs)
            return refuse(judge, MCSEC_REASON_BODY_FOREIGN_ID, element, host,
                          "group of neither the partner nor us");
        (void)hold(judge->groups, &judge->group_count, element, uri); /* full: not a named group */
        return true;
    case BODYID_TARGET:
        if (ctx->egress ? theirs : ours)
            return true;
        if (is_group(judge, text))
            return true;
        /* Perhaps a group element later in the body names it. */
        if (hold(judge->targets, &judge->target_count, element, uri))
            return true;
        return refuse(judge, MCSEC_REASON_BODY_FOREIGN_ID, element, host,
                      ctx->egress ? "target not the partner's" : "target not ours");
    }
    return bodyid_refuse(judge, element, "unknown class");
}

bool bodyid_judge_end(bodyid_judge_t *judge)
{
    for (size_t i = 0; i < judge->target_count; i++) {
        const bodyid_held_t *t = &judge->targets[i];
        mcsec_str_t uri = {t->uri, strlen(t->uri)};
        if (is_group(judge, uri))
            continue;
        mcsec_str_t host = {"", 0};
        (void)mcsec_sip_uri_host(uri, &host);
        return refuse(judge, MCSEC_REASON_BODY_FOREIGN_ID, t->element, host,
                      judge->ctx->egress ? "target neither the partner's nor a group the request "
                                           "names"
                                         : "target neither ours nor a group the request names");
    }
    return judge->reason == MCSEC_REASON_NONE;
}
