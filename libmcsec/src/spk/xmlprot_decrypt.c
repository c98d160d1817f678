/* Decryption of every xenc:EncryptedData of an info document of a
 * protectable type, after checking its structure and that its KeyName is
 * one of the partner's. */
#include <string.h>

#include <xmlsec/crypto.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmltree.h>

#include "xmlprot_internal.h"

#define XP_MAX_ENCRYPTED 256

static int collect(xmlNodePtr node, xmlNodePtr *found, size_t *count)
{
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (xp_node_is(node, XP_NS_XENC, "EncryptedData") ||
            xp_node_is(node, XP_NS_XENC, "EncryptedKey")) {
            if (*count == XP_MAX_ENCRYPTED)
                return -1;
            found[(*count)++] = node;
            continue;
        }
        if (collect(node->children, found, count) < 0)
            return -1;
    }
    return 0;
}

static bool attr_is(const xmlNode *node, const char *name, const char *want)
{
    xmlChar *value = xmlGetNoNsProp(node, BAD_CAST name);
    bool same = value && strcmp((const char *)value, want) == 0;
    xmlFree(value);
    return same;
}

/* EncryptedData as we and TS 24.379 use it: Type Element, aes128-gcm, a
 * KeyInfo with exactly one KeyName, an inline CipherValue; the sole element
 * child of a contentType element marked type="Encrypted". */
static mcsec_err_t check_structure(const mcsec_xmlprot_t *prot, const xp_info_type_t *type,
                                   xmlNodePtr data, uint32_t *spk_id,
                                   mcsec_xmlprot_result_t *result)
{
    xmlNodePtr parent = data->parent;
    if (!xp_node_is(data, XP_NS_XENC, "EncryptedData") || !parent ||
        parent->type != XML_ELEMENT_NODE || !parent->ns ||
        strcmp((const char *)parent->ns->href, type->ns) != 0 ||
        xp_count_child_elements(parent) != 1 || !attr_is(parent, "type", "Encrypted") ||
        !attr_is(data, "Type", XP_TYPE_ELEMENT))
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "EncryptedData is not the Element content of an Encrypted element");
    xmlNodePtr method = NULL, key_info = NULL, cipher_data = NULL;
    for (xmlNodePtr child = data->children; child; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        if (xp_node_is(child, XP_NS_XENC, "EncryptionMethod") && !method && !key_info)
            method = child;
        else if (xp_node_is(child, XP_NS_DSIG, "KeyInfo") && !key_info && !cipher_data)
            key_info = child;
        else if (xp_node_is(child, XP_NS_XENC, "CipherData") && !cipher_data)
            cipher_data = child;
        else
            return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                           "unexpected child of EncryptedData");
    }
    if (!method || !attr_is(method, "Algorithm", XP_ALG_AES128_GCM) || method->children)
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "EncryptionMethod is not aes128-gcm");
    xmlNodePtr value = xp_first_child_element(cipher_data);
    if (!cipher_data || xp_count_child_elements(cipher_data) != 1 ||
        !xp_node_is(value, XP_NS_XENC, "CipherValue"))
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "CipherData must hold one CipherValue");
    xmlNodePtr key_name = xp_first_child_element(key_info);
    if (!key_info || xp_count_child_elements(key_info) != 1 ||
        !xp_node_is(key_name, XP_NS_DSIG, "KeyName"))
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_UNKNOWN_KEY,
                       "EncryptedData without a KeyName");
    xmlChar *name = xmlNodeGetContent(key_name);
    int bad = xp_keyname_parse(name, spk_id);
    xmlFree(name);
    if (bad || !xp_has_key(prot, *spk_id))
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_UNKNOWN_KEY,
                       "KeyName names no key of the partner's SPK file");
    if (result && !result->has_spk_id) {
        result->spk_id = *spk_id;
        result->has_spk_id = true;
    }
    return MCSEC_OK;
}

/* Decrypts one EncryptedData that check_structure accepted with the key
 * its KeyName named. */
static mcsec_err_t decrypt_one(mcsec_xmlprot_t *prot, xmlNodePtr data, uint32_t spk_id,
                               mcsec_xmlprot_result_t *result)
{
    xmlNodePtr parent = data->parent;
    xmlSecEncCtxPtr ctx = prot->enc_ctx;
    /* Borrowed; KeyInfo is not read again: check_structure allowed exactly
     * one KeyName and it names this key. */
    ctx->encKey = xp_conf_key(prot, spk_id);
    bool replaced = ctx->encKey && xmlSecEncCtxDecrypt(ctx, data) >= 0 && ctx->resultReplaced;
    xp_enc_ctx_done(prot);
    if (!replaced)
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_BAD_TAG,
                       "AES-GCM decryption failed (tag or ciphertext)");
    /* The clear content must be exactly one element, within the limits. */
    if (xp_count_child_elements(parent) != 1 || !xp_depth_ok(prot, parent->children))
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "decrypted content is not one element within limits");
    if (!xmlSetProp(parent, BAD_CAST "type", BAD_CAST "Normal"))
        return xp_fail(result, MCSEC_ERR_NOMEM, MCSEC_REASON_SPK_MALFORMED, "out of memory");
    return MCSEC_OK;
}

/* An element still marked Encrypted after decryption had no EncryptedData. */
static bool still_encrypted(const xmlNode *node)
{
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (attr_is(node, "type", "Encrypted") || still_encrypted(node->children))
            return true;
    }
    return false;
}

mcsec_err_t xp_decrypt_doc(mcsec_xmlprot_t *prot, const xp_info_type_t *type, xmlDocPtr doc,
                           size_t *found, mcsec_xmlprot_result_t *result)
{
    *found = 0;
    xmlNodePtr root = xp_info_root(type, doc, result);
    if (!root)
        return MCSEC_ERR_INVALID;
    xmlNodePtr nodes[XP_MAX_ENCRYPTED];
    size_t count = 0;
    if (collect(root, nodes, &count) < 0)
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "too many encrypted elements");
    /* Check every one before decrypting any: an unknown key anywhere is
     * reported as such, whatever comes first in the document. */
    uint32_t spk_ids[XP_MAX_ENCRYPTED];
    for (size_t i = 0; i < count; i++) {
        mcsec_err_t rc = check_structure(prot, type, nodes[i], &spk_ids[i], result);
        if (rc != MCSEC_OK)
            return rc;
    }
    for (size_t i = 0; i < count; i++) {
        mcsec_err_t rc = decrypt_one(prot, nodes[i], spk_ids[i], result);
        if (rc != MCSEC_OK)
            return rc;
    }
    *found = count;
    if (still_encrypted(root))
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "element marked Encrypted without EncryptedData");
    return MCSEC_OK;
}
