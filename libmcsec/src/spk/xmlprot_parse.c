/* Safe parsing of untrusted XML: no network, no DTD, no entity
 * substitution, bounded size and depth (xmlprot_internal.h). */
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "xmlprot_internal.h"

/* Any DTD, internal or external, stops the parse: entity declarations can
 * only come from one, so refusing it rules out XXE and billion laughs. */
static void refuse_dtd(void *user, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    xmlParserCtxtPtr ctxt = user;
    ctxt->_private = ctxt; /* marks the refusal */
    xmlStopParser(ctxt);
}

static void refuse_entity_decl(void *user, const xmlChar *name, int type, const xmlChar *public_id,
                               const xmlChar *system_id, xmlChar *content)
{
    (void)name;
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    xmlParserCtxtPtr ctxt = user;
    ctxt->_private = ctxt;
    xmlStopParser(ctxt);
}

static xmlEntityPtr no_entity(void *user, const xmlChar *name)
{
    (void)user;
    (void)name;
    return NULL;
}

static bool depth_walk(const xmlNode *node, unsigned depth, unsigned max_depth, size_t *budget)
{
    for (; node; node = node->next) {
        if (*budget == 0)
            return false;
        (*budget)--;
        if (node->type == XML_ENTITY_REF_NODE || node->type == XML_DTD_NODE ||
            node->type == XML_ENTITY_DECL || node->type == XML_XINCLUDE_START)
            return false;
        if (node->type == XML_ELEMENT_NODE) {
            if (depth + 1 > max_depth)
                return false;
            if (!depth_walk(node->children, depth + 1, max_depth, budget))
                return false;
        }
    }
    return true;
}

bool xp_depth_ok(const mcsec_xmlprot_t *prot, xmlNodePtr root)
{
    size_t budget = prot->max_body; /* a node costs at least one octet of input */
    return depth_walk(root, 0, prot->max_depth, &budget);
}

xmlDocPtr xp_parse(const mcsec_xmlprot_t *prot, const uint8_t *xml, size_t len)
{
    return xp_parse_limited(xml, len, prot->max_body, prot->max_depth);
}

xmlDocPtr xp_parse_limited(const uint8_t *xml, size_t len, size_t max_body, unsigned max_depth)
{
    if (!xml || len == 0 || len > max_body || len > (size_t)INT32_MAX)
        return NULL;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return NULL;
    ctxt->sax->internalSubset = refuse_dtd;
    ctxt->sax->externalSubset = refuse_dtd;
    ctxt->sax->entityDecl = refuse_entity_decl;
    ctxt->sax->getEntity = no_entity;
    ctxt->sax->getParameterEntity = no_entity;
    ctxt->_private = NULL;
    /* Deliberately without XML_PARSE_NOENT, XML_PARSE_DTDLOAD,
     * XML_PARSE_DTDATTR, XML_PARSE_XINCLUDE and XML_PARSE_HUGE. */
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
                  XML_PARSE_NSCLEAN;
    xmlDocPtr doc =
        xmlCtxtReadMemory(ctxt, (const char *)xml, (int)len, "mcsec:body", NULL, options);
    bool refused = ctxt->_private != NULL || !ctxt->wellFormed;
    xmlFreeParserCtxt(ctxt);
    if (doc && (refused || doc->intSubset || doc->extSubset || !xmlDocGetRootElement(doc) ||
                !depth_walk(xmlDocGetRootElement(doc), 0, max_depth, &max_body))) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

mcsec_err_t xp_serialize(xmlDocPtr doc, uint8_t **out, size_t *out_len)
{
    xmlChar *text = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &text, &size, "UTF-8");
    if (!text || size <= 0) {
        xmlFree(text);
        return MCSEC_ERR_NOMEM;
    }
    uint8_t *copy = malloc((size_t)size + 1);
    if (!copy) {
        xmlFree(text);
        return MCSEC_ERR_NOMEM;
    }
    memcpy(copy, text, (size_t)size);
    copy[size] = '\0';
    xmlFree(text);
    *out = copy;
    *out_len = (size_t)size;
    return MCSEC_OK;
}

bool xp_node_is(const xmlNode *node, const char *ns, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
           strcmp((const char *)node->ns->href, ns) == 0 &&
           strcmp((const char *)node->name, name) == 0;
}

xmlNodePtr xp_first_child_element(xmlNodePtr node)
{
    for (xmlNodePtr child = node ? node->children : NULL; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE)
            return child;
    return NULL;
}

size_t xp_count_child_elements(const xmlNode *node)
{
    size_t count = 0;
    for (const xmlNode *child = node ? node->children : NULL; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE)
            count++;
    return count;
}
