/* Problem lines of a policy load: see mcsec_problems.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mcsec_problems.h"

/* Empties p. */
void mcsec_problems_init(mcsec_problems_t *p)
{
    memset(p, 0, sizeof(*p));
}

/* Appends one line; drops it whole (counting it) when it does not fit. */
void mcsec_problems_add(mcsec_problems_t *p, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    p->count++;
    if (n < 0) {
        p->truncated++;
        return;
    }
    size_t line_len = strlen(line);
    size_t need = line_len + (p->len > 0 ? 1 : 0);
    if (p->len + need + 1 > sizeof(p->text)) {
        p->truncated++;
        return;
    }
    if (p->len > 0) {
        p->text[p->len++] = '\n';
    }
    memcpy(p->text + p->len, line, line_len);
    p->len += line_len;
    p->text[p->len] = '\0';
}

/* Appends every diagnostic as FILE:LINE:COL: message. */
void mcsec_problems_add_diags(mcsec_problems_t *p, const mcsec_diag_list_t *diags)
{
    char line[512];
    for (size_t i = 0; i < diags->count; i++) {
        mcsec_diag_format(&diags->items[i], line, sizeof(line));
        mcsec_problems_add(p, "%s", line);
    }
}
