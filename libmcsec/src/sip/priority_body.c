/* MC emergency and imminent peril in an mcptt-info body, for admission
 * control (mcsec/sip/priority.h). TS 24.379 (mcptt-info schema):
 *   <mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params>
 *     <emergency-ind><mcpttBoolean>true</mcpttBoolean></emergency-ind>
 *     <imminentperil-ind><mcpttBoolean>true</mcpttBoolean></imminentperil-ind>
 * TS 33.180 protects identities inside mcptt-info (EncryptedData in place
 * of the URI values), not these indications, so they are read from the body
 * as it arrives. Every part of type application/vnd.3gpp.mcptt-info+xml is
 * read (the MIME walker, mcsec/mime/mime.h); a body the walker or libxml2
 * refuses marks nothing (the checks after admission refuse it). */
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "mcsec/mime/mime.h"
#include "mcsec/sip/priority.h"

#define MCPTT_INFO_NS "urn:3gpp:ns:mcpttInfo:1.0"
#define MCPTT_INFO_TYPE "application/vnd.3gpp.mcptt-info+xml"

static bool is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->ns->href, MCPTT_INFO_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* xs:boolean true ("true" or "1", white space collapsed). */
static bool boolean_true(const xmlNode *ind)
{
    for (const xmlNode *b = ind->children; b != NULL; b = b->next) {
        if (!is_elem(b, "mcpttBoolean"))
            continue;
        xmlChar *text = xmlNodeGetContent(b);
        bool yes = false;
        if (text != NULL) {
            const char *s = (const char *)text;
            size_t n = strlen(s);
            while (n > 0 && strchr(" \t\r\n", s[n - 1]))
                n--;
            while (n > 0 && strchr(" \t\r\n", *s)) {
                s++;
                n--;
            }
            yes = (n == 4 && strncmp(s, "true", 4) == 0) || (n == 1 && s[0] == '1');
            xmlFree(text);
        }
        return yes;
    }
    return false;
}

static bool doc_marked(const uint8_t *xml, size_t len)
{
    if (len == 0 || len > 1048576)
        return false;
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDocPtr doc = xmlReadMemory((const char *)xml, (int)len, "mcsec:mcptt-info", NULL, options);
    if (doc == NULL)
        return false;
    bool marked = false;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (root != NULL && is_elem(root, "mcpttinfo")) {
        for (const xmlNode *p = root->children; p != NULL && !marked; p = p->next) {
            if (!is_elem(p, "mcptt-Params"))
                continue;
            for (const xmlNode *i = p->children; i != NULL && !marked; i = i->next)
                if (is_elem(i, "emergency-ind") || is_elem(i, "imminentperil-ind"))
                    marked = boolean_true(i);
        }
    }
    xmlFreeDoc(doc);
    return marked;
}

static int visit(const mcsec_mime_part_t *part, void *arg)
{
    bool *marked = arg;
    if (!part->container && strcmp(part->type, MCPTT_INFO_TYPE) == 0 &&
        doc_marked(part->body, part->body_len))
        *marked = true;
    return 0;
}

bool mcsec_mcptt_info_emergency(const char *content_type, size_t ct_len, const uint8_t *body,
                                size_t len)
{
    bool marked = false;
    if (content_type == NULL || ct_len == 0 || body == NULL || len == 0)
        return false;
    if (mcsec_mime_walk(content_type, ct_len, body, len, visit, &marked, NULL) != MCSEC_OK)
        return false;
    return marked;
}
