/* Encryption of the listed contentType elements of an info document of a
 * protectable type (mcptt-info, mcvideo-info, mcdata-info): each element's
 * child becomes an xenc:EncryptedData (aes128-gcm). The configured list
 * (spk.elements) applies to every type; the default list is the type's. */
#include <string.h>

#include <xmlsec/crypto.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmltree.h>

#include "xmlprot_internal.h"

#define XP_MAX_TARGETS 256

static bool listed(const mcsec_xmlprot_t *prot, const xp_info_type_t *type, const xmlNode *node)
{
    /* mcptt-info's defaults are prot->elements (copied at create time). */
    bool own = !prot->default_elements || strcmp(type->ns, MCSEC_NS_MCPTT_INFO) == 0;
    size_t count = own ? prot->element_count : type->default_count;
    for (size_t i = 0; i < count; i++)
        if (strcmp((const char *)node->name, own ? prot->elements[i] : type->defaults[i]) == 0)
            return true;
    if (!prot->default_elements)
        return false;
    xmlChar *attr = xmlGetNoNsProp(node, BAD_CAST "type");
    bool normal = attr && strcmp((const char *)attr, "Normal") == 0;
    xmlFree(attr);
    return normal;
}

static bool already_encrypted(const xmlNode *node)
{
    xmlChar *type = xmlGetNoNsProp(node, BAD_CAST "type");
    bool encrypted = type && strcmp((const char *)type, "Encrypted") == 0;
    xmlFree(type);
    return encrypted;
}

/* Collects the elements to encrypt in document order; -1 on overflow. */
static int collect(const mcsec_xmlprot_t *prot, const xp_info_type_t *type, xmlNodePtr node,
                   xmlNodePtr *targets, size_t *count)
{
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (xp_node_is(node, type->ns, (const char *)node->name) && listed(prot, type, node) &&
            !already_encrypted(node)) {
            if (*count == XP_MAX_TARGETS)
                return -1;
            targets[(*count)++] = node;
            continue; /* its content is encrypted as a whole */
        }
        if (collect(prot, type, node->children, targets, count) < 0)
            return -1;
    }
    return 0;
}

/* <xenc:EncryptedData> template with the KeyName of the current key. */
static xmlNodePtr make_template(mcsec_xmlprot_t *prot, xmlDocPtr doc)
{
    xmlNodePtr data = xmlNewDocNode(doc, NULL, BAD_CAST "EncryptedData", NULL);
    if (!data)
        return NULL;
    xmlNsPtr xenc = xmlNewNs(data, BAD_CAST XP_NS_XENC, BAD_CAST "xenc");
    xmlNsPtr ds = xmlNewNs(data, BAD_CAST XP_NS_DSIG, BAD_CAST "ds");
    xmlSetNs(data, xenc);
    xmlNodePtr method = xmlNewChild(data, xenc, BAD_CAST "EncryptionMethod", NULL);
    xmlNodePtr key_info = xmlNewChild(data, ds, BAD_CAST "KeyInfo", NULL);
    xmlNodePtr key_name =
        key_info ? xmlNewChild(key_info, ds, BAD_CAST "KeyName", BAD_CAST prot->current_name)
                 : NULL;
    xmlNodePtr cipher_data = xmlNewChild(data, xenc, BAD_CAST "CipherData", NULL);
    xmlNodePtr cipher_value =
        cipher_data ? xmlNewChild(cipher_data, xenc, BAD_CAST "CipherValue", NULL) : NULL;
    if (!xenc || !ds || !method || !key_name || !cipher_value ||
        !xmlSetProp(data, BAD_CAST "Type", BAD_CAST XP_TYPE_ELEMENT) ||
        !xmlSetProp(method, BAD_CAST "Algorithm", BAD_CAST XP_ALG_AES128_GCM)) {
        xmlFreeNode(data);
        return NULL;
    }
    return data;
}

static mcsec_err_t encrypt_one(mcsec_xmlprot_t *prot, xmlDocPtr doc, xmlNodePtr target,
                               mcsec_xmlprot_result_t *result)
{
    size_t children = xp_count_child_elements(target);
    if (children == 0)
        return MCSEC_OK; /* nothing to hide */
    if (children > 1)
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "contentType element with more than one child element");
    xmlNodePtr child = xp_first_child_element(target);
    xmlNodePtr tmpl = make_template(prot, doc);
    if (!tmpl)
        return xp_fail(result, MCSEC_ERR_NOMEM, MCSEC_REASON_SPK_MALFORMED, "out of memory");
    xmlSecEncCtxPtr ctx = prot->enc_ctx;
    ctx->encKey = prot->conf_keys[prot->current]; /* borrowed */
    bool replaced = xmlSecEncCtxXmlEncrypt(ctx, tmpl, child) >= 0 && ctx->resultReplaced;
    xp_enc_ctx_done(prot);
    mcsec_err_t rc = MCSEC_ERR_INVALID;
    if (replaced) {
        tmpl = NULL; /* now in the document, child freed */
        rc = xmlSetProp(target, BAD_CAST "type", BAD_CAST "Encrypted") ? MCSEC_OK : MCSEC_ERR_NOMEM;
    }
    if (tmpl)
        xmlFreeNode(tmpl);
    if (rc != MCSEC_OK && result && result->reason == MCSEC_REASON_NONE)
        xp_fail(result, rc, MCSEC_REASON_SPK_MALFORMED, "encryption failed");
    return rc;
}

mcsec_err_t xp_encrypt_doc(mcsec_xmlprot_t *prot, const xp_info_type_t *type, xmlDocPtr doc,
                           size_t *encrypted, mcsec_xmlprot_result_t *result)
{
    *encrypted = 0;
    xmlNodePtr root = xp_info_root(type, doc, result);
    if (!root)
        return MCSEC_ERR_INVALID;
    xmlNodePtr targets[XP_MAX_TARGETS];
    size_t count = 0;
    if (collect(prot, type, root->children, targets, &count) < 0)
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "too many elements to encrypt");
    for (size_t i = 0; i < count; i++) {
        bool had_child = xp_count_child_elements(targets[i]) > 0;
        mcsec_err_t rc = encrypt_one(prot, doc, targets[i], result);
        if (rc != MCSEC_OK)
            return rc;
        if (had_child)
            (*encrypted)++;
    }
    return MCSEC_OK;
}
