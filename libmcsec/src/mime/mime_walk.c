/* The MIME walker (mcsec/mime/mime.h, docs/mime.md): recursion over multipart/...
 * containers on top of the bounded one-level splitter of
 * xmlprot_multipart.c, with the depth, part count and Content-ID rules,
 * and the UTF-8 rule for XML content. Views only; the walk state (seen
 * Content-IDs) lives on the stack. */
#include <string.h>
#include <strings.h>

#include "mcsec/mime/mime.h"

#include "util/utf8_internal.h"
#include "mime_split_internal.h"

typedef struct {
    mcsec_mime_visit_fn visit;
    void *arg;
    const char *fault;
    size_t count; /* parts visited so far */
    /* The Content-IDs met so far (a part's own copy is gone once its
     * container's frame returns). */
    char cids[MCSEC_MIME_MAX_PARTS][MCSEC_MIME_CID_SIZE];
    size_t cid_count;
} walk_t;

static mcsec_err_t fail(walk_t *w, const char *fault)
{
    w->fault = fault;
    return MCSEC_ERR_PARSE;
}

/* Records part's Content-ID; false when an earlier part has the same one. */
static bool cid_unique(walk_t *w, const mcsec_mime_part_t *part)
{
    if (!part->cid[0])
        return true;
    for (size_t i = 0; i < w->cid_count; i++)
        if (strcasecmp(w->cids[i], part->cid) == 0)
            return false;
    memcpy(w->cids[w->cid_count++], part->cid, sizeof(part->cid));
    return true;
}

/* Visits node (filled but for index and container), then its parts. */
static mcsec_err_t walk_node(walk_t *w, mcsec_mime_part_t *node)
{
    if (w->count == MCSEC_MIME_MAX_PARTS)
        return fail(w, "more parts in the body than the limit");
    node->index = w->count++;
    node->container = strncmp(node->type, "multipart/", 10) == 0;
    if (!cid_unique(w, node))
        return fail(w, "two parts with the same Content-ID");
    if (w->visit && w->visit(node, w->arg) != 0)
        return MCSEC_ERR_INVALID;
    if (!node->container)
        return MCSEC_OK;
    if (node->depth + 1 > MCSEC_MIME_MAX_DEPTH)
        return fail(w, "multipart nested deeper than the limit");
    xp_mime_t mime;
    if (xp_mime_split(node->ct_value, node->ct_value_len, node->body, node->body_len, &mime) !=
        MCSEC_OK)
        return fail(w, mime.fault ? mime.fault : "multipart body cannot be split");
    for (size_t i = 0; i < mime.count; i++) {
        mcsec_mime_part_t *part = &mime.parts[i];
        part->depth = node->depth + 1;
        part->parent = (long)node->index;
        mcsec_err_t rc = walk_node(w, part);
        if (rc != MCSEC_OK)
            return rc;
    }
    return MCSEC_OK;
}

mcsec_err_t mcsec_mime_walk(const char *content_type, size_t ct_len, const uint8_t *body,
                            size_t len, mcsec_mime_visit_fn visit, void *arg, const char **fault)
{
    walk_t w;
    memset(&w, 0, sizeof(w));
    w.visit = visit;
    w.arg = arg;
    if (fault)
        *fault = NULL;
    if (!content_type || (!body && len)) {
        if (fault)
            *fault = "no Content-Type";
        return MCSEC_ERR_PARSE;
    }
    mcsec_mime_part_t top;
    memset(&top, 0, sizeof(top));
    char boundary[71];
    if (xp_content_type_params(content_type, ct_len, top.type, sizeof(top.type), boundary,
                               sizeof(boundary), top.charset, sizeof(top.charset)) != MCSEC_OK) {
        if (fault)
            *fault = "Content-Type cannot be parsed";
        return MCSEC_ERR_PARSE;
    }
    top.headers = body;
    top.body = body;
    top.body_len = len;
    top.ct_value = content_type;
    top.ct_value_len = ct_len;
    top.parent = -1;
    mcsec_err_t rc = walk_node(&w, &top);
    if (fault)
        *fault = w.fault;
    return rc;
}

bool mcsec_mime_is_xml(const char *type)
{
    size_t n = strlen(type);
    return (n > 4 && strcmp(type + n - 4, "+xml") == 0) || strcmp(type, "application/xml") == 0 ||
           strcmp(type, "text/xml") == 0;
}

static bool is_xml_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether data starts with an XML declaration ("<?xml" and white space). */
static bool starts_with_declaration(const uint8_t *data, size_t len)
{
    return len > 5 && memcmp(data, "<?xml", 5) == 0 && is_xml_space(data[5]);
}

/* The value of the encoding pseudo-attribute of the XML declaration at
 * data (which starts with "<?xml" and white space), or a fault. *enc is
 * NULL (with NULL returned) when the declaration names no encoding. */
static const char *declared_encoding(const uint8_t *data, size_t len, const uint8_t **enc,
                                     size_t *enc_len)
{
    *enc = NULL;
    *enc_len = 0;
    size_t end = 5;
    while (end + 1 < len && !(data[end] == '?' && data[end + 1] == '>'))
        end++;
    if (end + 1 >= len)
        return "XML declaration without its end";
    /* XML 1.0 2.8: version, then encoding, then standalone, each
     * name S? = S? quoted value; anything else in it is refused. */
    size_t i = 5;
    for (;;) {
        size_t ws = i;
        while (i < end && is_xml_space(data[i]))
            i++;
        if (i == end)
            return NULL;
        if (i == ws)
            return "XML declaration cannot be read";
        size_t name = i;
        while (i < end &&
               ((data[i] >= 'a' && data[i] <= 'z') || (data[i] >= 'A' && data[i] <= 'Z')))
            i++;
        size_t name_len = i - name;
        while (i < end && is_xml_space(data[i]))
            i++;
        if (name_len == 0 || i == end || data[i] != '=')
            return "XML declaration cannot be read";
        i++;
        while (i < end && is_xml_space(data[i]))
            i++;
        if (i == end || (data[i] != '"' && data[i] != '\''))
            return "XML declaration cannot be read";
        uint8_t quote = data[i++];
        size_t value = i;
        while (i < end && data[i] != quote)
            i++;
        if (i == end)
            return "XML declaration cannot be read";
        if (name_len == 8 && memcmp(data + name, "encoding", 8) == 0) {
            if (*enc)
                return "XML declaration names two encodings";
            *enc = data + value;
            *enc_len = i - value;
        }
        i++;
    }
}

const char *mcsec_mime_xml_not_utf8(const char *charset, const uint8_t *data, size_t len)
{
    if (charset && charset[0] && strcmp(charset, "utf-8") != 0)
        return "XML with a charset other than UTF-8";
    if (len > 0 && !data)
        return "XML without content";
    if (len > 0 && memchr(data, '\0', len))
        return "XML holding a NUL octet (UTF-16 or UTF-32)";
    /* Strict UTF-8 (RFC 3629) throughout: no overlong form, surrogate or
     * stray octet a lenient decoder would turn into markup. */
    if (!mcsec_utf8_valid(data, len))
        return "XML that is not strict UTF-8";
    /* The document after an optional UTF-8 byte order mark. */
    bool mark = len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF;
    const uint8_t *doc = mark ? data + 3 : data;
    size_t doc_len = mark ? len - 3 : len;
    /* Anything else first (another mark, EBCDIC "<?xm" 4C 6F A7 94, a
     * UTF-7 or GB 18030 signature) is not an UTF-8 document's start. */
    if (doc_len > 0 && doc[0] != '<' && !is_xml_space(doc[0]))
        return "XML starting with something other than '<' (an encoding signature)";
    /* A declaration after white space is no declaration (XML 1.0 2.8), but
     * a lenient parser may still honour it: it is judged the same way. */
    size_t lead = 0;
    while (lead < doc_len && is_xml_space(doc[lead]))
        lead++;
    const uint8_t *decl = doc + lead;
    size_t decl_len = doc_len - lead;
    if (starts_with_declaration(decl, decl_len)) {
        const uint8_t *enc;
        size_t enc_len;
        const char *fault = declared_encoding(decl, decl_len, &enc, &enc_len);
        if (fault)
            return fault;
        if (enc && !(enc_len == 5 && strncasecmp((const char *)enc, "utf-8", 5) == 0))
            return "XML declaring an encoding other than UTF-8";
    }
    return NULL;
}

bool mcsec_mime_reads_as_xml(const mcsec_mime_part_t *part)
{
    if (part->container)
        return false;
    if (mcsec_mime_is_xml(part->type))
        return true;
    /* Labelled otherwise but opening with a declaration (after an optional
     * UTF-8 mark and white space): a receiver may still parse it as XML. */
    const uint8_t *p = part->body;
    size_t n = p ? part->body_len : 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3;
        n -= 3;
    }
    while (n > 0 && is_xml_space(p[0])) {
        p++;
        n--;
    }
    return starts_with_declaration(p, n);
}
