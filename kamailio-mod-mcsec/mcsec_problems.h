/* A bounded text of problem lines ("FILE:LINE:COL: message"), filled while
 * loading a policy and read by mod_init (logged) and mcsec.reload (returned
 * to the operator). Lives on the caller's stack; nothing to free. */
#ifndef MCSEC_PROBLEMS_H
#define MCSEC_PROBLEMS_H

#include <stddef.h>

#include "mcsec/policy/policy.h"

typedef struct {
    char text[2048]; /* lines separated by '\n', NUL terminated */
    size_t len;
    unsigned count;     /* lines reported, including those that did not fit */
    unsigned truncated; /* lines that did not fit into text */
} mcsec_problems_t;

/* Empties p. */
void mcsec_problems_init(mcsec_problems_t *p);

/* Appends one line (printf format, no newline); a line that does not fit is
 * counted in truncated and dropped whole. */
void mcsec_problems_add(mcsec_problems_t *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends every diagnostic of diags as FILE:LINE:COL: message. */
void mcsec_problems_add_diags(mcsec_problems_t *p, const mcsec_diag_list_t *diags);

#endif
