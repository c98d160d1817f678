/* mcptt-info element hiding: the SIP URIs in the elements the policy lists
 * (topology.hide_elements) become token URIs on egress and come back
 * exactly on ingress, wherever they sit below a listed element: text,
 * CDATA and attribute values (issue 14: attributes used to pass in clear).
 * See mcsec_topo_hide_xml_elements() in mcsec/topo/topo.h. */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "topo_uri_internal.h"
#include "spk/xmlprot_internal.h"

typedef struct {
    mcsec_topo_t *topo;
    const mcsec_strlist_t *names;
    const mcsec_strlist_t *keep_domains;
    mcsec_topo_direction_t direction;
    mcsec_topo_error_t *err;
    bool changed;
} xml_walk_t;

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool listed(const xml_walk_t *walk, const xmlNode *node)
{
    for (size_t i = 0; i < walk->names->count; i++)
        if (strcmp((const char *)node->name, walk->names->items[i]) == 0)
            return true;
    return false;
}

/* The sip:/sips: URI a text is (trimmed), or false. */
static bool text_uri(mcsec_str_t text, mcsec_str_t *uri, bool *sips)
{
    size_t i = 0, end = text.len;
    while (i < end && is_ws(text.ptr[i]))
        i++;
    while (end > i && is_ws(text.ptr[end - 1]))
        end--;
    *uri = (mcsec_str_t){text.ptr + i, end - i};
    if (uri->len > 4 && topo_ieq(uri->ptr, 4, "sip:", 4)) {
        *sips = false;
    } else if (uri->len > 5 && topo_ieq(uri->ptr, 5, "sips:", 5)) {
        *sips = true;
    } else {
        return false;
    }
    for (size_t j = 0; j < uri->len; j++)
        if (is_ws(uri->ptr[j]))
            return false;
    return true;
}

/* Egress: "sip[s]:TOKEN@HOST;tokenized-by=HOST" for uri into a malloc'd
 * buffer *value of *value_len octets. */
static mcsec_err_t token_uri(mcsec_topo_t *topo, mcsec_str_t uri, bool sips, char **value,
                             size_t *value_len)
{
    const mcsec_str_t none = {"", 0};
    size_t n = 0;
    mcsec_err_t rc =
        topo_put_token_uri(topo, MCSEC_TOPO_ELEMENT, none, uri, sips, false, NULL, 0, &n);
    if (rc != MCSEC_OK)
        return rc;
    char *buf = malloc(n);
    if (!buf)
        return MCSEC_ERR_NOMEM;
    size_t o = 0;
    rc = topo_put_token_uri(topo, MCSEC_TOPO_ELEMENT, none, uri, sips, false, buf, n, &o);
    if (rc != MCSEC_OK) {
        free(buf);
        return rc;
    }
    *value = buf;
    *value_len = o;
    return MCSEC_OK;
}

/* The rewritten form of a value (a text node's or an attribute's, decoded)
 * when it is a URI to rewrite: *content (malloc'd, NUL-terminated, *n
 * octets), the text around the URI kept; *content NULL when it stays. */
static mcsec_err_t rewrite_value(xml_walk_t *walk, mcsec_str_t all, xmlChar **content, size_t *n)
{
    *content = NULL;
    mcsec_str_t uri;
    bool sips = false;
    if (!text_uri(all, &uri, &sips))
        return MCSEC_OK;
    mcsec_str_t token;
    bool ours = mcsec_topo_uri_token(walk->topo, uri, &token);
    char *value = NULL;
    size_t value_len = 0;
    mcsec_err_t rc = MCSEC_OK;
    if (walk->direction == MCSEC_TOPO_EGRESS) {
        if (ours || topo_uri_kept(uri, sips, walk->keep_domains))
            return MCSEC_OK;
        if (uri.len > MCSEC_TOPO_MAX_VALUE)
            return MCSEC_ERR_ARG;
        rc = token_uri(walk->topo, uri, sips, &value, &value_len);
    } else {
        if (!ours)
            return MCSEC_OK;
        value = malloc(token.len + 1);
        if (!value)
            return MCSEC_ERR_NOMEM;
        rc = topo_open(walk->topo, MCSEC_TOPO_ELEMENT, (mcsec_str_t){"", 0}, token,
                       (uint8_t *)value, token.len + 1, &value_len, walk->err);
    }
    if (rc != MCSEC_OK) {
        free(value);
        return rc;
    }
    size_t lead = (size_t)(uri.ptr - all.ptr);
    size_t trail = all.len - lead - uri.len;
    *n = lead + value_len + trail;
    xmlChar *buf = *n <= (size_t)INT32_MAX ? malloc(*n + 1) : NULL;
    if (!buf) {
        free(value);
        return MCSEC_ERR_NOMEM;
    }
    memcpy(buf, all.ptr, lead);
    memcpy(buf + lead, value, value_len);
    memcpy(buf + lead + value_len, uri.ptr + uri.len, trail);
    buf[*n] = '\0';
    free(value);
    *content = buf;
    return MCSEC_OK;
}

/* Rewrites one text or CDATA node when it is a URI to rewrite. */
static mcsec_err_t rewrite_text(xml_walk_t *walk, xmlNodePtr text)
{
    if (!text->content)
        return MCSEC_OK;
    mcsec_str_t all = {(const char *)text->content, strlen((const char *)text->content)};
    xmlChar *content = NULL;
    size_t n = 0;
    mcsec_err_t rc = rewrite_value(walk, all, &content, &n);
    if (rc != MCSEC_OK || !content)
        return rc;
    xmlNodeSetContentLen(text, content, (int)n);
    free(content);
    walk->changed = true;
    return MCSEC_OK;
}

/* Rewrites the attributes of an element inside a listed one (the listed
 * element's own too): a value that is a URI is judged like a text node. The
 * value is read decoded (entity and character references resolved), and a
 * new one is set as one text node (xmlSetNsProp does not parse it). */
static mcsec_err_t rewrite_attrs(xml_walk_t *walk, xmlNodePtr element)
{
    for (xmlAttrPtr attr = element->properties; attr; attr = attr->next) {
        xmlChar *old = xmlNodeGetContent((xmlNodePtr)attr);
        if (!old)
            continue;
        xmlChar *content = NULL;
        size_t n = 0;
        mcsec_err_t rc = rewrite_value(
            walk, (mcsec_str_t){(const char *)old, strlen((const char *)old)}, &content, &n);
        xmlFree(old);
        if (rc != MCSEC_OK)
            return rc;
        if (!content)
            continue;
        xmlAttrPtr set = xmlSetNsProp(element, attr->ns, attr->name, content);
        free(content);
        if (!set)
            return MCSEC_ERR_NOMEM;
        walk->changed = true;
    }
    return MCSEC_OK;
}

/* Walks node and its siblings; inside is true below a listed element. */
static mcsec_err_t walk_nodes(xml_walk_t *walk, xmlNodePtr node, bool inside)
{
    for (; node; node = node->next) {
        mcsec_err_t rc = MCSEC_OK;
        if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) && inside) {
            rc = rewrite_text(walk, node);
        } else if (node->type == XML_ELEMENT_NODE) {
            bool in = inside || listed(walk, node);
            if (in)
                rc = rewrite_attrs(walk, node);
            if (rc == MCSEC_OK)
                rc = walk_nodes(walk, node->children, in);
        }
        if (rc != MCSEC_OK)
            return rc;
    }
    return MCSEC_OK;
}

mcsec_err_t mcsec_topo_hide_xml_elements(mcsec_topo_t *topo, const uint8_t *xml, size_t len,
                                         const mcsec_strlist_t *names,
                                         const mcsec_strlist_t *keep_domains,
                                         mcsec_topo_direction_t direction, uint8_t **out,
                                         size_t *out_len, mcsec_topo_error_t *err)
{
    if (err)
        *err = (mcsec_topo_error_t){MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    if (!topo || !out || !out_len || (!xml && len) ||
        (direction != MCSEC_TOPO_EGRESS && direction != MCSEC_TOPO_INGRESS))
        return MCSEC_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    if (!names || names->count == 0 || len == 0)
        return MCSEC_OK;
    xmlDocPtr doc = xp_parse_limited(xml, len, MCSEC_TOPO_XML_MAX, MCSEC_TOPO_XML_MAX_DEPTH);
    if (!doc)
        return MCSEC_ERR_PARSE;
    mcsec_topo_error_t local = {MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    xml_walk_t walk = {topo, names, keep_domains, direction, err ? err : &local, false};
    mcsec_err_t rc = walk_nodes(&walk, xmlDocGetRootElement(doc), false);
    if (rc == MCSEC_OK && walk.changed)
        rc = xp_serialize(doc, out, out_len);
    xmlFreeDoc(doc);
    return rc;
}
