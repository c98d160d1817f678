/* mcsecctl policy pair A.yaml B.yaml: do two partners' policies agree? */
#include <stdio.h>

#include "mcsec/policy/policy.h"
#include "mcsec/config/policy_pair.h"
#include "mcsecctl.h"

static void print_diags(const mcsec_diag_list_t *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        char line[1024];
        mcsec_diag_format(&diags->items[i], line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }
}

int mcsecctl_policy_pair(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mcsecctl policy pair A.yaml B.yaml\n");
        return MCSECCTL_USAGE;
    }
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *a = NULL, *b = NULL;
    mcsec_err_t rc_a = mcsec_policy_load_file(argv[1], &a, &diags);
    mcsec_err_t rc_b = mcsec_policy_load_file(argv[2], &b, &diags);
    mcsec_err_t rc = rc_a != MCSEC_OK ? rc_a : rc_b;
    if (rc == MCSEC_OK)
        rc = mcsec_policy_pair(a, b, &diags);
    print_diags(&diags);
    if (rc != MCSEC_OK && diags.count == 0)
        fprintf(stderr, "mcsecctl: %s\n", mcsec_err_str(rc));
    if (rc == MCSEC_OK)
        printf("%s and %s: agree\n", argv[1], argv[2]);
    mcsec_diag_list_free(&diags);
    mcsec_policy_free(a);
    mcsec_policy_free(b);
    return rc == MCSEC_OK ? MCSECCTL_OK : MCSECCTL_FAIL;
}
