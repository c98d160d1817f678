/* Reload audit lines: see mcsec_audit.h. */
#include <stdlib.h>
#include <string.h>

#include "mcsec/obs/alarm.h"
#include "mcsec/obs/file_digest.h"
#include "mcsec_alarm.h"
#include "mcsec_audit.h"
#include "mcsec_log.h"

/* Partner name lists of one audit line. */
#define AUDIT_LIST_MAX 1024

/* See mcsec_audit.h. */
const char *mcsec_trigger_name(mcsec_trigger_t trigger)
{
    switch (trigger) {
    case MCSEC_TRIGGER_START:
        return "start";
    case MCSEC_TRIGGER_RPC:
        return "rpc";
    case MCSEC_TRIGGER_SIGNAL:
        return "signal";
    default:
        return "unknown";
    }
}

/* The partner named name in policy, or NULL. */
static const mcsec_partner_t *find_partner(const mcsec_policy_t *policy, const char *name)
{
    for (size_t i = 0; policy != NULL && i < policy->partner_count; i++) {
        if (policy->partners[i].name != NULL && strcmp(policy->partners[i].name, name) == 0) {
            return &policy->partners[i];
        }
    }
    return NULL;
}

/* SHA-256 hex of the dump of partner alone, under base's system section
 * (so only the partner's own section makes a difference). false when the
 * dump fails. */
static bool partner_digest(const mcsec_policy_t *base, const mcsec_partner_t *partner,
                           char hex[MCSEC_SHA256_HEX_LEN + 1])
{
    mcsec_policy_t one = *base;
    one.partners = (mcsec_partner_t *)partner; /* read only: the dump writes nothing */
    one.partner_count = 1;
    char *text = NULL;
    if (mcsec_policy_dump(&one, &text) != MCSEC_OK || text == NULL) {
        free(text);
        return false;
    }
    bool ok = mcsec_sha256_hex(text, strlen(text), hex) == MCSEC_OK;
    free(text);
    return ok;
}

/* Appends name to list (comma separated); a name that does not fit ends
 * the list with "...". */
static void list_add(char *list, const char *name)
{
    size_t len = strlen(list);
    size_t need = strlen(name) + (len > 0 ? 1 : 0);
    if (len + need + 4 >= AUDIT_LIST_MAX) {
        if (len + 4 < AUDIT_LIST_MAX && (len < 3 || strcmp(list + len - 3, "...") != 0)) {
            strcat(list, "...");
        }
        return;
    }
    if (len > 0) {
        strcat(list, ",");
    }
    strcat(list, name);
}

/* See mcsec_audit.h. */
void mcsec_audit_ok(mcsec_trigger_t trigger, long generation, const char *old_hash,
                    const char *new_hash, const mcsec_policy_t *old_policy,
                    const mcsec_policy_t *new_policy)
{
    char added[AUDIT_LIST_MAX] = "", removed[AUDIT_LIST_MAX] = "", changed[AUDIT_LIST_MAX] = "";
    for (size_t i = 0; new_policy != NULL && i < new_policy->partner_count; i++) {
        const mcsec_partner_t *now = &new_policy->partners[i];
        const mcsec_partner_t *was = find_partner(old_policy, now->name);
        char a[MCSEC_SHA256_HEX_LEN + 1], b[MCSEC_SHA256_HEX_LEN + 1];
        if (was == NULL) {
            list_add(added, now->name);
        } else if (!partner_digest(new_policy, was, a) || !partner_digest(new_policy, now, b) ||
                   strcmp(a, b) != 0) {
            list_add(changed, now->name);
        }
    }
    for (size_t i = 0; old_policy != NULL && i < old_policy->partner_count; i++) {
        if (find_partner(new_policy, old_policy->partners[i].name) == NULL) {
            list_add(removed, old_policy->partners[i].name);
        }
    }
    mcsec_logline_t line;
    mcsec_log_begin(&line, "reload");
    mcsec_logline_str(&line, "result", "ok");
    mcsec_logline_str(&line, "trigger", mcsec_trigger_name(trigger));
    mcsec_logline_int(&line, "generation", generation);
    mcsec_logline_str(&line, "old_hash", old_hash);
    mcsec_logline_str(&line, "new_hash", new_hash);
    mcsec_logline_str(&line, "partners_added", added);
    mcsec_logline_str(&line, "partners_removed", removed);
    mcsec_logline_str(&line, "partners_changed", changed);
    mcsec_log_emit(MCSEC_LOG_NOTICE, &line);
}

/* See mcsec_audit.h. */
void mcsec_audit_failed(mcsec_trigger_t trigger, long generation, const char *old_hash,
                        const char *new_hash, const mcsec_problems_t *problems)
{
    /* Every problem on its own line, then the audit line with the first. */
    mcsec_log_lines(MCSEC_LOG_ERROR, "policy.problem", "error", problems->text);
    if (problems->truncated > 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "policy.problem", "%u more problems not shown",
                   problems->truncated);
    }
    const char *first = problems->text;
    const char *eol = strchr(first, '\n');
    size_t first_len = eol != NULL ? (size_t)(eol - first) : strlen(first);
    mcsec_logline_t line;
    mcsec_log_begin(&line, "reload");
    mcsec_logline_str(&line, "result", "failed");
    mcsec_logline_str(&line, "trigger", mcsec_trigger_name(trigger));
    mcsec_logline_int(&line, "generation", generation);
    mcsec_logline_str(&line, "old_hash", old_hash);
    mcsec_logline_str(&line, "new_hash", new_hash);
    mcsec_logline_int(&line, "problems", (long long)problems->count);
    mcsec_logline_strn(&line, "error", first, first_len);
    mcsec_log_emit(MCSEC_LOG_ERROR, &line);

    mcsec_alarm_begin(&line, MCSEC_ALARM_RELOAD_FAILED);
    mcsec_logline_str(&line, "trigger", mcsec_trigger_name(trigger));
    mcsec_logline_int(&line, "generation", generation);
    mcsec_logline_strn(&line, "error", first, first_len);
    mcsec_alarm_emit(MCSEC_ALARM_RELOAD_FAILED, &line);
}
