/* Private to the xmlprot_*.c files: the object and the helpers each file
 * offers the others (the MIME splitter they build on is mime's,
 * mime/mime_split_internal.h). */
#ifndef MCSEC_XMLPROT_INTERNAL_H
#define MCSEC_XMLPROT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmlsec.h>

#include "mcsec/mime/mime.h"
#include "mcsec/spk/kdf.h"
#include "mcsec/spk/keystore.h"
#include "mcsec/spk/xmlprot.h"
#include "mime/mime_split_internal.h"

#define XP_NS_XENC "http://www.w3.org/2001/04/xmlenc#"
#define XP_NS_DSIG "http://www.w3.org/2000/09/xmldsig#"
#define XP_ALG_AES128_GCM "http://www.w3.org/2009/xmlenc11#aes128-gcm"
#define XP_ALG_HMAC_SHA256 "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
#define XP_ALG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"
#define XP_ALG_C14N "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define XP_TYPE_ELEMENT "http://www.w3.org/2001/04/xmlenc#Element"
#define XP_KEYNAME_LEN 9 /* base64 of 4 octets, NUL terminated */
#define XP_MAX_ELEMENTS 64
#define XP_MAX_REFS MCSEC_XMLPROT_MAX_PARTS

struct mcsec_xmlprot {
    /* Derived once at create time, owned, named base64(SPK-ID); entry i
     * belongs to spk_ids[i]. The confidentiality keys are used with EVP
     * directly (xmlprot_gcm.c), the integrity keys are xmlsec keys that
     * xmlsec only borrows (a signature context's signKey). No key is
     * copied or looked up through a key manager per message: our own
     * KeyName check (xp_has_key / xp_integ_key) picks the key. */
    uint8_t conf_raw[MCSEC_KEYSTORE_MAX_KEYS][MCSEC_XPK_KEY_LEN]; /* AES (FC 0x51) */
    xmlSecKeyPtr integ_keys[MCSEC_KEYSTORE_MAX_KEYS];             /* HMAC (FC 0x52) */
    uint32_t spk_ids[MCSEC_KEYSTORE_MAX_KEYS];
    size_t spk_count;
    size_t current; /* index of the protecting keys (last line) */
    char current_name[XP_KEYNAME_LEN];
    /* AES-128-GCM, fetched once, and one cipher context for every
     * EncryptedData this object writes or reads (re-keyed per element). */
    EVP_CIPHER *gcm;
    EVP_CIPHER_CTX *gcm_ctx;
    int gcm_keyed;  /* the key index gcm_ctx is keyed with; -1: none */
    char *identity; /* P0 of the derived keys; host part names generated
                       Content-IDs */
    char *elements[XP_MAX_ELEMENTS];
    size_t element_count;
    bool default_elements;
    char **signed_types;
    size_t signed_type_count;
    size_t max_body;
    unsigned max_depth;
};

/* ---- protectable types (xmlprot_types.c) ---- */
/* An MC service info document TS 33.180 clause 9 protects: its content
 * type, namespace, root element, default elements to encrypt and the
 * elements that carry MC service IDs. Index 0 is mcptt-info. */
typedef struct {
    const char *content_type;
    const char *ns;
    const char *root;
    const char *const *defaults;
    size_t default_count;
    const char *const *ids; /* the elements that carry MC service IDs */
    size_t id_count;
} xp_info_type_t;
#define XP_INFO_TYPES 3
const xp_info_type_t *xp_info_type_at(size_t index);
/* Index of a lower case type/subtype among the info types; -1 if none. */
int xp_info_type_index(const char *content_type);
/* The root element of doc when it is type's root in type's namespace;
 * otherwise NULL, with result set to spk.malformed naming both. */
xmlNodePtr xp_info_root(const xp_info_type_t *type, xmlDocPtr doc, mcsec_xmlprot_result_t *result);

/* Sets result to reason + detail and returns err (for one-line returns). */
mcsec_err_t xp_fail(mcsec_xmlprot_result_t *result, mcsec_err_t err, mcsec_reason_t reason,
                    const char *detail);

/* base64 of a 4-octet SPK-ID, and back (0 on success). */
void xp_keyname(uint32_t spk_id, char out[XP_KEYNAME_LEN]);
int xp_keyname_parse(const xmlChar *text, uint32_t *spk_id);
bool xp_has_key(const mcsec_xmlprot_t *prot, uint32_t spk_id);
/* The derived integrity key of spk_id (borrowed, owned by prot); NULL
 * when the partner's file has no such SPK-ID. */
xmlSecKeyPtr xp_integ_key(const mcsec_xmlprot_t *prot, uint32_t spk_id);

/* ---- AES-128-GCM of the EncryptedData profile (xmlprot_gcm.c) ---- */
#define XP_GCM_IV_LEN 12
/* Encrypts plain under the current key with iv (fresh random, never used
 * before); *b64 gets the CipherValue text (malloc'ed, NUL terminated). */
mcsec_err_t xp_gcm_seal(mcsec_xmlprot_t *prot, const uint8_t iv[XP_GCM_IV_LEN],
                        const uint8_t *plain, size_t len, char **b64, size_t *b64_len);
/* Decodes and decrypts a CipherValue text under spk_id's key; *plain is
 * malloc'ed. MCSEC_ERR_INVALID for bad base64, a short value, an unknown
 * key or a tag that does not verify. */
mcsec_err_t xp_gcm_open(mcsec_xmlprot_t *prot, uint32_t spk_id, const char *b64, uint8_t **plain,
                        size_t *len);

/* ---- safe parsing (xmlprot_parse.c) ---- */

/* Parses untrusted XML: no network, DTD refused, no entity substitution,
 * len <= max_body, depth <= max_depth. NULL on refusal. */
xmlDocPtr xp_parse(const mcsec_xmlprot_t *prot, const uint8_t *xml, size_t len);
/* The same with explicit limits, for XML work outside an xmlprot object
 * (topology hiding of mcptt-info elements). */
xmlDocPtr xp_parse_limited(const uint8_t *xml, size_t len, size_t max_body, unsigned max_depth);
bool xp_depth_ok(const mcsec_xmlprot_t *prot, xmlNodePtr root);
mcsec_err_t xp_serialize(xmlDocPtr doc, uint8_t **out, size_t *out_len);
bool xp_node_is(const xmlNode *node, const char *ns, const char *name);
xmlNodePtr xp_first_child_element(xmlNodePtr node);
size_t xp_count_child_elements(const xmlNode *node);

/* ---- xmlsec contexts (xmlprot_ctx.c) ---- */
/* Transform allow-lists, filled once by global_init. */
xmlSecPtrListPtr xp_sig_transforms(void);
xmlSecPtrListPtr xp_ref_transforms(void);
mcsec_err_t xp_restrict_keyinfo(xmlSecKeyInfoCtxPtr ctx, xmlSecKeyDataId value_id);

/* ---- cid: resolver (xmlprot_cid.c) ---- */
typedef struct {
    const char *cid; /* without "cid:" and angle brackets */
    size_t cid_len;
    const uint8_t *data;
    size_t len;
} xp_cid_part_t;

/* Sets the parts the cid: resolver may return for the calling thread; pass
 * (NULL, 0) once the xmlsec call is over. */
void xp_cid_set_parts(const xp_cid_part_t *parts, size_t count);
int xp_cid_register(void);

/* ---- documents (xmlprot_encrypt.c, xmlprot_decrypt.c) ---- */
/* Parser options of a decrypted Element's content (xmlParseInNodeContext
 * in the context of its parent): those of xp_parse less the DTD hooks,
 * which a fragment cannot use, so the tree equals what xp_parse makes of
 * its serialization. xmlsec gets the same for its own parses. */
#define XP_FRAGMENT_OPTIONS                                                                        \
    (XML_PARSE_NONET | XML_PARSE_NODICT | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |                \
     XML_PARSE_NOCDATA | XML_PARSE_NSCLEAN)
mcsec_err_t xp_encrypt_doc(mcsec_xmlprot_t *prot, const xp_info_type_t *type, xmlDocPtr doc,
                           size_t *encrypted, mcsec_xmlprot_result_t *result);
/* Decrypts all; *found = number of EncryptedData met. Decrypted content
 * is parsed with XP_FRAGMENT_OPTIONS. */
mcsec_err_t xp_decrypt_doc(mcsec_xmlprot_t *prot, const xp_info_type_t *type, xmlDocPtr doc,
                           size_t *found, mcsec_xmlprot_result_t *result);

/* ---- signature (xmlprot_sign.c, xmlprot_verify.c) ---- */
/* Builds the serialized <signatures> document over parts. */
mcsec_err_t xp_sign_parts(mcsec_xmlprot_t *prot, const xp_cid_part_t *parts, size_t count,
                          uint8_t **out, size_t *out_len, mcsec_xmlprot_result_t *result);
/* Verifies a <signatures> document (parsed by xp_parse, still owned by the
 * caller) against the message's parts; covered[i] is set when parts[i] is
 * referenced by a verified Reference. */
mcsec_err_t xp_verify_parts(mcsec_xmlprot_t *prot, xmlDocPtr doc, const xp_cid_part_t *parts,
                            size_t count, bool *covered, mcsec_xmlprot_result_t *result);

#endif
