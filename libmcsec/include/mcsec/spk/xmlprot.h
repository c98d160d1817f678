/* Shared-SPK protection of SIP-3 XML bodies (TS 33.180 clause 9, TS 24.379
 * Annex F) with libxml2 and xmlsec1 (OpenSSL back end).
 *
 * Every protectable type (docs/protectable-types.md: mcptt-info,
 * mcvideo-info, mcdata-info) is treated as mcptt-info is below, each with
 * its namespace and default elements; the *_doc functions take
 * mcptt-info only.
 * Confidentiality: the child of each listed contentType element of an
 * mcptt-info document becomes an xenc:EncryptedData (Type Element,
 * aes128-gcm, KeyName = base64 of the SPK-ID, key = KDF(SPK, 0x51, P0 =
 * identity, P1 = SPK-ID)) and the element gets type="Encrypted".
 * Integrity: an application/vnd.3gpp.mcptt-signed+xml part holding an
 * HMAC-SHA-256 XML signature (C14N 1.0, SHA-256, Reference URI = cid: of each
 * signed part, key = KDF(SPK, 0x52, ...)).
 *
 * One mcsec_xmlprot_t is one direction for one partner: it holds the keys
 * derived from one SPK file with one identity (P0 = the border that applies
 * the protection: ours when protecting, the partner's when unprotecting).
 * A KeyName is looked up only among these keys (the partner's). The key
 * objects and an xmlsec encryption context are made once, at create time,
 * and reused by every call. An object is not thread-safe; use one per
 * thread (Kamailio: one per process) or serialise calls.
 *
 * Hostile input: XML is parsed with no network, no DTD (a document with one
 * is refused), no entity substitution, bounded size and depth; xmlsec may
 * resolve only cid: references to parts of the message being processed and
 * may use only the transforms named above. Errors are returned, never
 * printed; nothing secret reaches the result's detail text. */
#ifndef MCSEC_XMLPROT_H
#define MCSEC_XMLPROT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/mime/mime.h"
#include "mcsec/spk/keystore.h"
#include "mcsec/util/reason.h"
#include "mcsec/util/status.h"

#define MCSEC_CT_MCPTT_INFO "application/vnd.3gpp.mcptt-info+xml"
#define MCSEC_CT_MCPTT_SIGNED "application/vnd.3gpp.mcptt-signed+xml"
#define MCSEC_NS_MCPTT_INFO "urn:3gpp:ns:mcpttInfo:1.0"
#define MCSEC_NS_MCPTT_SIGNED "urn:3gpp:ns:mcpttSignedDoc:1.0"
/* The other protectable types (docs/protectable-types.md): protected,
 * signed and refused when clear under spk.mode required like mcptt-info. */
#define MCSEC_CT_MCVIDEO_INFO "application/vnd.3gpp.mcvideo-info+xml"
#define MCSEC_NS_MCVIDEO_INFO "urn:3gpp:ns:mcvideoInfo:1.0"
#define MCSEC_CT_MCDATA_INFO "application/vnd.3gpp.mcdata-info+xml"
#define MCSEC_NS_MCDATA_INFO "urn:3gpp:ns:mcdataInfo:1.0"

#define MCSEC_XMLPROT_MAX_BODY 65536 /* default and hard upper bound, octets */
#define MCSEC_XMLPROT_MAX_DEPTH 32   /* default element nesting limit */

/* Whether type (lower case type/subtype) is a protectable info type:
 * mcptt-info, mcvideo-info or mcdata-info (docs/protectable-types.md). */
bool mcsec_xmlprot_is_info_type(const char *type);

/* The same table's namespace, root element and the local names of the
 * elements that carry MC service IDs (docs/protectable-types.md, last
 * column) of an info type, for the body identity check
 * (mcsec/bodyid/bodyid.h). false when type is no info type. */
bool mcsec_xmlprot_info_ids(const char *type, const char **ns, const char **root,
                            const char *const **names, size_t *count);

/* Process-wide initialisation of libxml2 and xmlsec1 (crypto back end, the
 * cid: resolver as the only URI resolver, silenced error output).
 * Idempotent and thread-safe; mcsec_xmlprot_create() calls it. Adapters may
 * call it early (Kamailio: in mod_init, before forking). */
mcsec_err_t mcsec_xmlprot_global_init(void);

/* Releases what global_init set up; only at process exit, after every
 * object is destroyed. */
void mcsec_xmlprot_global_cleanup(void);

typedef struct {
    const mcsec_keystore_t *keys; /* borrowed; read only at create time */
    const char *identity;         /* protecting border's MC service ID URI (P0) */
    /* Local names of the mcptt-info elements to encrypt; NULL = the default
     * list (the eleven contentType elements of TS 24.379 Annex F,
     * docs/profile.md section 5, plus any element carrying
     * type="Normal"); an empty list (count 0, non-NULL)
     * encrypts nothing (integrity only). */
    const char *const *elements;
    size_t element_count;
    /* Content types (lower case type/subtype) of further XML parts to sign
     * besides mcptt-info, e.g. "application/resource-lists+xml". */
    const char *const *signed_types;
    size_t signed_type_count;
    size_t max_body;    /* 0 = MCSEC_XMLPROT_MAX_BODY */
    unsigned max_depth; /* 0 = MCSEC_XMLPROT_MAX_DEPTH */
} mcsec_xmlprot_conf_t;

typedef struct mcsec_xmlprot mcsec_xmlprot_t;

/* Derives the confidentiality and integrity keys of every key in conf->keys
 * and builds the key managers. The keystore may be destroyed afterwards.
 * MCSEC_ERR_ARG on a missing keystore or identity. */
mcsec_err_t mcsec_xmlprot_create(const mcsec_xmlprot_conf_t *conf, mcsec_xmlprot_t **out);

/* Frees the object and its derived keys; NULL is a no-op. */
void mcsec_xmlprot_destroy(mcsec_xmlprot_t *prot);

/* Why an operation failed: a reason code (MCSEC_REASON_NONE on success) and
 * a short text for logs. */
typedef struct {
    mcsec_reason_t reason;
    char detail[160];
    /* Unprotect: the SPK-ID of the first EncryptedData whose KeyName names
     * a key of this object (has_spk_id false when none was read), for the
     * per-key counters of the proxies. */
    uint32_t spk_id;
    bool has_spk_id;
} mcsec_xmlprot_result_t;

/* The SPK-ID protect uses: the current (last) key of the object. */
uint32_t mcsec_xmlprot_current_id(const mcsec_xmlprot_t *prot);

/* A body: content type (full header value) and octets. Outputs are
 * malloc'd, NUL terminated for convenience, and freed with
 * mcsec_body_free(). */
typedef struct {
    char *content_type;
    uint8_t *data;
    size_t len;
} mcsec_body_t;

void mcsec_body_free(mcsec_body_t *body);

/* ---- one mcptt-info document (confidentiality only) -------------------- */

/* Encrypts the listed elements of an mcptt-info document with the current
 * (last) key. Elements already type="Encrypted" are left as they are.
 * Failure: MCSEC_ERR_PARSE (not acceptable XML: reason spk.malformed),
 * MCSEC_ERR_INVALID, MCSEC_ERR_NOMEM. */
mcsec_err_t mcsec_xmlprot_protect_doc(mcsec_xmlprot_t *prot, const uint8_t *xml, size_t len,
                                      mcsec_body_t *out, mcsec_xmlprot_result_t *result);

/* Decrypts every EncryptedData of an mcptt-info document with whichever key
 * of the store its KeyName names; elements get type="Normal". When nothing
 * is encrypted: MCSEC_ERR_INVALID with spk.missing if required, else a
 * copy. Rejections return MCSEC_ERR_INVALID (or MCSEC_ERR_PARSE) with
 * spk.unknown_key, spk.bad_tag or spk.malformed. */
mcsec_err_t mcsec_xmlprot_unprotect_doc(mcsec_xmlprot_t *prot, const uint8_t *xml, size_t len,
                                        bool required, mcsec_body_t *out,
                                        mcsec_xmlprot_result_t *result);

/* ---- SIP bodies (single XML body or multipart/mixed) ------------------- */

/* Protects a body: encrypts mcptt-info, adds a Content-ID to each part to
 * sign, signs them and appends the signature part; a single body becomes
 * multipart/mixed. A body with no mcptt-info and no listed XML part is
 * copied unchanged. Non-XML parts are copied byte-exact with their headers.
 * A body that already carries a signature part is refused (MCSEC_ERR_INVALID). */
mcsec_err_t mcsec_xmlprot_protect_body(mcsec_xmlprot_t *prot, const char *content_type,
                                       const uint8_t *body, size_t len, mcsec_body_t *out,
                                       mcsec_xmlprot_result_t *result);

/* Reverses protect_body: verifies the signature (which must cover the
 * mcptt-info part and every part of a listed type), then decrypts; returns
 * the clear mcptt-info and the other parts untouched, without the signature
 * part (a single remaining part is returned as a single body). A body with
 * mcptt-info but no signature: spk.missing when required, else decrypted
 * as found. A body without mcptt-info or signature is copied unchanged. */
mcsec_err_t mcsec_xmlprot_unprotect_body(mcsec_xmlprot_t *prot, const char *content_type,
                                         const uint8_t *body, size_t len, bool required,
                                         mcsec_body_t *out, mcsec_xmlprot_result_t *result);

/* ---- re-protection without parsing the clear body again ------------- */

/* The clear mcptt-info tree behind a body unprotect_body_kept returned;
 * opaque, owned by the caller until handed to reprotect_body or freed. */
typedef struct mcsec_xmlprot_kept mcsec_xmlprot_kept_t;

/* mcsec_xmlprot_unprotect_body(), which in addition hands out in *kept the
 * tree of the clear mcptt-info part of *out (NULL when out has none, and on
 * failure). kept stays tied to out's octets: it serves only while out is
 * unchanged and alive. MCSEC_ERR_ARG when kept is NULL. */
mcsec_err_t mcsec_xmlprot_unprotect_body_kept(mcsec_xmlprot_t *prot, const char *content_type,
                                              const uint8_t *body, size_t len, bool required,
                                              mcsec_body_t *out, mcsec_xmlprot_kept_t **kept,
                                              mcsec_xmlprot_result_t *result);

/* Exactly mcsec_xmlprot_protect_body(prot, clear->content_type,
 * clear->data, clear->len, out, result) (same checks, limits, reasons and
 * output), except that the mcptt-info part is not parsed again when kept
 * came with clear from unprotect_body_kept (prot may be another object:
 * unprotect with the partner's, re-protect with the internal SPK). A kept
 * that belongs to other octets (NULL, or a body rewritten in between) is
 * ignored. Always consumes kept. */
mcsec_err_t mcsec_xmlprot_reprotect_body(mcsec_xmlprot_t *prot, const mcsec_body_t *clear,
                                         mcsec_xmlprot_kept_t *kept, mcsec_body_t *out,
                                         mcsec_xmlprot_result_t *result);

/* Frees a kept tree; NULL is a no-op. */
void mcsec_xmlprot_kept_free(mcsec_xmlprot_kept_t *kept);

#endif
