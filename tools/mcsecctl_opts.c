/* "--name VALUE" argument pairs of the mcsecctl subcommands that take
 * only such pairs (kms, ear): see mcsecctl.h. */
#include <stdio.h>
#include <string.h>

#include "mcsecctl.h"

/* See mcsecctl.h. */
const char *mcsecctl_opt(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], name) == 0) {
            return argv[i + 1];
        }
    }
    return NULL;
}

/* See mcsecctl.h. */
int mcsecctl_opts_known(int argc, char **argv, const char *const *names)
{
    for (int i = 1; i < argc; i += 2) {
        int known = 0;
        for (const char *const *n = names; *n != NULL; n++) {
            known |= strcmp(argv[i], *n) == 0;
        }
        if (!known || i + 1 >= argc) {
            fprintf(stderr, "mcsecctl: unexpected argument '%s'\n", argv[i]);
            return 0;
        }
    }
    return 1;
}
