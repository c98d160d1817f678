/* mcsec_bodyid_check() (mcsec/bodyid/bodyid.h): walks the body with the one
 * MIME walker, parses each info-type and resource-lists part with the SPK
 * code's safe parser (no network, no DTD, no entities, bounded size and
 * depth) and hands every MC service ID to the judge (bodyid_rules.c). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "bodyid_internal.h"
#include "mcsec/mime/mime.h"
#include "mcsec/spk/xmlprot.h"
#include "spk/xmlprot_internal.h"

#define RL_TYPE "application/resource-lists+xml"
#define RL_NS "urn:ietf:params:xml:ns:resource-lists"

typedef struct {
    bodyid_judge_t *judge;
    const char *ns; /* the part's namespace */
    const char *const *names;
    size_t name_count;
} scan_t;

static bool listed(const scan_t *scan, const xmlNode *node)
{
    for (size_t i = 0; i < scan->name_count; i++)
        if (strcmp((const char *)node->name, scan->names[i]) == 0)
            return true;
    return false;
}

static bool in_ns(const xmlNode *node, const char *ns)
{
    return node->ns && node->ns->href && strcmp((const char *)node->ns->href, ns) == 0;
}

/* Whether node or anything below it is still encrypted. */
static bool encrypted(xmlNodePtr node)
{
    xmlChar *type = xmlGetNoNsProp(node, (const xmlChar *)"type");
    bool enc = type && strcmp((const char *)type, "Encrypted") == 0;
    xmlFree(type);
    if (enc || in_ns(node, XP_NS_XENC))
        return true;
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && encrypted(c))
            return true;
    return false;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The trimmed text of node into out; false when empty or too long. */
static bool text_of(xmlNodePtr node, char *out, size_t out_size)
{
    xmlChar *content = xmlNodeGetContent(node);
    if (!content)
        return false;
    const char *p = (const char *)content;
    size_t len = strlen(p);
    while (len > 0 && is_ws(p[len - 1]))
        len--;
    while (len > 0 && is_ws(*p)) {
        p++;
        len--;
    }
    bool ok = len > 0 && len < out_size;
    if (ok) {
        memcpy(out, p, len);
        out[len] = '\0';
    }
    xmlFree(content);
    return ok;
}

/* One ID element of an info document: a contentType element whose one
 * child element (mcpttURI, mcvideoURI, mcdataURI) holds the URI, or the
 * URI as its own text. */
static bool info_element(scan_t *scan, xmlNodePtr node)
{
    const char *name = (const char *)node->name;
    bodyid_class_t cls;
    char uri[BODYID_URI_MAX];
    if (!bodyid_class_of(name, &cls))
        return bodyid_refuse(scan->judge, name, "no rule for this element");
    if (encrypted(node))
        return bodyid_refuse(scan->judge, name,
                             "still encrypted: the border cannot check it (fail closed)");
    xmlNodePtr child = NULL;
    size_t children = 0;
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && children++ == 0)
            child = c;
    if (children > 1)
        return bodyid_refuse(scan->judge, name, "more than one child element");
    if (!text_of(child ? child : node, uri, sizeof(uri)))
        return bodyid_refuse(scan->judge, name, "no URI (empty or too long)");
    return bodyid_judge(scan->judge, cls, name, uri);
}

static bool walk_info(scan_t *scan, xmlNodePtr node)
{
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (in_ns(c, scan->ns) && listed(scan, c)) {
            if (!info_element(scan, c))
                return false;
        } else if (!walk_info(scan, c)) {
            return false;
        }
    }
    return true;
}

/* Every entry/@uri of a resource-lists document (RFC 4826); entry-ref and
 * external point to lists the border cannot see. */
static bool walk_rl(scan_t *scan, xmlNodePtr node)
{
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)c->name;
        if (in_ns(c, RL_NS) && strcmp(name, "entry") == 0) {
            char uri[BODYID_URI_MAX];
            xmlChar *attr = xmlGetNoNsProp(c, (const xmlChar *)"uri");
            size_t len = attr ? strlen((const char *)attr) : 0;
            bool ok = len > 0 && len < sizeof(uri);
            if (ok)
                memcpy(uri, attr, len + 1);
            xmlFree(attr);
            if (!ok)
                return bodyid_refuse(scan->judge, "entry/@uri", "no URI (empty or too long)");
            if (!bodyid_judge(scan->judge, BODYID_TARGET, "entry/@uri", uri))
                return false;
        } else if (in_ns(c, RL_NS) &&
                   (strcmp(name, "entry-ref") == 0 || strcmp(name, "external") == 0)) {
            return bodyid_refuse(scan->judge, name, "names a list the border cannot see");
        } else if (!walk_rl(scan, c)) {
            return false;
        }
    }
    return true;
}

static int visit(const mcsec_mime_part_t *part, void *arg)
{
    bodyid_judge_t *judge = arg;
    scan_t scan = {judge, NULL, NULL, 0};
    const char *root = NULL;
    bool rl = strcmp(part->type, RL_TYPE) == 0;
    if (part->container || (!rl && !mcsec_xmlprot_info_ids(part->type, &scan.ns, &root, &scan.names,
                                                           &scan.name_count)))
        return 0;
    if (rl) {
        scan.ns = RL_NS;
        root = "resource-lists";
    }
    xmlDocPtr doc = xp_parse_limited(part->body, part->body_len, MCSEC_XMLPROT_MAX_BODY,
                                     MCSEC_XMLPROT_MAX_DEPTH);
    if (!doc) {
        (void)bodyid_refuse(judge, part->type, "XML the border cannot parse");
        return 1; /* stops the walk */
    }
    xmlNodePtr top = xmlDocGetRootElement(doc);
    bool ok;
    if (!xp_node_is(top, scan.ns, root))
        ok = bodyid_refuse(judge, part->type, "root element is not the type's");
    else
        ok = rl ? walk_rl(&scan, top) : walk_info(&scan, top);
    xmlFreeDoc(doc);
    return ok ? 0 : 1;
}

mcsec_reason_t mcsec_bodyid_check(const mcsec_bodyid_ctx_t *ctx, const char *content_type,
                                  size_t ct_len, const uint8_t *body, size_t len, char *detail,
                                  size_t detail_size)
{
    if (detail && detail_size > 0)
        detail[0] = '\0';
    if (!ctx || !ctx->policy || !ctx->partner) {
        if (detail && detail_size > 0)
            snprintf(detail, detail_size, "body identity check without a partner");
        return MCSEC_REASON_BODY_FOREIGN_ID;
    }
    if (!body || len == 0)
        return MCSEC_REASON_NONE;
    bodyid_judge_t judge;
    memset(&judge, 0, sizeof(judge));
    judge.ctx = ctx;
    judge.detail = detail;
    judge.detail_size = detail_size;
    const char *fault = NULL;
    mcsec_err_t err = mcsec_mime_walk(content_type ? content_type : "", content_type ? ct_len : 0,
                                      body, len, visit, &judge, &fault);
    if (err == MCSEC_ERR_PARSE) {
        bodyid_refuse(&judge, "body", fault ? fault : "cannot be walked");
        return judge.reason;
    }
    if (judge.reason != MCSEC_REASON_NONE)
        return judge.reason;
    bodyid_judge_end(&judge);
    return judge.reason;
}
