/* mcsecctl policy check|show: the border policy's `-n`. check loads each
 * file (the syntactic load) and then runs the deep check every proxy runs
 * (mcsec/config/config_check.h); --as-user runs both as the service user
 * (mcsecctl_asuser.c), --defaults sizes the caches against the SHM_MEMORY
 * the IS proxy unit passes to kamailio as -m. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcsec/config/config_check.h"
#include "mcsec/config/config_expiry.h"
#include "mcsec/ibc/kms_cert.h"
#include "mcsec/policy/crl.h"
#include "mcsec/policy/policy.h"
#include "mcsecctl.h"

/* Prints every diagnostic as [PREFIX]FILE:LINE:COL: message on stderr. */
static void print_diags_as(const mcsec_diag_list_t *diags, const char *prefix)
{
    for (size_t i = 0; i < diags->count; i++) {
        char line[1024];
        mcsec_diag_format(&diags->items[i], line, sizeof(line));
        fprintf(stderr, "%s%s\n", prefix, line);
    }
}

static void print_diags(const mcsec_diag_list_t *diags)
{
    print_diags_as(diags, "");
}

/* Loads path, printing problems; returns the policy or NULL. */
static mcsec_policy_t *load(const char *path)
{
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    mcsec_err_t rc = mcsec_policy_load_file(path, &policy, &diags);
    print_diags(&diags);
    if (rc != MCSEC_OK && diags.count == 0)
        fprintf(stderr, "%s: %s\n", path, mcsec_err_str(rc));
    mcsec_diag_list_free(&diags);
    return rc == MCSEC_OK ? policy : NULL;
}

/* What policy check was asked for. */
typedef struct {
    const char *defaults;   /* --defaults FILE or NULL */
    bool require_next_keys; /* --require-next-keys */
    char **files;
    int file_count;
} check_args_t;

/* Loads and deep-checks every file; the body of policy check (run in the
 * child for --as-user). */
static int check_files(void *arg)
{
    const check_args_t *args = arg;
    mcsec_config_check_opts_t opts = {0, 0, NULL, NULL, args->require_next_keys};
    char source[4200];
    if (args->defaults) {
        mcsec_diag_list_t diags = {NULL, 0};
        mcsec_err_t rc = mcsec_config_shm_from_defaults(args->defaults, &opts.shm_bytes, source,
                                                        sizeof(source), &diags);
        print_diags(&diags);
        mcsec_diag_list_free(&diags);
        if (rc != MCSEC_OK)
            return MCSECCTL_FAIL;
        opts.shm_source = source;
    }
    int status = MCSECCTL_OK;
    for (int i = 0; i < args->file_count; i++) {
        const char *path = args->files[i];
        mcsec_policy_t *policy = load(path);
        mcsec_diag_list_t diags = {NULL, 0}, warnings = {NULL, 0};
        opts.warnings = &warnings;
        mcsec_err_t rc = policy ? mcsec_config_check(policy, &opts, &diags) : MCSEC_ERR_INVALID;
        print_diags_as(&warnings, "warning: ");
        mcsec_diag_list_free(&warnings);
        print_diags(&diags);
        if (policy && rc != MCSEC_OK && diags.count == 0)
            fprintf(stderr, "%s: %s\n", path, mcsec_err_str(rc));
        mcsec_diag_list_free(&diags);
        if (rc == MCSEC_OK)
            printf("%s: ok\n", path);
        else
            status = MCSECCTL_FAIL;
        mcsec_policy_free(policy);
    }
    return fflush(stdout) == 0 ? status : MCSECCTL_FAIL;
}

static int policy_check(int argc, char **argv)
{
    check_args_t args = {NULL, false, NULL, 0};
    const char *user = NULL;
    int i = 1;
    for (; i < argc; i += 2) {
        if (strcmp(argv[i], "--require-next-keys") == 0) {
            args.require_next_keys = true;
            i--;
        } else if (i + 1 < argc && strcmp(argv[i], "--as-user") == 0)
            user = argv[i + 1];
        else if (i + 1 < argc && strcmp(argv[i], "--defaults") == 0)
            args.defaults = argv[i + 1];
        else
            break;
    }
    if (i >= argc || argv[i][0] == '-') {
        fprintf(stderr, "usage: mcsecctl policy check [--as-user NAME] [--defaults FILE] "
                        "[--require-next-keys] FILE...\n");
        return MCSECCTL_USAGE;
    }
    args.files = argv + i;
    args.file_count = argc - i;
    return user ? mcsecctl_as_user(user, check_files, &args) : check_files(&args);
}

/* Prints every expiry of policy (mcsec/config/config_expiry.h), soonest
 * first, each line behind prefix ("# " makes them YAML comments for
 * `policy show`). Sets *any_due; returns MCSEC_OK or the error. */
static mcsec_err_t print_expiry(const mcsec_policy_t *policy, const char *prefix, bool *any_due)
{
    mcsec_expiry_list_t list;
    mcsec_err_t rc = mcsec_config_expiry(policy, 0, &list);
    if (rc != MCSEC_OK)
        return rc;
    for (size_t i = 1; i < list.count; i++)
        for (size_t j = i; j > 0 && list.items[j - 1].expires > list.items[j].expires; j--) {
            mcsec_expiry_item_t t = list.items[j];
            list.items[j] = list.items[j - 1];
            list.items[j - 1] = t;
        }
    *any_due = false;
    printf("# days_left expires kind what path (due: fewer than %u days, "
           "system.expiry_warning_days)\n",
           policy->system.expiry_warning_days);
    for (size_t i = 0; i < list.count; i++) {
        const mcsec_expiry_item_t *item = &list.items[i];
        char date[32] = "?";
        (void)mcsec_kms_time_format(item->expires, date, sizeof(date));
        printf("%s%" PRId64 " %s %s %s %s%s\n", prefix, item->days_left, date,
               mcsec_expiry_kind_str(item->kind), item->what, item->path, item->due ? " DUE" : "");
        *any_due = *any_due || item->due;
    }
    mcsec_expiry_list_free(&list);
    return MCSEC_OK;
}

static int policy_expiry(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mcsecctl policy expiry FILE\n");
        return MCSECCTL_USAGE;
    }
    mcsec_policy_t *policy = load(argv[1]);
    if (!policy)
        return MCSECCTL_FAIL;
    bool any_due = false;
    mcsec_err_t rc = print_expiry(policy, "", &any_due);
    mcsec_policy_free(policy);
    if (rc != MCSEC_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], mcsec_err_str(rc));
        return MCSECCTL_FAIL;
    }
    return fflush(stdout) != 0 ? MCSECCTL_FAIL : any_due ? MCSECCTL_FAIL : MCSECCTL_OK;
}

static int policy_show(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mcsecctl policy show FILE\n");
        return MCSECCTL_USAGE;
    }
    mcsec_policy_t *policy = load(argv[1]);
    if (!policy)
        return MCSECCTL_FAIL;
    char *text = NULL, *crls = NULL;
    mcsec_err_t rc = mcsec_policy_dump(policy, &text);
    if (rc == MCSEC_OK) /* CRL expiry, as YAML comments */
        rc = mcsec_crl_expiry_text(policy, (int64_t)time(NULL), &crls);
    if (rc == MCSEC_OK) {
        fputs(text, stdout);
        fputs(crls, stdout);
        /* Every key and certificate with an expiry, days left, as YAML
         * comments (the lines of `policy expiry`). */
        bool any_due = false;
        rc = print_expiry(policy, "# ", &any_due);
    }
    mcsec_policy_free(policy);
    free(text);
    free(crls);
    if (rc != MCSEC_OK) {
        fprintf(stderr, "%s: cannot write the policy: %s\n", argv[1], mcsec_err_str(rc));
        return MCSECCTL_FAIL;
    }
    return fflush(stdout) == 0 ? MCSECCTL_OK : MCSECCTL_FAIL;
}

static const mcsecctl_cmd_t policy_cmds[] = {
    {"check", "[--as-user NAME] [--defaults FILE] [--require-next-keys] FILE...",
     "validate policy files and build every key, certificate and cache the proxies build "
     "(--as-user: as that user; --defaults: the IS proxy defaults file whose SHM_MEMORY "
     "sizes the caches); prints 'FILE: ok' or one line per problem",
     policy_check},
    {"show", "FILE", "print the effective policy (defaults filled in, key paths resolved)",
     policy_show},
    {"expiry", "FILE",
     "every key and certificate the policy names that expires, soonest first, with its days "
     "left; exit 1 when one is due (fewer than system.expiry_warning_days left)",
     policy_expiry},
    {"pair", "A.yaml B.yaml",
     "check that two partners' policies agree (identity, domains, addresses, CA, SPK, auth, "
     "KMS, SIP and HTTP rules); one "
     "line per disagreement",
     mcsecctl_policy_pair},
};

const mcsecctl_group_t mcsecctl_policy_group = {
    "policy", policy_cmds, (unsigned)(sizeof(policy_cmds) / sizeof(policy_cmds[0]))};
