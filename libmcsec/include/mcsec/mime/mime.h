/* The one MIME walker of both proxies (docs/mime.md): a message body and,
 * for multipart/... (RFC 2046 5.1), every part at every nesting level, handed
 * to the caller one by one in document order (a container before its
 * parts). Every stage that judges a body (SPK, GMK, topology element
 * hiding, the SIP content-type allow-list, XML encodings) walks it with
 * this function, so they all see the same parts the same way.
 *
 * The walker refuses, rather than guessing what a receiving stack would
 * make of them:
 *   - nesting deeper than MCSEC_MIME_MAX_DEPTH, more than
 *     MCSEC_MIME_MAX_PARTS parts in the whole body, or more than
 *     MCSEC_XMLPROT_MAX_PARTS in one container;
 *   - a part with more than one Content-Type, Content-ID,
 *     Content-Transfer-Encoding or Content-Encoding field (compact SIP
 *     names "c" and "e" count as Content-Type and Content-Encoding): one
 *     stack reads the first, another the last;
 *   - a Content-ID used twice anywhere in the body (compared without regard
 *     to case): a cid: reference must name exactly one part;
 *   - a Content-Transfer-Encoding other than 7bit, 8bit or binary, and any
 *     Content-Encoding on a part: content a receiver would decode into
 *     something the border never judged;
 *   - syntax it cannot read (header fields, Content-Type, boundary,
 *     delimiters; CRLF line ends only, as SIP uses).
 *
 * Contract: views only, (ptr, len) everywhere; nothing is allocated and
 * nothing is read past a given length. The walk is bounded (depth, parts)
 * and recursion is limited to MCSEC_MIME_MAX_DEPTH frames. */
#ifndef MCSEC_MIME_H
#define MCSEC_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_MIME_MAX_DEPTH 4  /* depth of the deepest part (the body is 0) */
#define MCSEC_MIME_MAX_PARTS 32 /* parts in the whole body, containers included */
/* Parts in one multipart/mixed container (the splitter's bound; the SPK
 * code, mcsec/spk/xmlprot.h, protects at most this many). */
#define MCSEC_XMLPROT_MAX_PARTS 8
#define MCSEC_MIME_TYPE_SIZE 96
#define MCSEC_MIME_CHARSET_SIZE 41
#define MCSEC_MIME_CID_SIZE 128

/* One body part (or the body itself, depth 0). */
typedef struct {
    const uint8_t *headers; /* raw header block without the empty line;
                               headers_len 0 for the body itself */
    size_t headers_len;
    const uint8_t *body; /* the part's content, views into the walked body */
    size_t body_len;
    const char *ct_value; /* raw Content-Type value; NULL when absent */
    size_t ct_value_len;
    char type[MCSEC_MIME_TYPE_SIZE];       /* lower case type/subtype; text/plain when absent */
    char charset[MCSEC_MIME_CHARSET_SIZE]; /* lower case charset parameter; "" when absent */
    char cid[MCSEC_MIME_CID_SIZE];         /* Content-ID without <>; "" when absent */
    unsigned depth;                        /* 0: the body; 1: a part of the body's multipart... */
    size_t index;                          /* visit order, 0 for the body */
    long parent;                           /* index of the enclosing container; -1 for the body */
    bool container;                        /* multipart/...: its parts are visited next */
} mcsec_mime_part_t;

/* Called once per part; a non-zero return stops the walk (the walker then
 * returns MCSEC_ERR_INVALID and leaves *fault NULL). */
typedef int (*mcsec_mime_visit_fn)(const mcsec_mime_part_t *part, void *arg);

/* Walks body (len octets) whose Content-Type value is content_type
 * (ct_len octets, NOT NUL terminated; required). Returns MCSEC_OK when
 * every part was visited and accepted, MCSEC_ERR_PARSE (*fault: a short
 * static text for logs) when the body breaks a rule above, or
 * MCSEC_ERR_INVALID when visit stopped the walk. fault may be NULL. */
mcsec_err_t mcsec_mime_walk(const char *content_type, size_t ct_len, const uint8_t *body,
                            size_t len, mcsec_mime_visit_fn visit, void *arg, const char **fault);

/* Whether type (lower case, as in mcsec_mime_part_t) names XML:
 * application/xml, text/xml or any +xml type (RFC 7303). */
bool mcsec_mime_is_xml(const char *type);

/* Whether part is a leaf the UTF-8 rule below applies to: an XML type
 * (mcsec_mime_is_xml), or any leaf whose content opens with an XML
 * declaration (after an optional UTF-8 mark and white space), since a
 * receiver may parse that as XML whatever its label. */
bool mcsec_mime_reads_as_xml(const mcsec_mime_part_t *part);

/* XML content the border lets through must be UTF-8 (docs/mime.md): the
 * charset parameter absent or utf-8, no byte order mark other than UTF-8's,
 * no NUL octet (UTF-16/32 without a mark), strict UTF-8 throughout (RFC
 * 3629), nothing before the document but an optional UTF-8 mark and white
 * space, and an XML declaration, when present (also after white space),
 * naming no encoding other than UTF-8 (XML 1.0 section 4.3.3). Returns
 * NULL when data passes, else a short static text for logs. */
const char *mcsec_mime_xml_not_utf8(const char *charset, const uint8_t *data, size_t len);

#endif
