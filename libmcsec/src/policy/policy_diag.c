/* Diagnostic lists: "FILE:LINE:COL: message" records the loader fills. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

mcsec_err_t mcsec_diag_addf(mcsec_diag_list_t *diags, const char *file, unsigned line, unsigned col,
                            const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *message = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (message)
        vsnprintf(message, (size_t)n + 1, fmt, again);
    va_end(again);
    if (!message)
        return MCSEC_ERR_NOMEM;
    char *file_copy = strdup(file ? file : "<policy>");
    mcsec_diag_t *items =
        file_copy ? realloc(diags->items, (diags->count + 1) * sizeof(*items)) : NULL;
    if (!items) {
        free(file_copy);
        free(message);
        return MCSEC_ERR_NOMEM;
    }
    diags->items = items;
    items[diags->count].file = file_copy;
    items[diags->count].line = line;
    items[diags->count].col = col;
    items[diags->count].message = message;
    diags->count++;
    return MCSEC_OK;
}

void mcsec_diag_list_free(mcsec_diag_list_t *diags)
{
    if (!diags)
        return;
    for (size_t i = 0; i < diags->count; i++) {
        free(diags->items[i].file);
        free(diags->items[i].message);
    }
    free(diags->items);
    diags->items = NULL;
    diags->count = 0;
}

size_t mcsec_diag_format(const mcsec_diag_t *diag, char *out, size_t out_size)
{
    int n;
    if (diag->line > 0 && diag->col == 0)
        n = snprintf(out, out_size, "%s:%u: %s", diag->file, diag->line, diag->message);
    else if (diag->line > 0)
        n = snprintf(out, out_size, "%s:%u:%u: %s", diag->file, diag->line, diag->col,
                     diag->message);
    else
        n = snprintf(out, out_size, "%s: %s", diag->file, diag->message);
    return n < 0 ? 0 : (size_t)n;
}
