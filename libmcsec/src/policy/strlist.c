/* Owned lists of strings (domains, methods, content types, header and
 * element names). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_internal.h"

mcsec_err_t mcsec_strlist_push(mcsec_strlist_t *list, const char *item)
{
    char *copy = strdup(item);
    if (!copy)
        return MCSEC_ERR_NOMEM;
    char **items = realloc(list->items, (list->count + 1) * sizeof(*items));
    if (!items) {
        free(copy);
        return MCSEC_ERR_NOMEM;
    }
    items[list->count++] = copy;
    list->items = items;
    return MCSEC_OK;
}

bool mcsec_strlist_contains(const mcsec_strlist_t *list, const char *item)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i], item) == 0)
            return true;
    return false;
}

bool mcsec_strlist_contains_nocase(const mcsec_strlist_t *list, const char *item)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcasecmp(list->items[i], item) == 0)
            return true;
    return false;
}

bool mcsec_strlist_equal(const mcsec_strlist_t *a, const mcsec_strlist_t *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return false;
    return true;
}

void mcsec_strlist_clear(mcsec_strlist_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
