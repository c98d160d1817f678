/* GKTP payloads in a message body (mcsec/gmk/gmk_check.h): every MIME leaf
 * through the one walker (mcsec/mime/mime.h), every XML leaf through the SPK
 * code's hardened parser, every element named GKTP in the parsed tree
 * checked, replay recorded only once all of them passed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "mcsec/mime/mime.h"

#include "gmk_check_internal.h"
#include "spk/xmlprot_internal.h"

#define GKTP_NAME "GKTP"

typedef struct {
    const mcsec_gmk_policy_t *policy; /* NULL: count only */
    size_t count;                     /* payloads checked so far */
    uint8_t ids[MCSEC_GMK_MAX_PAYLOADS][MCSEC_REPLAY_ID_LEN];
    int64_t times[MCSEC_GMK_MAX_PAYLOADS];
    uint8_t octets[MCSEC_MIKEY_MAX_LEN]; /* one decoded payload at a time */
    char *detail;
    size_t detail_size;
} scan_t;

static mcsec_reason_t malformed(scan_t *scan, const char *text)
{
    if (scan->detail != NULL && scan->detail_size > 0) {
        snprintf(scan->detail, scan->detail_size, "%s", text);
    }
    return MCSEC_REASON_GMK_MALFORMED;
}

static bool mentions_gktp(const uint8_t *data, size_t len)
{
    size_t name_len = strlen(GKTP_NAME);
    for (size_t i = 0; i + name_len <= len; i++) {
        if (memcmp(data + i, GKTP_NAME, name_len) == 0) {
            return true;
        }
    }
    return false;
}

static bool has_child_element(const xmlNode *node)
{
    for (const xmlNode *child = node->children; child != NULL; child = child->next) {
        if (child->type == XML_ELEMENT_NODE) {
            return true;
        }
    }
    return false;
}

/* Checks one GKTP element's payload (without recording it). */
static mcsec_reason_t check_element(scan_t *scan, xmlNodePtr node)
{
    if (scan->count >= MCSEC_GMK_MAX_PAYLOADS) {
        return malformed(scan, "too many GKTP elements");
    }
    if (scan->policy == NULL) {
        scan->count++;
        return MCSEC_REASON_NONE;
    }
    if (has_child_element(node)) {
        return malformed(scan, "GKTP element with child elements");
    }
    xmlChar *content = xmlNodeGetContent(node);
    if (content == NULL) {
        return malformed(scan, "GKTP element without content");
    }
    size_t len = 0;
    mcsec_err_t err = mcsec_mikey_decode_hex(content, strlen((const char *)content), scan->octets,
                                             sizeof(scan->octets), &len);
    xmlFree(content);
    if (err != MCSEC_OK) {
        return malformed(scan, "GKTP content is not hex of at most 4096 octets");
    }
    mcsec_mikey_t msg;
    if (mcsec_mikey_parse(scan->octets, len, &msg) != MCSEC_OK) {
        return malformed(scan, "GKTP payload is not a MIKEY-SAKKE I_MESSAGE of our profile");
    }
    mcsec_reason_t reason =
        mcsec_gmk_check_unrecorded(&msg, scan->policy, scan->detail, scan->detail_size);
    if (reason == MCSEC_REASON_NONE) {
        mcsec_gmk_replay_id(&msg, scan->ids[scan->count]);
        scan->times[scan->count] = mcsec_mikey_unix_time(&msg);
        scan->count++;
    }
    return reason;
}

/* Depth-first over the elements; the parser bounded the depth. */
static mcsec_reason_t walk(scan_t *scan, xmlNodePtr node)
{
    for (xmlNodePtr cur = node; cur != NULL; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE) {
            continue;
        }
        mcsec_reason_t reason = MCSEC_REASON_NONE;
        if (cur->name != NULL && strcmp((const char *)cur->name, GKTP_NAME) == 0) {
            reason = check_element(scan, cur);
        } else {
            reason = walk(scan, cur->children);
        }
        if (reason != MCSEC_REASON_NONE) {
            return reason;
        }
    }
    return MCSEC_REASON_NONE;
}

/* One leaf part. Decided on the parsed document, never on byte patterns
 * (docs/gmk.md): every XML leaf is parsed, whatever its encoding (libxml2
 * decodes a declared or marked one, as the GMS would), and its tree walked
 * for GKTP elements; an XML leaf that does not parse within the limits is
 * refused, since nothing can be said of it. A leaf of another type is
 * parsed too when it spells "GKTP" in ASCII (a receiver might still read
 * it as XML). */
static mcsec_reason_t scan_part(scan_t *scan, const char *type, const uint8_t *data, size_t len)
{
    bool xml = mcsec_mime_is_xml(type);
    if (len == 0 || (!xml && !mentions_gktp(data, len))) {
        return MCSEC_REASON_NONE;
    }
    mcsec_xmlprot_t limits;
    memset(&limits, 0, sizeof(limits));
    limits.max_body = MCSEC_XMLPROT_MAX_BODY;
    limits.max_depth = MCSEC_XMLPROT_MAX_DEPTH;
    xmlDocPtr doc = xp_parse(&limits, data, len);
    if (doc == NULL) {
        return malformed(scan, xml ? "an XML body part is not well-formed XML within the limits"
                                   : "a body part naming GKTP is not well-formed XML within "
                                     "the limits");
    }
    mcsec_reason_t reason = walk(scan, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return reason;
}

/* The walker's visitor: every leaf, at any depth. */
typedef struct {
    scan_t *scan;
    mcsec_reason_t reason;
} visit_t;

static int visit_leaf(const mcsec_mime_part_t *part, void *arg)
{
    visit_t *v = arg;
    if (part->container) {
        return 0;
    }
    v->reason = scan_part(v->scan, part->type, part->body, part->body_len);
    return v->reason != MCSEC_REASON_NONE;
}

static mcsec_reason_t scan_mime(scan_t *scan, const char *content_type, const uint8_t *body,
                                size_t len)
{
    visit_t v = {scan, MCSEC_REASON_NONE};
    const char *fault = NULL;
    mcsec_err_t rc =
        mcsec_mime_walk(content_type, strlen(content_type), body, len, visit_leaf, &v, &fault);
    if (v.reason != MCSEC_REASON_NONE) {
        return v.reason;
    }
    if (rc != MCSEC_OK) {
        char text[160];
        snprintf(text, sizeof(text), "body cannot be walked: %s",
                 fault != NULL ? fault : "refused");
        return malformed(scan, text);
    }
    return MCSEC_REASON_NONE;
}

/* Scans the body; with a policy, also records the payloads that passed. */
static mcsec_reason_t scan_body(const char *content_type, const uint8_t *body, size_t len,
                                const mcsec_gmk_policy_t *policy, size_t *checked, char *detail,
                                size_t detail_size)
{
    if (checked != NULL) {
        *checked = 0;
    }
    if (detail != NULL && detail_size > 0) {
        detail[0] = '\0';
    }
    if (body == NULL || len == 0) {
        return MCSEC_REASON_NONE;
    }
    scan_t *scan = calloc(1, sizeof(*scan));
    if (scan == NULL) {
        if (detail != NULL && detail_size > 0) {
            snprintf(detail, detail_size, "out of memory");
        }
        return MCSEC_REASON_POLICY_UNAVAILABLE;
    }
    scan->policy = policy;
    scan->detail = detail;
    scan->detail_size = detail_size;
    mcsec_reason_t reason = scan_mime(
        scan, content_type != NULL ? content_type : "application/octet-stream", body, len);
    for (size_t i = 0; policy != NULL && reason == MCSEC_REASON_NONE && i < scan->count; i++) {
        reason = mcsec_gmk_record_id(scan->ids[i], scan->times[i], policy, detail, detail_size);
    }
    if (checked != NULL) {
        *checked = scan->count;
    }
    free(scan);
    return reason;
}

mcsec_reason_t mcsec_gmk_check_body(const char *content_type, const uint8_t *body, size_t len,
                                    const mcsec_gmk_policy_t *policy, size_t *checked, char *detail,
                                    size_t detail_size)
{
    if (policy == NULL) {
        if (detail != NULL && detail_size > 0) {
            snprintf(detail, detail_size, "no GMK transfer policy");
        }
        return MCSEC_REASON_POLICY_UNAVAILABLE;
    }
    return scan_body(content_type, body, len, policy, checked, detail, detail_size);
}

mcsec_reason_t mcsec_gmk_count_body(const char *content_type, const uint8_t *body, size_t len,
                                    size_t *count, char *detail, size_t detail_size)
{
    return scan_body(content_type, body, len, NULL, count, detail, detail_size);
}
