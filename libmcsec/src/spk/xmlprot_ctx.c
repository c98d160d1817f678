/* xmlsec process-wide set-up, the transform allow-lists and the
 * mcsec_xmlprot_t object: derived keys made once per key file, and the
 * reusable encryption context. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <xmlsec/buffer.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/keys.h>
#include <xmlsec/parser.h>
#include <xmlsec/transforms.h>

#include "mcsec/spk/kdf.h"
#include "xmlprot_internal.h"

#define XP_XMLSEC_BUFFER_SIZE 128 /* first allocation of an xmlsec buffer */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static mcsec_err_t init_status = MCSEC_ERR_IO;
static xmlSecPtrList enc_transforms, sig_transforms, ref_transforms;

/* xmlsec reports errors through this callback; the library prints
 * nothing, the caller gets a reason code instead. */
static void quiet_errors(const char *file, int line, const char *func, const char *object,
                         const char *subject, int reason, const char *msg)
{
    (void)file;
    (void)line;
    (void)func;
    (void)object;
    (void)subject;
    (void)reason;
    (void)msg;
}

static int fill_list(xmlSecPtrListPtr list, const xmlSecTransformId *ids, size_t count)
{
    if (xmlSecPtrListInitialize(list, xmlSecTransformIdListId) < 0)
        return -1;
    for (size_t i = 0; i < count; i++)
        if (xmlSecPtrListAdd(list, (void *)ids[i]) < 0)
            return -1;
    return 0;
}

static void global_init(void)
{
    xmlInitParser();
    if (xmlSecInit() < 0)
        return;
    if (xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0)
        return;
    xmlSecErrorsSetCallback(quiet_errors);
    /* xmlsec clears every buffer it allocates and wipes it when freed; its
     * default first allocation (1 KB) is 10x what an encrypted element or
     * a digest needs. Buffers still double as they grow. */
    xmlSecBufferSetDefaultAllocMode(xmlSecAllocModeDouble, XP_XMLSEC_BUFFER_SIZE);
    /* xmlsec's own parses (decrypted Element content) get the same rules,
     * and the options of xp_parse: a decrypted tree is then what parsing
     * its serialization gives (re-protection hands the tree on). */
    xmlSecParserSetDefaultOptions(XML_PARSE_NONET | XML_PARSE_NODICT | XML_PARSE_NOERROR |
                                  XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_NSCLEAN);
    /* Only cid: URIs resolve; file:, http: and ftp: find no handler. */
    xmlSecIOCleanupCallbacks();
    if (xp_cid_register() < 0)
        return;
    const xmlSecTransformId enc[] = {xmlSecTransformAes128GcmId};
    const xmlSecTransformId sig[] = {xmlSecTransformInclC14NId, xmlSecTransformHmacSha256Id};
    const xmlSecTransformId ref[] = {xmlSecTransformInclC14NId, xmlSecTransformSha256Id};
    if (fill_list(&enc_transforms, enc, 1) < 0 || fill_list(&sig_transforms, sig, 2) < 0 ||
        fill_list(&ref_transforms, ref, 2) < 0)
        return;
    init_status = MCSEC_OK;
}

mcsec_err_t mcsec_xmlprot_global_init(void)
{
    pthread_once(&init_once, global_init);
    return init_status;
}

void mcsec_xmlprot_global_cleanup(void)
{
    if (init_status != MCSEC_OK)
        return;
    xmlSecPtrListFinalize(&enc_transforms);
    xmlSecPtrListFinalize(&sig_transforms);
    xmlSecPtrListFinalize(&ref_transforms);
    xmlSecCryptoShutdown();
    xmlSecCryptoAppShutdown();
    xmlSecShutdown();
    init_status = MCSEC_ERR_IO;
}

xmlSecPtrListPtr xp_enc_transforms(void)
{
    return &enc_transforms;
}

xmlSecPtrListPtr xp_sig_transforms(void)
{
    return &sig_transforms;
}

xmlSecPtrListPtr xp_ref_transforms(void)
{
    return &ref_transforms;
}

mcsec_err_t xp_restrict_keyinfo(xmlSecKeyInfoCtxPtr ctx, xmlSecKeyDataId value_id)
{
    /* KeyName and the key's own value class only: no RetrievalMethod, no
     * EncryptedKey, no X509 or KeyValue from the message. */
    if (xmlSecPtrListAdd(&ctx->enabledKeyData, (void *)xmlSecKeyDataNameId) < 0 ||
        xmlSecPtrListAdd(&ctx->enabledKeyData, (void *)value_id) < 0)
        return MCSEC_ERR_NOMEM;
    ctx->maxRetrievalMethodLevel = 0;
    ctx->maxEncryptedKeyLevel = 0;
    ctx->flags |= XMLSEC_KEYINFO_FLAGS_KEYNAME_STOP_ON_UNKNOWN;
    return MCSEC_OK;
}

mcsec_err_t xp_fail(mcsec_xmlprot_result_t *result, mcsec_err_t err, mcsec_reason_t reason,
                    const char *detail)
{
    if (result) {
        result->reason = reason;
        snprintf(result->detail, sizeof(result->detail), "%s", detail);
    }
    return err;
}

uint32_t mcsec_xmlprot_current_id(const mcsec_xmlprot_t *prot)
{
    return prot ? prot->spk_ids[prot->current] : 0;
}

void xp_keyname(uint32_t spk_id, char out[XP_KEYNAME_LEN])
{
    const uint8_t id_be[4] = {(uint8_t)(spk_id >> 24), (uint8_t)(spk_id >> 16),
                              (uint8_t)(spk_id >> 8), (uint8_t)spk_id};
    EVP_EncodeBlock((unsigned char *)out, id_be, 4);
}

int xp_keyname_parse(const xmlChar *text, uint32_t *spk_id)
{
    char trimmed[16];
    size_t n = 0;
    for (const xmlChar *p = text; p && *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            continue;
        if (n + 1 >= sizeof(trimmed))
            return -1;
        trimmed[n++] = (char)*p;
    }
    trimmed[n] = '\0';
    if (n != 8 || strcmp(trimmed + 6, "==") != 0)
        return -1;
    unsigned char raw[6];
    if (EVP_DecodeBlock(raw, (const unsigned char *)trimmed, 8) != 6)
        return -1;
    char again[XP_KEYNAME_LEN];
    *spk_id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
    xp_keyname(*spk_id, again);
    return strcmp(again, trimmed) == 0 ? 0 : -1; /* canonical encoding only */
}

static int key_index(const mcsec_xmlprot_t *prot, uint32_t spk_id)
{
    for (size_t i = 0; i < prot->spk_count; i++)
        if (prot->spk_ids[i] == spk_id)
            return (int)i;
    return -1;
}

bool xp_has_key(const mcsec_xmlprot_t *prot, uint32_t spk_id)
{
    return key_index(prot, spk_id) >= 0;
}

xmlSecKeyPtr xp_conf_key(const mcsec_xmlprot_t *prot, uint32_t spk_id)
{
    int i = key_index(prot, spk_id);
    return i < 0 ? NULL : prot->conf_keys[i];
}

xmlSecKeyPtr xp_integ_key(const mcsec_xmlprot_t *prot, uint32_t spk_id)
{
    int i = key_index(prot, spk_id);
    return i < 0 ? NULL : prot->integ_keys[i];
}

void xp_enc_ctx_done(mcsec_xmlprot_t *prot)
{
    prot->enc_ctx->encKey = NULL; /* borrowed from prot->conf_keys */
    xmlSecEncCtxReset(prot->enc_ctx);
}

void mcsec_body_free(mcsec_body_t *body)
{
    if (!body)
        return;
    free(body->content_type);
    free(body->data);
    body->content_type = NULL;
    body->data = NULL;
    body->len = 0;
}

/* One derived key as an xmlsec key named base64(SPK-ID). */
static xmlSecKeyPtr derived_key(xmlSecKeyDataId id, const uint8_t *spk, uint8_t fc, uint32_t spk_id,
                                const char *identity)
{
    uint8_t derived[MCSEC_XPK_KEY_LEN];
    char name[XP_KEYNAME_LEN];
    if (mcsec_kdf_xpk(spk, MCSEC_SPK_LEN, fc, spk_id, identity, strlen(identity), derived) !=
        MCSEC_OK)
        return NULL;
    xmlSecKeyPtr key = xmlSecKeyReadMemory(id, derived, sizeof(derived));
    OPENSSL_cleanse(derived, sizeof(derived));
    xp_keyname(spk_id, name);
    if (key && xmlSecKeySetName(key, BAD_CAST name) < 0) {
        xmlSecKeyDestroy(key);
        key = NULL;
    }
    return key;
}

/* The reusable encryption context: our transform allow-list, no URIs,
 * KeyInfo restricted as for every xmlsec context we run. */
static xmlSecEncCtxPtr new_enc_ctx(void)
{
    xmlSecEncCtxPtr ctx = xmlSecEncCtxCreate(NULL);
    if (!ctx)
        return NULL;
    if (xmlSecPtrListCopy(&ctx->transformCtx.enabledTransforms, xp_enc_transforms()) < 0 ||
        xp_restrict_keyinfo(&ctx->keyInfoReadCtx, xmlSecKeyDataAesId) != MCSEC_OK) {
        xmlSecEncCtxDestroy(ctx);
        return NULL;
    }
    ctx->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    return ctx;
}

static bool name_in(const char *name, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

static mcsec_err_t copy_conf_lists(mcsec_xmlprot_t *prot, const mcsec_xmlprot_conf_t *conf)
{
    static const char *const default_elements[] = {
        "mcptt-request-uri",     "mcptt-calling-user-id",
        "mcptt-called-party-id", "mcptt-calling-group-id",
        "associated-group-id",   "originated-by",
        "mcptt-client-id",       "functional-alias-URI",
        "emergency-ind",         "alert-ind",
        "imminentperil-ind"};
    const char *const *elements = conf->elements;
    size_t count = conf->element_count;
    prot->default_elements = elements == NULL;
    if (!elements) {
        elements = default_elements;
        count = sizeof(default_elements) / sizeof(default_elements[0]);
    }
    if (count > XP_MAX_ELEMENTS)
        return MCSEC_ERR_ARG;
    for (size_t i = 0; i < count; i++) {
        if (!elements[i] || name_in(elements[i], elements, i))
            continue;
        prot->elements[prot->element_count] = strdup(elements[i]);
        if (!prot->elements[prot->element_count])
            return MCSEC_ERR_NOMEM;
        prot->element_count++;
    }
    if (conf->signed_type_count > MCSEC_XMLPROT_MAX_PARTS)
        return MCSEC_ERR_ARG;
    if (conf->signed_type_count) {
        prot->signed_types = calloc(conf->signed_type_count, sizeof(char *));
        if (!prot->signed_types)
            return MCSEC_ERR_NOMEM;
    }
    for (size_t i = 0; i < conf->signed_type_count; i++) {
        prot->signed_types[i] = strdup(conf->signed_types[i] ? conf->signed_types[i] : "");
        if (!prot->signed_types[i])
            return MCSEC_ERR_NOMEM;
        prot->signed_type_count++;
    }
    return MCSEC_OK;
}

mcsec_err_t mcsec_xmlprot_create(const mcsec_xmlprot_conf_t *conf, mcsec_xmlprot_t **out)
{
    if (!conf || !out || !conf->keys || !conf->identity || !*conf->identity ||
        mcsec_keystore_count(conf->keys) == 0 || (conf->element_count && !conf->elements) ||
        (conf->signed_type_count && !conf->signed_types))
        return MCSEC_ERR_ARG;
    *out = NULL;
    mcsec_err_t rc = mcsec_xmlprot_global_init();
    if (rc != MCSEC_OK)
        return rc;
    mcsec_xmlprot_t *prot = calloc(1, sizeof(*prot));
    if (!prot)
        return MCSEC_ERR_NOMEM;
    prot->max_body = conf->max_body && conf->max_body < MCSEC_XMLPROT_MAX_BODY
                         ? conf->max_body
                         : MCSEC_XMLPROT_MAX_BODY;
    prot->max_depth = conf->max_depth ? conf->max_depth : MCSEC_XMLPROT_MAX_DEPTH;
    prot->identity = strdup(conf->identity);
    rc = prot->identity ? copy_conf_lists(prot, conf) : MCSEC_ERR_NOMEM;
    if (rc != MCSEC_OK)
        goto fail;
    rc = MCSEC_ERR_NOMEM;
    prot->enc_ctx = new_enc_ctx();
    if (!prot->enc_ctx)
        goto fail;
    size_t count = mcsec_keystore_count(conf->keys);
    if (count > MCSEC_KEYSTORE_MAX_KEYS)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        uint32_t spk_id;
        const uint8_t *spk;
        if (mcsec_keystore_at(conf->keys, i, &spk_id, &spk) != MCSEC_OK)
            goto fail;
        prot->conf_keys[i] =
            derived_key(xmlSecKeyDataAesId, spk, MCSEC_KDF_FC_XPK_CONF, spk_id, conf->identity);
        prot->integ_keys[i] =
            derived_key(xmlSecKeyDataHmacId, spk, MCSEC_KDF_FC_XPK_INTEG, spk_id, conf->identity);
        prot->spk_ids[i] = spk_id;
        prot->spk_count = i + 1;
        if (!prot->conf_keys[i] || !prot->integ_keys[i])
            goto fail;
    }
    prot->current = count - 1;
    xp_keyname(prot->spk_ids[prot->current], prot->current_name);
    *out = prot;
    return MCSEC_OK;
fail:
    mcsec_xmlprot_destroy(prot);
    return rc;
}

void mcsec_xmlprot_destroy(mcsec_xmlprot_t *prot)
{
    if (!prot)
        return;
    /* xmlsec wipes binary key data (xmlSecBufferFinalize) when a key is
     * destroyed. */
    if (prot->enc_ctx) {
        prot->enc_ctx->encKey = NULL; /* never owned */
        xmlSecEncCtxDestroy(prot->enc_ctx);
    }
    for (size_t i = 0; i < prot->spk_count; i++) {
        if (prot->conf_keys[i])
            xmlSecKeyDestroy(prot->conf_keys[i]);
        if (prot->integ_keys[i])
            xmlSecKeyDestroy(prot->integ_keys[i]);
    }
    for (size_t i = 0; i < prot->element_count; i++)
        free(prot->elements[i]);
    for (size_t i = 0; i < prot->signed_type_count; i++)
        free(prot->signed_types[i]);
    free(prot->signed_types);
    free(prot->identity);
    OPENSSL_cleanse(prot, sizeof(*prot));
    free(prot);
}
