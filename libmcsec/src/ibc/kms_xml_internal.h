/* Helpers the two TS 33.180 Annex D readers share (kms_cert.c,
 * kms_keyprov.c): their one-line refusal text and libxml2 element tests. */
#ifndef MCSEC_KMS_XML_INTERNAL_H
#define MCSEC_KMS_XML_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

/* Formats the reason into why (why_size octets; nothing when NULL or 0). */
__attribute__((format(printf, 3, 4))) void kms_xml_say(char *why, size_t why_size, const char *fmt,
                                                       ...);

/* True when node is an element whose local name is name (any namespace). */
bool kms_xml_named(const xmlNode *node, const char *name);

#endif
