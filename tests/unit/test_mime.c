/* The MIME walker (mcsec/mime/mime.h): every part of a nested body is visited in
 * order with its depth, type, charset and Content-ID; nesting beyond the
 * limit, duplicate part header fields (Content-Type, Content-ID,
 * Content-Transfer-Encoding, Content-Encoding), duplicate Content-IDs
 * anywhere in the body, encoded parts and broken syntax are refused; a
 * visitor can stop the walk. Also the UTF-8 rule for XML content (strict
 * UTF-8, a declaration after white space) and which leaves it applies to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/mime/mime.h"

#define MAX_SEEN 40

typedef struct {
    size_t count;
    mcsec_mime_part_t parts[MAX_SEEN];
    long stop_at; /* index at which the visitor stops, -1 never */
} seen_t;

static int record(const mcsec_mime_part_t *part, void *arg)
{
    seen_t *seen = arg;
    if (seen->count < MAX_SEEN)
        seen->parts[seen->count++] = *part;
    return (long)part->index == seen->stop_at;
}

static mcsec_err_t walk(const char *type, const char *body, seen_t *seen, const char **fault)
{
    memset(seen, 0, sizeof(*seen));
    seen->stop_at = -1;
    return mcsec_mime_walk(type, strlen(type), (const uint8_t *)body, strlen(body), record, seen,
                           fault);
}

#define OUTER "multipart/mixed;boundary=outer"

static const char nested_body[] = "preamble\r\n"
                                  "--outer\r\n"
                                  "Content-Type: application/sdp\r\n"
                                  "\r\n"
                                  "v=0\r\n"
                                  "--outer\r\n"
                                  "Content-Type: multipart/mixed; boundary=\"inner\"\r\n"
                                  "\r\n"
                                  "--inner\r\n"
                                  "Content-Type: application/vnd.3gpp.mcptt-info+xml;"
                                  " charset=UTF-8\r\n"
                                  "Content-ID: <info@a.example>\r\n"
                                  "Content-Transfer-Encoding: 8bit\r\n"
                                  "\r\n"
                                  "<mcpttinfo/>\r\n"
                                  "--inner\r\n"
                                  "\r\n"
                                  "plain\r\n"
                                  "--inner--\r\n"
                                  "\r\n"
                                  "--outer--\r\n";

static void test_nested_every_part_visited(void **state)
{
    (void)state;
    seen_t seen;
    const char *fault = "x";
    assert_int_equal(walk(OUTER, nested_body, &seen, &fault), MCSEC_OK);
    assert_null(fault);
    assert_int_equal(seen.count, 5);
    assert_string_equal(seen.parts[0].type, "multipart/mixed");
    assert_true(seen.parts[0].container);
    assert_int_equal(seen.parts[0].depth, 0);
    assert_int_equal(seen.parts[0].parent, -1);
    assert_string_equal(seen.parts[1].type, "application/sdp");
    assert_int_equal(seen.parts[1].depth, 1);
    assert_int_equal(seen.parts[1].body_len, 3);
    assert_memory_equal(seen.parts[1].body, "v=0", 3);
    assert_true(seen.parts[2].container);
    assert_int_equal(seen.parts[2].depth, 1);
    const mcsec_mime_part_t *info = &seen.parts[3];
    assert_string_equal(info->type, "application/vnd.3gpp.mcptt-info+xml");
    assert_string_equal(info->charset, "utf-8");
    assert_string_equal(info->cid, "info@a.example");
    assert_int_equal(info->depth, 2);
    assert_int_equal(info->parent, 2);
    assert_int_equal(info->index, 3);
    assert_false(info->container);
    assert_int_equal(info->body_len, strlen("<mcpttinfo/>"));
    assert_memory_equal(info->body, "<mcpttinfo/>", info->body_len);
    /* A part without Content-Type is text/plain (RFC 2046 5.1). */
    assert_string_equal(seen.parts[4].type, "text/plain");
    assert_int_equal(seen.parts[4].depth, 2);
}

static void test_single_body(void **state)
{
    (void)state;
    seen_t seen;
    assert_int_equal(walk("application/sdp", "v=0\r\n", &seen, NULL), MCSEC_OK);
    assert_int_equal(seen.count, 1);
    assert_false(seen.parts[0].container);
    assert_int_equal(seen.parts[0].body_len, 5);
}

/* A body of n nested multiparts, the innermost holding one text part. */
static void nest(char *out, size_t size, int n)
{
    size_t pos = 0;
    for (int i = 1; i < n; i++)
        pos += (size_t)snprintf(out + pos, size - pos,
                                "--b%d\r\nContent-Type: multipart/mixed;boundary=b%d\r\n\r\n", i,
                                i + 1);
    pos += (size_t)snprintf(out + pos, size - pos, "--b%d\r\n\r\nx\r\n--b%d--\r\n", n, n);
    for (int i = n - 1; i >= 1; i--)
        pos += (size_t)snprintf(out + pos, size - pos, "\r\n--b%d--\r\n", i);
}

static void test_depth_limit(void **state)
{
    (void)state;
    char body[2048];
    seen_t seen;
    const char *fault = NULL;
    /* MAX_DEPTH multiparts put the text part at depth MAX_DEPTH: fine. */
    nest(body, sizeof(body), MCSEC_MIME_MAX_DEPTH);
    assert_int_equal(walk("multipart/mixed;boundary=b1", body, &seen, &fault), MCSEC_OK);
    assert_int_equal(seen.parts[seen.count - 1].depth, MCSEC_MIME_MAX_DEPTH);
    nest(body, sizeof(body), MCSEC_MIME_MAX_DEPTH + 1);
    assert_int_equal(walk("multipart/mixed;boundary=b1", body, &seen, &fault), MCSEC_ERR_PARSE);
    assert_non_null(strstr(fault, "deeper"));
}

/* One part with the given header lines, inside OUTER. */
static mcsec_err_t one_part(const char *headers, const char **fault)
{
    char body[1024];
    snprintf(body, sizeof(body), "--outer\r\n%s\r\nbody\r\n--outer--\r\n", headers);
    seen_t seen;
    return walk(OUTER, body, &seen, fault);
}

static void test_duplicate_fields_refused(void **state)
{
    (void)state;
    static const char *const twice[] = {
        "Content-Type: text/plain\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n",
        "Content-Type: text/plain\r\nc: application/vnd.3gpp.mcptt-info+xml\r\n",
        "content-type : text/plain\r\nCONTENT-TYPE:text/plain\r\n",
        "Content-ID: <a@x>\r\nContent-ID: <b@x>\r\n",
        "Content-Transfer-Encoding: 8bit\r\nContent-Transfer-Encoding: binary\r\n",
    };
    for (size_t i = 0; i < sizeof(twice) / sizeof(twice[0]); i++) {
        const char *fault = NULL;
        assert_int_equal(one_part(twice[i], &fault), MCSEC_ERR_PARSE);
        assert_non_null(strstr(fault, "more than one"));
    }
    const char *fault = NULL;
    assert_int_equal(one_part("Content-Type: text/plain\r\nContent-ID: <a@x>\r\n"
                              "Content-Transfer-Encoding: BINARY\r\n",
                              &fault),
                     MCSEC_OK);
}

static void test_encodings_refused(void **state)
{
    (void)state;
    static const char *const encoded[] = {
        "Content-Transfer-Encoding: base64\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "Content-Encoding: gzip\r\n",
        "e: gzip\r\n",
    };
    for (size_t i = 0; i < sizeof(encoded) / sizeof(encoded[0]); i++) {
        const char *fault = NULL;
        assert_int_equal(one_part(encoded[i], &fault), MCSEC_ERR_PARSE);
        assert_non_null(strstr(fault, "Encoding"));
    }
}

static void test_duplicate_cid_anywhere_refused(void **state)
{
    (void)state;
    /* The wrapping shape: the genuine part relabelled, a clear one with
     * its Content-ID (the second in a nested multipart, other case). */
    static const char body[] = "--outer\r\n"
                               "Content-Type: text/plain\r\n"
                               "Content-ID: <Info@a.example>\r\n"
                               "\r\n"
                               "<mcpttinfo>protected</mcpttinfo>\r\n"
                               "--outer\r\n"
                               "Content-Type: multipart/mixed;boundary=inner\r\n"
                               "\r\n"
                               "--inner\r\n"
                               "Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n"
                               "Content-ID: <info@a.example>\r\n"
                               "\r\n"
                               "<mcpttinfo>clear</mcpttinfo>\r\n"
                               "--inner--\r\n"
                               "\r\n"
                               "--outer--\r\n";
    seen_t seen;
    const char *fault = NULL;
    assert_int_equal(walk(OUTER, body, &seen, &fault), MCSEC_ERR_PARSE);
    assert_non_null(strstr(fault, "same Content-ID"));
}

static void test_broken_syntax_refused(void **state)
{
    (void)state;
    seen_t seen;
    const char *fault = NULL;
    static const char *const broken[] = {
        "no boundary here\r\n",
        "--outer\r\nContent-Type: text/plain\r\n\r\nunterminated\r\n",
        "--outer\r\nno colon line\r\n\r\nx\r\n--outer--\r\n",
        "--outer\r\nBad Name: x\r\n\r\nx\r\n--outer--\r\n",
        "--outer\r\nContent-Type: text\r\n\r\nx\r\n--outer--\r\n",
        "--outer\r\nContent-ID: no-brackets\r\n\r\nx\r\n--outer--\r\n",
        "--outer\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n--outer--\r\n",
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        assert_int_equal(walk(OUTER, broken[i], &seen, &fault), MCSEC_ERR_PARSE);
        assert_non_null(fault);
    }
    assert_int_equal(walk("multipart/mixed", "--x\r\n\r\n\r\n--x--", &seen, &fault),
                     MCSEC_ERR_PARSE);
    assert_int_equal(
        walk("multipart/mixed;boundary=a;boundary=b", "--a\r\n\r\nx\r\n--a--", &seen, &fault),
        MCSEC_ERR_PARSE);
    assert_int_equal(walk("text/plain;charset=utf-8;charset=ebcdic", "x", &seen, &fault),
                     MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_mime_walk(NULL, 0, (const uint8_t *)"x", 1, record, &seen, &fault),
                     MCSEC_ERR_PARSE);
}

static void test_visitor_stops(void **state)
{
    (void)state;
    seen_t seen;
    memset(&seen, 0, sizeof(seen));
    seen.stop_at = 3;
    const char *fault = "x";
    assert_int_equal(mcsec_mime_walk(OUTER, strlen(OUTER), (const uint8_t *)nested_body,
                                     strlen(nested_body), record, &seen, &fault),
                     MCSEC_ERR_INVALID);
    assert_null(fault);
    assert_int_equal(seen.count, 4);
}

static void test_xml_utf8_rule(void **state)
{
    (void)state;
    static const char utf8[] = "<?xml version=\"1.0\" encoding='utf-8'?><a/>";
    assert_null(mcsec_mime_xml_not_utf8("", (const uint8_t *)utf8, strlen(utf8)));
    assert_null(mcsec_mime_xml_not_utf8("utf-8", (const uint8_t *)"<a/>", 4));
    assert_null(mcsec_mime_xml_not_utf8(NULL, (const uint8_t *)"\xEF\xBB\xBF<a/>", 7));
    static const char *const declared[] = {
        "<?xml version=\"1.0\" encoding=\"IBM037\"?>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>",
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" encoding=\"IBM037\"?><a/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"",
    };
    for (size_t i = 0; i < sizeof(declared) / sizeof(declared[0]); i++)
        assert_non_null(
            mcsec_mime_xml_not_utf8(NULL, (const uint8_t *)declared[i], strlen(declared[i])));
    assert_non_null(mcsec_mime_xml_not_utf8("iso-8859-1", (const uint8_t *)"<a/>", 4));
    assert_non_null(mcsec_mime_xml_not_utf8("utf-16", (const uint8_t *)"<a/>", 4));
    /* Byte order marks and signatures: UTF-16 BE/LE, UTF-32, EBCDIC. */
    static const uint8_t be16[] = {0xFE, 0xFF, 0x00, '<', 0x00, 'a', 0x00, '/', 0x00, '>'};
    static const uint8_t le16[] = {0xFF, 0xFE, '<', 0x00, 'a', 0x00, '/', 0x00, '>', 0x00};
    static const uint8_t le16_nobom[] = {'<', 0x00, 'a', 0x00, '/', 0x00, '>', 0x00};
    static const uint8_t ebcdic[] = {0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40};
    assert_non_null(mcsec_mime_xml_not_utf8(NULL, be16, sizeof(be16)));
    assert_non_null(mcsec_mime_xml_not_utf8(NULL, le16, sizeof(le16)));
    assert_non_null(mcsec_mime_xml_not_utf8(NULL, le16_nobom, sizeof(le16_nobom)));
    assert_non_null(mcsec_mime_xml_not_utf8(NULL, ebcdic, sizeof(ebcdic)));
    /* Strict UTF-8 throughout (RFC 3629): overlong '.', a surrogate, a
     * stray continuation octet, a sequence cut short. */
    static const char *const not_utf8[] = {"<a>\xC0\xAE</a>", "<a>\xED\xA0\x80</a>", "<a>\x80</a>",
                                           "<a>\xE2\x82</a>"};
    for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++)
        assert_non_null(
            mcsec_mime_xml_not_utf8(NULL, (const uint8_t *)not_utf8[i], strlen(not_utf8[i])));
    static const char cafe[] = "<a>caf\xC3\xA9 \xF0\x9F\x93\xBB</a>";
    assert_null(mcsec_mime_xml_not_utf8(NULL, (const uint8_t *)cafe, strlen(cafe)));
    /* A declaration after white space is judged as well. */
    static const char late_ibm[] = "\r\n <?xml version=\"1.0\" encoding=\"IBM037\"?><a/>";
    static const char late_utf8[] = "\n<?xml version='1.0' encoding='UTF-8'?><a/>";
    assert_non_null(mcsec_mime_xml_not_utf8(NULL, (const uint8_t *)late_ibm, strlen(late_ibm)));
    assert_null(mcsec_mime_xml_not_utf8(NULL, (const uint8_t *)late_utf8, strlen(late_utf8)));
    assert_true(mcsec_mime_is_xml("application/vnd.3gpp.mcptt-info+xml"));
    assert_true(mcsec_mime_is_xml("text/xml"));
    assert_false(mcsec_mime_is_xml("application/sdp"));
}

/* The UTF-8 rule applies to every XML-typed leaf and to any leaf that
 * opens with an XML declaration, whatever its label. */
static void test_reads_as_xml(void **state)
{
    (void)state;
    mcsec_mime_part_t part;
    memset(&part, 0, sizeof(part));
    strcpy(part.type, "text/plain");
    static const char *const decl[] = {"<?xml version=\"1.0\"?><a/>",
                                       "\xEF\xBB\xBF \r\n<?xml version='1.0'?><a/>"};
    for (size_t i = 0; i < 2; i++) {
        part.body = (const uint8_t *)decl[i];
        part.body_len = strlen(decl[i]);
        assert_true(mcsec_mime_reads_as_xml(&part));
    }
    part.body = (const uint8_t *)"hello <?xml ?>";
    part.body_len = 14;
    assert_false(mcsec_mime_reads_as_xml(&part));
    part.body = NULL;
    part.body_len = 0;
    assert_false(mcsec_mime_reads_as_xml(&part));
    strcpy(part.type, "application/vnd.3gpp.mcptt-info+xml");
    assert_true(mcsec_mime_reads_as_xml(&part));
    strcpy(part.type, "multipart/mixed");
    part.container = true;
    part.body = (const uint8_t *)decl[0];
    part.body_len = strlen(decl[0]);
    assert_false(mcsec_mime_reads_as_xml(&part));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_every_part_visited),
        cmocka_unit_test(test_single_body),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_duplicate_fields_refused),
        cmocka_unit_test(test_encodings_refused),
        cmocka_unit_test(test_duplicate_cid_anywhere_refused),
        cmocka_unit_test(test_broken_syntax_refused),
        cmocka_unit_test(test_visitor_stops),
        cmocka_unit_test(test_xml_utf8_rule),
        cmocka_unit_test(test_reads_as_xml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
