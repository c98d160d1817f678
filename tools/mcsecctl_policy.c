/* mcsecctl policy check|show: the border policy's `-n`. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "mcsec/policy/crl.h"
#include "mcsec/policy/policy.h"
#include "mcsecctl.h"

/* Prints every diagnostic as FILE:LINE:COL: message on stderr. */
static void print_diags(const mcsec_diag_list_t *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        char line[1024];
        mcsec_diag_format(&diags->items[i], line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }
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

static int policy_check(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mcsecctl policy check FILE...\n");
        return MCSECCTL_USAGE;
    }
    int status = MCSECCTL_OK;
    for (int i = 1; i < argc; i++) {
        mcsec_policy_t *policy = load(argv[i]);
        if (policy)
            printf("%s: ok\n", argv[i]);
        else
            status = MCSECCTL_FAIL;
        mcsec_policy_free(policy);
    }
    return status;
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
    mcsec_policy_free(policy);
    if (rc != MCSEC_OK) {
        fprintf(stderr, "%s: cannot write the policy: %s\n", argv[1], mcsec_err_str(rc));
        free(text);
        return MCSECCTL_FAIL;
    }
    fputs(text, stdout);
    fputs(crls, stdout);
    free(text);
    free(crls);
    return fflush(stdout) == 0 ? MCSECCTL_OK : MCSECCTL_FAIL;
}

static const mcsecctl_cmd_t policy_cmds[] = {
    {"check", "FILE...", "validate policy files; prints 'FILE: ok' or one line per problem",
     policy_check},
    {"show", "FILE", "print the effective policy (defaults filled in, key paths resolved)",
     policy_show},
    {"pair", "A.yaml B.yaml",
     "check that two partners' policies agree (identity, domains, addresses, CA, SPK, auth, "
     "KMS, SIP and HTTP rules); one "
     "line per disagreement",
     mcsecctl_policy_pair},
};

const mcsecctl_group_t mcsecctl_policy_group = {
    "policy", policy_cmds, (unsigned)(sizeof(policy_cmds) / sizeof(policy_cmds[0]))};
