/* Verification of an application/vnd.3gpp.mcptt-signed+xml document: its
 * shape first (one Signature, our algorithms, cid: references, a KeyName of
 * the partner), then xmlsec with the partner's integrity keys only. */
#include <string.h>
#include <strings.h>

#include <xmlsec/crypto.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include "xmlprot_internal.h"

static bool alg_is(const xmlNode *node, const char *want)
{
    xmlChar *alg = xmlGetNoNsProp(node, BAD_CAST "Algorithm");
    bool same = alg && strcmp((const char *)alg, want) == 0;
    xmlFree(alg);
    return same;
}

static mcsec_err_t malformed(mcsec_xmlprot_result_t *result, const char *detail)
{
    return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED, detail);
}

static mcsec_err_t check_signed_info(xmlNodePtr signed_info, mcsec_xmlprot_result_t *result)
{
    xmlNodePtr c14n = xp_first_child_element(signed_info);
    xmlNodePtr method = c14n ? xmlSecGetNextElementNode(c14n->next) : NULL;
    if (!xp_node_is(c14n, XP_NS_DSIG, "CanonicalizationMethod") || !alg_is(c14n, XP_ALG_C14N))
        return malformed(result, "CanonicalizationMethod is not C14N 1.0");
    if (!xp_node_is(method, XP_NS_DSIG, "SignatureMethod") || !alg_is(method, XP_ALG_HMAC_SHA256) ||
        xp_count_child_elements(method) != 0)
        return malformed(result, "SignatureMethod is not plain hmac-sha256");
    size_t refs = 0;
    for (xmlNodePtr ref = xmlSecGetNextElementNode(method->next); ref;
         ref = xmlSecGetNextElementNode(ref->next)) {
        xmlChar *uri = xmlGetNoNsProp(ref, BAD_CAST "URI");
        bool cid = uri && strncasecmp((const char *)uri, "cid:", 4) == 0;
        xmlFree(uri);
        if (!xp_node_is(ref, XP_NS_DSIG, "Reference") || !cid)
            return malformed(result, "Reference without a cid: URI");
        if (++refs > XP_MAX_REFS)
            return malformed(result, "too many References");
    }
    if (refs == 0)
        return malformed(result, "no Reference");
    return MCSEC_OK;
}

/* Returns the ds:Signature after checking the document's shape. */
static mcsec_err_t check_shape(mcsec_xmlprot_t *prot, xmlDocPtr doc, xmlNodePtr *signature,
                               uint32_t *spk_id, mcsec_xmlprot_result_t *result)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!xp_node_is(root, MCSEC_NS_MCPTT_SIGNED, "signatures") ||
        xp_count_child_elements(root) != 1)
        return malformed(result, "signed part is not <signatures> with one Signature");
    xmlNodePtr sig = xp_first_child_element(root);
    if (!xp_node_is(sig, XP_NS_DSIG, "Signature"))
        return malformed(result, "signed part holds no ds:Signature");
    xmlNodePtr signed_info = xp_first_child_element(sig);
    xmlNodePtr value = signed_info ? xmlSecGetNextElementNode(signed_info->next) : NULL;
    xmlNodePtr key_info = value ? xmlSecGetNextElementNode(value->next) : NULL;
    if (!xp_node_is(signed_info, XP_NS_DSIG, "SignedInfo") ||
        !xp_node_is(value, XP_NS_DSIG, "SignatureValue") ||
        xp_count_child_elements(sig) != (key_info ? 3u : 2u))
        return malformed(result, "Signature must be SignedInfo, SignatureValue, KeyInfo");
    mcsec_err_t rc = check_signed_info(signed_info, result);
    if (rc != MCSEC_OK)
        return rc;
    xmlNodePtr key_name = xp_first_child_element(key_info);
    if (!xp_node_is(key_info, XP_NS_DSIG, "KeyInfo") || xp_count_child_elements(key_info) != 1 ||
        !xp_node_is(key_name, XP_NS_DSIG, "KeyName"))
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_UNKNOWN_KEY,
                       "Signature without a KeyName");
    xmlChar *name = xmlNodeGetContent(key_name);
    int bad = xp_keyname_parse(name, spk_id);
    xmlFree(name);
    if (bad || !xp_has_key(prot, *spk_id))
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_UNKNOWN_KEY,
                       "Signature KeyName names no key of the partner's SPK file");
    *signature = sig;
    return MCSEC_OK;
}

static void mark_covered(const xmlSecDSigCtx *ctx, const xp_cid_part_t *parts, size_t count,
                         bool *covered)
{
    xmlSecSize refs = xmlSecPtrListGetSize((xmlSecPtrListPtr)&ctx->signedInfoReferences);
    for (xmlSecSize r = 0; r < refs; r++) {
        xmlSecDSigReferenceCtxPtr ref =
            xmlSecPtrListGetItem((xmlSecPtrListPtr)&ctx->signedInfoReferences, r);
        if (!ref || ref->status != xmlSecDSigStatusSucceeded || !ref->uri)
            continue;
        const char *cid = (const char *)ref->uri + 4;
        for (size_t i = 0; i < count; i++)
            if (strlen(cid) == parts[i].cid_len && memcmp(cid, parts[i].cid, parts[i].cid_len) == 0)
                covered[i] = true;
    }
}

mcsec_err_t xp_verify_parts(mcsec_xmlprot_t *prot, xmlDocPtr doc, const xp_cid_part_t *parts,
                            size_t count, bool *covered, mcsec_xmlprot_result_t *result)
{
    for (size_t i = 0; i < count; i++)
        covered[i] = false;
    xmlNodePtr signature = NULL;
    uint32_t spk_id = 0;
    mcsec_err_t rc = check_shape(prot, doc, &signature, &spk_id, result);
    if (rc != MCSEC_OK)
        return rc;
    xmlSecDSigCtx ctx;
    if (xmlSecDSigCtxInitialize(&ctx, NULL) < 0)
        return xp_fail(result, MCSEC_ERR_NOMEM, MCSEC_REASON_SPK_MALFORMED, "out of memory");
    rc = MCSEC_ERR_NOMEM;
    if (xmlSecPtrListCopy(&ctx.transformCtx.enabledTransforms, xp_sig_transforms()) < 0 ||
        xp_restrict_keyinfo(&ctx.keyInfoReadCtx, xmlSecKeyDataHmacId) != MCSEC_OK) {
        xp_fail(result, rc, MCSEC_REASON_SPK_MALFORMED, "out of memory");
        goto out;
    }
    ctx.flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    ctx.enabledReferenceUris = xmlSecTransformUriTypeRemote;
    ctx.enabledReferenceTransforms = xp_ref_transforms();
    /* Borrowed; KeyInfo is not read again: check_shape allowed exactly one
     * KeyName and it names this key. */
    ctx.signKey = xp_integ_key(prot, spk_id);
    xp_cid_set_parts(parts, count);
    int verified = ctx.signKey ? xmlSecDSigCtxVerify(&ctx, signature) : -1;
    xp_cid_set_parts(NULL, 0);
    if (verified < 0 || ctx.status != xmlSecDSigStatusSucceeded) {
        rc = xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_BAD_SIGNATURE,
                     "XML signature does not verify");
        goto out;
    }
    mark_covered(&ctx, parts, count, covered);
    rc = MCSEC_OK;
out:
    ctx.enabledReferenceTransforms = NULL; /* shared list, not the context's */
    ctx.signKey = NULL;                    /* prot's */
    xmlSecDSigCtxFinalize(&ctx);
    return rc;
}
