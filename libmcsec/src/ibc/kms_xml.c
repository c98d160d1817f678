/* See kms_xml_internal.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kms_xml_internal.h"

void kms_xml_say(char *why, size_t why_size, const char *fmt, ...)
{
    if (why == NULL || why_size == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
}

bool kms_xml_named(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE &&
           strcmp((const char *)node->name, name) == 0;
}
