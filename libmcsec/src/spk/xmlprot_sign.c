/* The application/vnd.3gpp.mcptt-signed+xml document: one HMAC-SHA-256
 * ds:Signature with a cid: Reference per signed body part. */
#include <stdbool.h>
#include <stdio.h>

#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>

#include "xmlprot_internal.h"

/* Adds the Signature template over parts to the <signatures> root. */
static xmlNodePtr make_template(mcsec_xmlprot_t *prot, xmlDocPtr doc, xmlNodePtr root,
                                const xp_cid_part_t *parts, size_t count)
{
    xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(
        doc, xmlSecTransformInclC14NId, xmlSecTransformHmacSha256Id, NULL, BAD_CAST "ds");
    if (!sig)
        return NULL;
    xmlAddChild(root, sig);
    for (size_t i = 0; i < count; i++) {
        char uri[160];
        int n = snprintf(uri, sizeof(uri), "cid:%.*s", (int)parts[i].cid_len, parts[i].cid);
        if (n < 0 || (size_t)n >= sizeof(uri) ||
            !xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST uri,
                                             NULL))
            return NULL;
    }
    xmlNodePtr key_info = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    if (!key_info || !xmlSecTmplKeyInfoAddKeyName(key_info, BAD_CAST prot->current_name))
        return NULL;
    return sig;
}

mcsec_err_t xp_sign_parts(mcsec_xmlprot_t *prot, const xp_cid_part_t *parts, size_t count,
                          uint8_t **out, size_t *out_len, mcsec_xmlprot_result_t *result)
{
    if (count == 0 || count > XP_MAX_REFS)
        return xp_fail(result, MCSEC_ERR_ARG, MCSEC_REASON_SPK_MALFORMED, "nothing to sign");
    mcsec_err_t rc = MCSEC_ERR_NOMEM;
    xmlSecDSigCtx ctx;
    bool ctx_ready = false;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "signatures", NULL) : NULL;
    if (!root)
        goto out;
    xmlDocSetRootElement(doc, root);
    xmlNsPtr ns = xmlNewNs(root, BAD_CAST MCSEC_NS_MCPTT_SIGNED, NULL);
    if (!ns)
        goto out;
    xmlSetNs(root, ns);
    xmlNodePtr sig = make_template(prot, doc, root, parts, count);
    ctx_ready = sig && xmlSecDSigCtxInitialize(&ctx, NULL) >= 0;
    if (!ctx_ready)
        goto out;
    if (xmlSecPtrListCopy(&ctx.transformCtx.enabledTransforms, xp_sig_transforms()) < 0)
        goto out;
    ctx.enabledReferenceUris = xmlSecTransformUriTypeRemote;
    ctx.enabledReferenceTransforms = xp_ref_transforms();
    ctx.signKey = prot->integ_keys[prot->current]; /* borrowed */
    xp_cid_set_parts(parts, count);
    int signed_ok = xmlSecDSigCtxSign(&ctx, sig);
    xp_cid_set_parts(NULL, 0);
    if (signed_ok < 0) {
        rc = MCSEC_ERR_INVALID;
        goto out;
    }
    rc = xp_serialize(doc, out, out_len);
out:
    if (ctx_ready) {
        ctx.enabledReferenceTransforms = NULL; /* shared list, not the context's */
        ctx.signKey = NULL;                    /* prot's */
        xmlSecDSigCtxFinalize(&ctx);
    }
    if (doc)
        xmlFreeDoc(doc);
    if (rc != MCSEC_OK)
        xp_fail(result, rc, MCSEC_REASON_SPK_MALFORMED, "signing failed");
    return rc;
}
