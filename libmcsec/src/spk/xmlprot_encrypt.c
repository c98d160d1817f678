/* Encryption of the listed contentType elements of an info document of a
 * protectable type (mcptt-info, mcvideo-info, mcdata-info): each element's
 * child becomes an xenc:EncryptedData (aes128-gcm). The configured list
 * (spk.elements) applies to every type; the default list is the type's.
 * The fixed profile is applied on the tree directly: the child serialized
 * as XML Encryption's Type=Element does it (the element alone, no
 * declaration, unformatted: xmlNodeDump), sealed by xmlprot_gcm.c, the
 * template below filled with the CipherValue and put in the child's place.
 * xmlsec1 reads it (tests/xmlsec/interop.sh). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

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

/* A new element of doc in ns appended to parent (NULL: none). */
static xmlNodePtr add_element(xmlDocPtr doc, xmlNodePtr parent, xmlNsPtr ns, const char *name)
{
    xmlNodePtr node = xmlNewDocNode(doc, ns, BAD_CAST name, NULL);
    if (node && parent && !xmlAddChild(parent, node)) {
        xmlFreeNode(node);
        return NULL;
    }
    return node;
}

/* <xenc:EncryptedData> with the KeyName of the current key and an empty
 * CipherValue (returned in *value), built node by node: no content or
 * attribute value here needs entity parsing or a lookup. */
static xmlNodePtr make_template(mcsec_xmlprot_t *prot, xmlDocPtr doc, xmlNodePtr *value)
{
    xmlNodePtr data = add_element(doc, NULL, NULL, "EncryptedData");
    if (!data)
        return NULL;
    xmlNsPtr xenc = xmlNewNs(data, BAD_CAST XP_NS_XENC, BAD_CAST "xenc");
    xmlNsPtr ds = xmlNewNs(data, BAD_CAST XP_NS_DSIG, BAD_CAST "ds");
    xmlSetNs(data, xenc);
    xmlNodePtr method = xenc ? add_element(doc, data, xenc, "EncryptionMethod") : NULL;
    xmlNodePtr key_info = ds ? add_element(doc, data, ds, "KeyInfo") : NULL;
    xmlNodePtr key_name = key_info ? add_element(doc, key_info, ds, "KeyName") : NULL;
    xmlNodePtr cipher_data = method ? add_element(doc, data, xenc, "CipherData") : NULL;
    *value = cipher_data ? add_element(doc, cipher_data, xenc, "CipherValue") : NULL;
    if (!*value || !key_name ||
        !xmlAddChild(key_name, xmlNewDocText(doc, BAD_CAST prot->current_name)) ||
        !xmlNewProp(data, BAD_CAST "Type", BAD_CAST XP_TYPE_ELEMENT) ||
        !xmlNewProp(method, BAD_CAST "Algorithm", BAD_CAST XP_ALG_AES128_GCM)) {
        xmlFreeNode(data);
        return NULL;
    }
    return data;
}

/* The child serialized, sealed, as a filled template in *out. */
static mcsec_err_t seal_child(mcsec_xmlprot_t *prot, xmlDocPtr doc, xmlNodePtr child,
                              const uint8_t *iv, xmlNodePtr *out)
{
    *out = NULL;
    xmlBufferPtr clear = xmlBufferCreate();
    if (!clear)
        return MCSEC_ERR_NOMEM;
    char *b64 = NULL;
    size_t b64_len = 0;
    mcsec_err_t rc = xmlNodeDump(clear, doc, child, 0, 0) < 0
                         ? MCSEC_ERR_NOMEM
                         : xp_gcm_seal(prot, iv, xmlBufferContent(clear),
                                       (size_t)xmlBufferLength(clear), &b64, &b64_len);
    OPENSSL_cleanse((void *)xmlBufferContent(clear), (size_t)xmlBufferLength(clear));
    xmlBufferFree(clear);
    if (rc != MCSEC_OK)
        return rc;
    xmlNodePtr value = NULL;
    xmlNodePtr tmpl = make_template(prot, doc, &value);
    if (!tmpl || b64_len > INT32_MAX) {
        rc = MCSEC_ERR_NOMEM;
    } else {
        xmlNodeAddContentLen(value, BAD_CAST b64, (int)b64_len);
        rc = value->children ? MCSEC_OK : MCSEC_ERR_NOMEM;
    }
    free(b64);
    if (rc != MCSEC_OK) {
        xmlFreeNode(tmpl);
        return rc;
    }
    *out = tmpl;
    return MCSEC_OK;
}

static mcsec_err_t encrypt_one(mcsec_xmlprot_t *prot, xmlDocPtr doc, xmlNodePtr target,
                               const uint8_t *iv, mcsec_xmlprot_result_t *result)
{
    size_t children = xp_count_child_elements(target);
    if (children == 0)
        return MCSEC_OK; /* nothing to hide */
    if (children > 1)
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "contentType element with more than one child element");
    xmlNodePtr child = xp_first_child_element(target);
    xmlNodePtr data = NULL;
    mcsec_err_t rc = seal_child(prot, doc, child, iv, &data);
    if (rc == MCSEC_OK) {
        xmlReplaceNode(child, data);
        xmlFreeNode(child);
        rc = xmlSetProp(target, BAD_CAST "type", BAD_CAST "Encrypted") ? MCSEC_OK : MCSEC_ERR_NOMEM;
    }
    if (rc != MCSEC_OK && result && result->reason == MCSEC_REASON_NONE)
        xp_fail(result, rc, MCSEC_REASON_SPK_MALFORMED,
                rc == MCSEC_ERR_NOMEM ? "out of memory" : "encryption failed");
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
    /* The IVs of the document in one call of the DRBG (96 random bits
     * each, NIST SP 800-38D 8.2.2), none kept for another document. */
    uint8_t ivs[XP_MAX_TARGETS * XP_GCM_IV_LEN];
    if (count > 0 && RAND_bytes(ivs, (int)(count * XP_GCM_IV_LEN)) != 1)
        return xp_fail(result, MCSEC_ERR_NOMEM, MCSEC_REASON_SPK_MALFORMED,
                       "no random IV for the encryption");
    for (size_t i = 0; i < count; i++) {
        bool had_child = xp_count_child_elements(targets[i]) > 0;
        mcsec_err_t rc = encrypt_one(prot, doc, targets[i], ivs + i * XP_GCM_IV_LEN, result);
        if (rc != MCSEC_OK)
            return rc;
        if (had_child)
            (*encrypted)++;
    }
    return MCSEC_OK;
}
