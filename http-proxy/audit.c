/* The audit line of a policy load (start) or reload (docs/metrics-http-
 * and-ipsec.md "Logs"): result, trigger, generation, the old and new
 * policy file hashes, the partners added, removed and changed by name
 * (changed: the partner's section as mcsec_policy_dump writes it differs),
 * and the problems of a refused policy joined on the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

/* The dumped partners: section of a policy holding only partner i. */
static char *partner_dump(const mcsec_policy_t *policy, size_t i)
{
    mcsec_policy_t one = *policy;
    one.partners = &policy->partners[i];
    one.partner_count = 1;
    char *text = NULL;
    if (mcsec_policy_dump(&one, &text) != MCSEC_OK)
        return NULL;
    const char *at = strstr(text, "\npartners:");
    if (at && at != text)
        memmove(text, at, strlen(at) + 1);
    return text;
}

static const mcsec_partner_t *find(const mcsec_policy_t *policy, const char *name, size_t *index)
{
    for (size_t i = 0; policy && i < policy->partner_count; i++)
        if (strcmp(policy->partners[i].name, name) == 0) {
            *index = i;
            return &policy->partners[i];
        }
    return NULL;
}

/* Appends name to a comma-separated list. */
static void add_name(char *list, size_t size, const char *name)
{
    size_t used = strlen(list);
    if (used < size)
        snprintf(list + used, size - used, "%s%s", used ? "," : "", name);
}

void httpd_audit_diff(const mcsec_policy_t *old, const mcsec_policy_t *new_policy, char *added,
                      char *removed, char *changed, size_t size)
{
    added[0] = removed[0] = changed[0] = '\0';
    for (size_t i = 0; new_policy && i < new_policy->partner_count; i++) {
        size_t j = 0;
        if (!find(old, new_policy->partners[i].name, &j)) {
            add_name(added, size, new_policy->partners[i].name);
            continue;
        }
        char *a = partner_dump(old, j), *b = partner_dump(new_policy, i);
        if (!a || !b || strcmp(a, b) != 0)
            add_name(changed, size, new_policy->partners[i].name);
        free(a);
        free(b);
    }
    for (size_t i = 0; old && i < old->partner_count; i++) {
        size_t j;
        if (!find(new_policy, old->partners[i].name, &j))
            add_name(removed, size, old->partners[i].name);
    }
}

void httpd_audit_reload(const httpd_ctx_t *ctx, const httpd_audit_t *a)
{
    char added[1024], removed[1024], changed[1024];
    httpd_audit_diff(a->old_policy, a->new_policy, added, removed, changed, sizeof(added));
    /* The loader's problems, one per line: joined, so a refusal is one line. */
    char error[1600] = "";
    for (size_t i = 0, o = 0; a->error && a->error[i] && o + 2 < sizeof(error); i++) {
        if (a->error[i] != '\n')
            error[o++] = a->error[i];
        else if (a->error[i + 1] && o + 3 < sizeof(error)) {
            error[o++] = ';';
            error[o++] = ' ';
        }
        error[o] = '\0';
    }
    mcsec_logline_t line;
    httpd_line_start(ctx, &line, "reload");
    mcsec_logline_str(&line, "result", a->ok ? "ok" : "failed");
    mcsec_logline_str(&line, "trigger", a->trigger);
    mcsec_logline_int(&line, "generation", (long long)a->generation);
    if (a->sender_pid >= 0) {
        mcsec_logline_int(&line, "sender_pid", a->sender_pid);
        mcsec_logline_int(&line, "sender_uid", a->sender_uid);
    }
    mcsec_logline_str(&line, "old_hash", a->old_hash);
    mcsec_logline_str(&line, "new_hash", a->new_hash);
    mcsec_logline_str(&line, "partners_added", a->ok ? added : "");
    mcsec_logline_str(&line, "partners_removed", a->ok ? removed : "");
    mcsec_logline_str(&line, "partners_changed", a->ok ? changed : "");
    mcsec_logline_str(&line, "policy", ctx->policy_path);
    if (a->msg)
        mcsec_logline_str(&line, "msg", a->msg);
    if (!a->ok)
        mcsec_logline_str(&line, "error", error);
    httpd_line_emit(ctx, a->ok ? MCSEC_LOG_NOTICE : MCSEC_LOG_ERROR, &line);
    if (a->ok)
        return;
    mcsec_logline_t alarm;
    httpd_alarm_start(ctx, &alarm, MCSEC_ALARM_RELOAD_FAILED);
    mcsec_logline_str(&alarm, "trigger", a->trigger);
    mcsec_logline_int(&alarm, "generation", (long long)a->generation);
    mcsec_logline_str(&alarm, "policy", ctx->policy_path);
    mcsec_logline_str(&alarm, "error", error);
    httpd_alarm_emit(ctx, MCSEC_ALARM_RELOAD_FAILED, &alarm);
}
