/* mcsecctl partner add: scaffolds a new partner of our border. It makes
 * the partner's key files (mcsecctl_partner_files.c), builds the policy
 * section that names them, loads our policy with the section appended
 * (the loader's checks: the section must load as written), prints the
 * section, with --write writes the new policy (a copy; in place only after
 * a backup beside it), and with --pair runs the pair check against the
 * partner's policy (mcsec/config/policy_pair.h). Nothing existing is
 * overwritten: a partner name our policy has, or whose key directory
 * exists, is refused. On a refusal the files made are removed. The
 * operator guide (docs/operator-guide.md) shows it in use. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mcsec/config/policy_pair.h"
#include "mcsec/policy/policy.h"
#include "mcsecctl.h"
#include "mcsecctl_partner.h"

#define ADD_USAGE                                                                                  \
    "usage: mcsecctl partner add --policy FILE --name NAME --identity URI --domains D[,D...]\n"    \
    "         --is-proxy ADDR[,ADDR...] --auth implicit|explicit --ca FILE --keys-dir DIR\n"       \
    "         [--http-proxy ADDR] [--gateway IP] [--kms FILE] [--spk-from FILE]\n"                 \
    "         [--spk-mode off|optional|required] [--owner USER] [--write OUT] [--pair B.yaml]\n"

/* A growing string; NULL data after an allocation failure. */
typedef struct {
    char *data;
    size_t len, cap;
} text_t;

static void put(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(text_t *t, const char *fmt, ...)
{
    if (!t->data)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            free(t->data);
            t->data = NULL;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        char *bigger = realloc(t->data, 2 * t->cap + (size_t)n);
        if (!bigger) {
            free(t->data);
            t->data = NULL;
            return;
        }
        t->data = bigger;
        t->cap = 2 * t->cap + (size_t)n;
    }
}

/* "a,b" as a YAML flow list "[a, b]", each item quoted. */
static void put_list(text_t *t, const char *csv)
{
    put(t, "[");
    for (const char *p = csv; *p;) {
        size_t n = strcspn(p, ",");
        put(t, "%s\"%.*s\"", p == csv ? "" : ", ", (int)n, p);
        p += n + (p[n] == ',');
    }
    put(t, "]");
}

/* The partner's section, an item of `partners:`. */
static void put_section(text_t *t, const mcsecctl_partner_args_t *a,
                        const mcsecctl_partner_files_t *f)
{
    put(t, "  # partner %s: added by mcsecctl partner add\n", a->name);
    put(t, "  - name: %s\n    identity: \"%s\"\n    domains: ", a->name, a->identity);
    put_list(t, a->domains);
    put(t, "\n    addresses:\n      is_proxy: ");
    put_list(t, a->is_proxy);
    put(t, "\n");
    if (a->http_proxy)
        put(t, "      http_proxy: \"%s\"\n", a->http_proxy);
    if (a->gateway)
        put(t, "      gateway: \"%s\"\n", a->gateway);
    put(t, "    auth: %s\n", a->auth);
    put(t, "    spk: {mode: %s}\n", a->spk_mode);
    put(t, "    sip:\n"
           "      methods: [INVITE, ACK, BYE, CANCEL, UPDATE, INFO, MESSAGE, OPTIONS,\n"
           "                NOTIFY, SUBSCRIBE, REFER, PRACK]\n"
           "      content_types: [application/sdp, application/vnd.3gpp.mcptt-info+xml,\n"
           "                      application/vnd.3gpp.mcvideo-info+xml,\n"
           "                      application/vnd.3gpp.mcdata-info+xml,\n"
           "                      application/vnd.3gpp.mcdata-signalling,\n"
           "                      application/vnd.3gpp.mcdata-payload,\n"
           "                      application/vnd.3gpp.mcptt-signed+xml,\n"
           "                      application/resource-lists+xml, multipart/mixed,\n"
           "                      text/plain]\n");
    put(t, "    keys:\n      spk: \"%s\"\n      ca: \"%s\"\n", f->spk, f->ca);
    if (f->kms[0])
        put(t, "      kms: \"%s\"\n", f->kms);
}

/* Our policy's text with the section appended under `partners:`, which
 * must be the last top-level key (or absent: then it is added). */
static char *append_section(const char *path, const char *section)
{
    size_t len = 0;
    char *text = mcsecctl_partner_read(path, &len);
    if (!text)
        return NULL;
    const char *last_top = NULL;
    for (const char *line = text; *line;) {
        if (*line != ' ' && *line != '#' && *line != '\n' && *line != '\t' && *line != '-')
            last_top = line;
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : line + strlen(line);
    }
    bool has_partners = last_top && strncmp(last_top, "partners:", 9) == 0;
    if (has_partners) {
        const char *rest = last_top + 9;
        rest += strspn(rest, " \t");
        if (*rest != '\n' && *rest != '#' && *rest != '\0') {
            fprintf(stderr,
                    "%s: 'partners:' must be a block list (one '- name:' item per "
                    "partner) for partner add to append to it\n",
                    path);
            free(text);
            return NULL;
        }
    } else if (strstr(text, "\npartners:") || strncmp(text, "partners:", 9) == 0) {
        fprintf(stderr,
                "%s: 'partners:' must be the last top-level key for partner add to "
                "append to it\n",
                path);
        free(text);
        return NULL;
    }
    text_t out = {malloc(len + strlen(section) + 64), 0, len + strlen(section) + 64};
    put(&out, "%s%s%s%s", text, len && text[len - 1] != '\n' ? "\n" : "",
        has_partners ? "" : "partners:\n", section);
    free(text);
    if (!out.data)
        fprintf(stderr, "mcsecctl: out of memory\n");
    return out.data;
}

static void print_diags(const mcsec_diag_list_t *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        char line[1024];
        mcsec_diag_format(&diags->items[i], line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }
}

/* Loads a policy from text as if it were the file name (relative key
 * paths against base_of's directory); NULL after its problems. */
static mcsec_policy_t *load_text(const char *text, const char *name, const char *base_of)
{
    char base[PATH_MAX];
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    mcsec_err_t rc = mcsec_policy_base_dir(base_of, base, sizeof(base));
    if (rc == MCSEC_OK)
        rc = mcsec_policy_load_buffer(text, strlen(text), name, base, &policy, &diags);
    print_diags(&diags);
    if (rc != MCSEC_OK && diags.count == 0)
        fprintf(stderr, "%s: %s\n", name, mcsec_err_str(rc));
    mcsec_diag_list_free(&diags);
    return policy;
}

/* Writes text to path, which must not exist, or is our policy itself:
 * then after a copy to <path>.<UTC time>.bak. */
static int write_policy(const char *path, const char *policy_path, const char *text)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        char real_out[PATH_MAX], real_policy[PATH_MAX];
        if (!realpath(path, real_out) || !realpath(policy_path, real_policy) ||
            strcmp(real_out, real_policy) != 0) {
            fprintf(stderr, "mcsecctl: %s exists and is not --policy: not overwritten\n", path);
            return MCSECCTL_FAIL;
        }
        char backup[PATH_MAX + 32], stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
        snprintf(backup, sizeof(backup), "%s.%s.bak", path, stamp);
        size_t len = 0;
        char *old = mcsecctl_partner_read(path, &len);
        FILE *b = old ? fopen(backup, "wx") : NULL;
        bool ok = b && fwrite(old, 1, len, b) == len;
        ok = b && fclose(b) == 0 && ok;
        free(old);
        if (!ok) {
            fprintf(stderr, "mcsecctl: cannot write the backup %s: policy left as it was\n",
                    backup);
            return MCSECCTL_FAIL;
        }
        fprintf(stderr, "mcsecctl: backup of %s in %s\n", path, backup);
    }
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(text, f) >= 0;
    ok = f && fclose(f) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "mcsecctl: cannot write %s\n", path);
        return MCSECCTL_FAIL;
    }
    fprintf(stderr, "mcsecctl: wrote %s\n", path);
    return MCSECCTL_OK;
}

/* The pair check of the new policy against the partner's. */
static int pair_check(const mcsec_policy_t *ours, const char *pair_path)
{
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *theirs = NULL;
    mcsec_err_t rc = mcsec_policy_load_file(pair_path, &theirs, &diags);
    if (rc == MCSEC_OK)
        rc = mcsec_policy_pair(ours, theirs, &diags);
    print_diags(&diags);
    if (rc != MCSEC_OK && diags.count == 0)
        fprintf(stderr, "mcsecctl: %s\n", mcsec_err_str(rc));
    mcsec_diag_list_free(&diags);
    mcsec_policy_free(theirs);
    if (rc == MCSEC_OK)
        fprintf(stderr, "mcsecctl: pair check with %s: agree\n", pair_path);
    else
        fprintf(stderr, "mcsecctl: pair check with %s: the two policies disagree (above)\n",
                pair_path);
    return rc == MCSEC_OK ? MCSECCTL_OK : MCSECCTL_FAIL;
}

static bool one_of(const char *value, const char *a, const char *b, const char *c)
{
    return strcmp(value, a) == 0 || strcmp(value, b) == 0 || (c && strcmp(value, c) == 0);
}

/* Arguments from "--name VALUE" pairs; false after a usage line. */
static bool parse_args(int argc, char **argv, mcsecctl_partner_args_t *a)
{
    static const char *const names[] = {
        "--policy",   "--name",  "--identity", "--domains", "--is-proxy", "--http-proxy",
        "--gateway",  "--auth",  "--spk-mode", "--ca",      "--kms",      "--spk-from",
        "--keys-dir", "--owner", "--write",    "--pair",    NULL};
    if (!mcsecctl_opts_known(argc, argv, names))
        return false;
    const char **fields[] = {&a->policy,   &a->name,       &a->identity, &a->domains,
                             &a->is_proxy, &a->http_proxy, &a->gateway,  &a->auth,
                             &a->spk_mode, &a->ca,         &a->kms,      &a->spk_from,
                             &a->keys_dir, &a->owner,      &a->write,    &a->pair};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        *fields[i] = mcsecctl_opt(argc, argv, names[i]);
    if (!a->spk_mode)
        a->spk_mode = "optional";
    if (!a->policy || !a->name || !a->identity || !a->domains || !a->is_proxy || !a->auth ||
        !a->ca || !a->keys_dir) {
        fprintf(stderr, ADD_USAGE);
        return false;
    }
    if (!one_of(a->auth, "implicit", "explicit", NULL) ||
        !one_of(a->spk_mode, "off", "optional", "required")) {
        fprintf(stderr, "mcsecctl: --auth is implicit or explicit, --spk-mode off, optional or "
                        "required\n");
        return false;
    }
    /* The name is a directory and a YAML scalar: keep it plain. */
    if (a->name[0] == '\0' || a->name[0] == '.' ||
        a->name[strspn(a->name, "abcdefghijklmnopqrstuvwxyz0123456789-_.")] != '\0') {
        fprintf(stderr, "mcsecctl: --name '%s': lower-case letters, digits, '-', '_' and '.'\n",
                a->name);
        return false;
    }
    const char *quoted[] = {a->identity, a->domains, a->is_proxy, a->http_proxy, a->gateway};
    for (size_t i = 0; i < sizeof(quoted) / sizeof(quoted[0]); i++)
        if (quoted[i] && strpbrk(quoted[i], "\"\\\n")) {
            fprintf(stderr, "mcsecctl: '%s': no quotes, backslashes or newlines\n", quoted[i]);
            return false;
        }
    return true;
}

static int partner_add(int argc, char **argv)
{
    mcsecctl_partner_args_t a;
    memset(&a, 0, sizeof(a));
    if (!parse_args(argc, argv, &a))
        return MCSECCTL_USAGE;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *ours = NULL;
    mcsec_err_t rc = mcsec_policy_load_file(a.policy, &ours, &diags);
    print_diags(&diags);
    mcsec_diag_list_free(&diags);
    if (rc != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s does not load: no partner added\n", a.policy);
        return MCSECCTL_FAIL;
    }
    bool known = mcsec_policy_partner_by_name(ours, a.name) != NULL;
    mcsec_policy_free(ours);
    if (known) {
        fprintf(stderr, "%s: a partner named '%s' exists: not added again\n", a.policy, a.name);
        return MCSECCTL_FAIL;
    }
    mcsecctl_partner_files_t files;
    if (mcsecctl_partner_make_files(&a, &files) != 0) {
        mcsecctl_partner_remove_files(&files);
        return MCSECCTL_FAIL;
    }
    text_t section = {malloc(4096), 0, 4096};
    put_section(&section, &a, &files);
    char *text = section.data ? append_section(a.policy, section.data) : NULL;
    mcsec_policy_t *result = text ? load_text(text, a.write ? a.write : a.policy, a.policy) : NULL;
    int status = result ? MCSECCTL_OK : MCSECCTL_FAIL;
    if (text && !result)
        fprintf(stderr, "mcsecctl: the policy with the new section does not load: no partner "
                        "added\n");
    if (status == MCSECCTL_OK && a.write)
        status = write_policy(a.write, a.policy, text);
    if (status != MCSECCTL_OK) {
        mcsecctl_partner_remove_files(&files);
    } else {
        fputs(section.data, stdout);
        fprintf(stderr,
                "mcsecctl: partner '%s': keys in %s (send the partner %s, the shared "
                "SPK, over a protected channel)\n",
                a.name, files.dir, files.spk);
        if (a.pair)
            status = pair_check(result, a.pair);
    }
    mcsec_policy_free(result);
    free(text);
    free(section.data);
    if (fflush(stdout) != 0)
        status = MCSECCTL_FAIL;
    return status;
}

static const mcsecctl_cmd_t partner_cmds[] = {
    {"add",
     "--policy FILE --name NAME --identity URI --domains D[,D...] --is-proxy ADDR[,ADDR...] "
     "--auth implicit|explicit --ca FILE --keys-dir DIR [--http-proxy ADDR] [--gateway IP] "
     "[--kms FILE] [--spk-from FILE] [--spk-mode off|optional|required] [--owner USER] "
     "[--write OUT] [--pair B.yaml]",
     "scaffold a partner: its key files in DIR/NAME (shared SPK 0600, CA and kms.pub copies; "
     "--owner gives them to the service user), the policy section (printed; --write OUT writes "
     "the policy with it, in place only after a backup) and with --pair the pair check",
     partner_add},
};

const mcsecctl_group_t mcsecctl_partner_group = {
    "partner", partner_cmds, (unsigned)(sizeof(partner_cmds) / sizeof(partner_cmds[0]))};
