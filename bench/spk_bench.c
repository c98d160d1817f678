/* spk_bench: what shared-SPK protection costs per SIP-3 message.
 *
 * For a typical mcptt-info document of about 1 KB (a group call: request
 * URI, calling user, calling group, client ID, a few plain elements), times
 *   floor:  libxml2 parse + serialize of the document (what any border that
 *           touches the XML pays at least),
 *   doc:    mcsec_xmlprot_protect_doc + mcsec_xmlprot_unprotect_doc
 *           (encryption of the listed elements only),
 *   body:   mcsec_xmlprot_protect_body + mcsec_xmlprot_unprotect_body
 *           (encryption + HMAC signature part, multipart, then verify +
 *           decrypt: what the egress border plus the ingress border do),
 *   ingress: what an ingress border with spk.reprotect_internal does to the
 *           protected body: unprotect with the partner's keys, then protect
 *           with the internal SPK, once as two calls (unprotect_body +
 *           protect_body: the clear body is parsed again) and once handing
 *           the tree on (unprotect_body_kept + reprotect_body),
 * and prints microseconds per operation and the ratios to the floor.
 * Usage: spk_bench [ITERATIONS] (default 2000). Exit 1 when an operation
 * fails. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "mcsec/spk/keystore.h"
#include "mcsec/spk/xmlprot.h"

static const char bench_keys[] = "3a5c0001 000102030405060708090a0b0c0d0e0f\n";
static const char bench_internal_keys[] = "3a5c0101 0f0e0d0c0b0a09080706050403020100\n";

/* A group-call mcptt-info document of about 1 KB. */
static const char bench_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>"
    "<session-type>prearranged</session-type>"
    "<mcptt-request-uri type=\"Normal\"><mcpttURI>sip:fire-brigade-north-group-17@"
    "b.mcx.example</mcpttURI></mcptt-request-uri>"
    "<mcptt-calling-user-id type=\"Normal\"><mcpttURI>sip:officer.alice.smith.4711@"
    "a.mcx.example</mcpttURI></mcptt-calling-user-id>"
    "<mcptt-calling-group-id type=\"Normal\"><mcpttURI>sip:fire-brigade-north-group-17@"
    "b.mcx.example</mcpttURI></mcptt-calling-group-id>"
    "<mcptt-client-id type=\"Normal\"><mcpttString>urn:uuid:2f1e4c9a-8b7d-4e3f-9a6b-"
    "1c2d3e4f5a6b</mcpttString></mcptt-client-id>"
    "<emergency-ind type=\"Normal\"><mcpttBoolean>false</mcpttBoolean></emergency-ind>"
    "<alert-ind type=\"Normal\"><mcpttBoolean>false</mcpttBoolean></alert-ind>"
    "<imminentperil-ind type=\"Normal\"><mcpttBoolean>false</mcpttBoolean>"
    "</imminentperil-ind>"
    "<broadcast-group>false</broadcast-group>"
    "<anyExt><priority>5</priority><location-info>cell=262-01-4711-1234;"
    "accuracy=50m</location-info></anyExt>"
    "</mcptt-Params></mcpttinfo>\n";

/* Monotonic time in seconds. */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One parse + serialize with libxml2's safe options; 0 or -1. */
static __attribute__((noinline, noipa)) int floor_once(void)
{
    xmlDocPtr doc = xmlReadMemory(bench_doc, (int)strlen(bench_doc), "bench.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (doc == NULL) {
        return -1;
    }
    xmlChar *out = NULL;
    int out_len = 0;
    xmlDocDumpMemory(doc, &out, &out_len);
    xmlFreeDoc(doc);
    int rc = out != NULL && out_len > 0 ? 0 : -1;
    xmlFree(out);
    return rc;
}

/* protect_doc + unprotect_doc once; 0 or -1. */
static __attribute__((noinline, noipa)) int doc_once(mcsec_xmlprot_t *egress,
                                                     mcsec_xmlprot_t *ingress)
{
    mcsec_body_t protected_doc = {0};
    mcsec_body_t clear = {0};
    mcsec_xmlprot_result_t result;
    int rc = -1;
    if (mcsec_xmlprot_protect_doc(egress, (const uint8_t *)bench_doc, strlen(bench_doc),
                                  &protected_doc, &result) == MCSEC_OK &&
        mcsec_xmlprot_unprotect_doc(ingress, protected_doc.data, protected_doc.len, true, &clear,
                                    &result) == MCSEC_OK) {
        rc = 0;
    }
    mcsec_body_free(&protected_doc);
    mcsec_body_free(&clear);
    return rc;
}

/* protect_body + unprotect_body once; 0 or -1. *wire_len gets the size of
 * the protected body. */
static int body_once(mcsec_xmlprot_t *egress, mcsec_xmlprot_t *ingress, size_t *wire_len)
{
    mcsec_body_t protected_body = {0};
    mcsec_body_t clear = {0};
    mcsec_xmlprot_result_t result;
    int rc = -1;
    if (mcsec_xmlprot_protect_body(egress, MCSEC_CT_MCPTT_INFO, (const uint8_t *)bench_doc,
                                   strlen(bench_doc), &protected_body, &result) == MCSEC_OK &&
        mcsec_xmlprot_unprotect_body(ingress, protected_body.content_type, protected_body.data,
                                     protected_body.len, true, &clear, &result) == MCSEC_OK) {
        *wire_len = protected_body.len;
        rc = 0;
    }
    mcsec_body_free(&protected_body);
    mcsec_body_free(&clear);
    return rc;
}

/* Ingress with re-protection once, as two calls: the clear body is parsed
 * again by the protect. 0 or -1. */
static int ingress_two_calls(mcsec_xmlprot_t *ingress, mcsec_xmlprot_t *internal,
                             const mcsec_body_t *wire)
{
    mcsec_body_t clear = {0};
    mcsec_body_t reprotected = {0};
    mcsec_xmlprot_result_t result;
    int rc = mcsec_xmlprot_unprotect_body(ingress, wire->content_type, wire->data, wire->len, true,
                                          &clear, &result) == MCSEC_OK &&
                     mcsec_xmlprot_protect_body(internal, clear.content_type, clear.data, clear.len,
                                                &reprotected, &result) == MCSEC_OK
                 ? 0
                 : -1;
    mcsec_body_free(&clear);
    mcsec_body_free(&reprotected);
    return rc;
}

/* The same handing the clear tree on. 0 or -1. */
static int ingress_kept(mcsec_xmlprot_t *ingress, mcsec_xmlprot_t *internal,
                        const mcsec_body_t *wire)
{
    mcsec_body_t clear = {0};
    mcsec_body_t reprotected = {0};
    mcsec_xmlprot_result_t result;
    mcsec_xmlprot_kept_t *tree = NULL;
    int rc = mcsec_xmlprot_unprotect_body_kept(ingress, wire->content_type, wire->data, wire->len,
                                               true, &clear, &tree, &result) == MCSEC_OK &&
                     mcsec_xmlprot_reprotect_body(internal, &clear, tree, &reprotected, &result) ==
                         MCSEC_OK
                 ? 0
                 : -1;
    mcsec_body_free(&clear);
    mcsec_body_free(&reprotected);
    return rc;
}

static int ingress_once(mcsec_xmlprot_t *ingress, mcsec_xmlprot_t *internal,
                        const mcsec_body_t *wire, bool kept)
{
    return kept ? ingress_kept(ingress, internal, wire)
                : ingress_two_calls(ingress, internal, wire);
}

/* Times ingress_once; seconds per call, or -1 on failure. */
static double time_ingress(mcsec_xmlprot_t *ingress, mcsec_xmlprot_t *internal,
                           const mcsec_body_t *wire, bool kept, long iterations)
{
    double start = now_seconds();
    for (long i = 0; i < iterations; i++) {
        if (ingress_once(ingress, internal, wire, kept) != 0) {
            return -1;
        }
    }
    return (now_seconds() - start) / (double)iterations;
}

/* Builds the two objects of one direction: A protects, B unprotects with
 * A's identity as P0. Returns 0 or -1. */
static int make_objects(mcsec_xmlprot_t **egress, mcsec_xmlprot_t **ingress)
{
    mcsec_keystore_t *keys = NULL;
    if (mcsec_keystore_parse_spk(bench_keys, strlen(bench_keys), "bench", &keys, NULL, 0) !=
        MCSEC_OK) {
        return -1;
    }
    mcsec_xmlprot_conf_t conf;
    memset(&conf, 0, sizeof(conf));
    conf.keys = keys;
    conf.identity = "sip:border@a.mcx.example";
    int rc = mcsec_xmlprot_create(&conf, egress) == MCSEC_OK &&
                     mcsec_xmlprot_create(&conf, ingress) == MCSEC_OK
                 ? 0
                 : -1;
    mcsec_keystore_destroy(keys);
    return rc;
}

/* The internal-SPK object (P0 = our MC server), or NULL. */
static mcsec_xmlprot_t *make_internal(void)
{
    mcsec_keystore_t *keys = NULL;
    if (mcsec_keystore_parse_spk(bench_internal_keys, strlen(bench_internal_keys), "bench", &keys,
                                 NULL, 0) != MCSEC_OK) {
        return NULL;
    }
    mcsec_xmlprot_conf_t conf;
    memset(&conf, 0, sizeof(conf));
    conf.keys = keys;
    conf.identity = "sip:mcptt-server@a.mcx.example";
    mcsec_xmlprot_t *internal = NULL;
    if (mcsec_xmlprot_create(&conf, &internal) != MCSEC_OK) {
        internal = NULL;
    }
    mcsec_keystore_destroy(keys);
    return internal;
}

/* Runs the three measurements and prints the table. */
int main(int argc, char **argv)
{
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    if (iterations <= 0) {
        fprintf(stderr, "usage: spk_bench [ITERATIONS]\n");
        return 2;
    }
    if (mcsec_xmlprot_global_init() != MCSEC_OK) {
        fprintf(stderr, "spk_bench: xmlsec1 initialisation failed\n");
        return 1;
    }
    mcsec_xmlprot_t *egress = NULL;
    mcsec_xmlprot_t *ingress = NULL;
    if (make_objects(&egress, &ingress) != 0) {
        fprintf(stderr, "spk_bench: cannot build the SPK objects\n");
        return 1;
    }
    size_t wire_len = 0;
    int failed = floor_once() != 0 || doc_once(egress, ingress) != 0 ||
                 body_once(egress, ingress, &wire_len) != 0;
    double t_floor = 0, t_doc = 0, t_body = 0;
    if (!failed) {
        double start = now_seconds();
        for (long i = 0; i < iterations && !failed; i++) {
            failed = floor_once() != 0;
        }
        t_floor = (now_seconds() - start) / (double)iterations;
        start = now_seconds();
        for (long i = 0; i < iterations && !failed; i++) {
            failed = doc_once(egress, ingress) != 0;
        }
        t_doc = (now_seconds() - start) / (double)iterations;
        start = now_seconds();
        for (long i = 0; i < iterations && !failed; i++) {
            failed = body_once(egress, ingress, &wire_len) != 0;
        }
        t_body = (now_seconds() - start) / (double)iterations;
    }
    double t_two_calls = -1, t_kept = -1;
    mcsec_xmlprot_t *internal = failed ? NULL : make_internal();
    mcsec_body_t wire = {0};
    if (internal != NULL &&
        mcsec_xmlprot_protect_body(egress, MCSEC_CT_MCPTT_INFO, (const uint8_t *)bench_doc,
                                   strlen(bench_doc), &wire, NULL) == MCSEC_OK &&
        ingress_once(ingress, internal, &wire, false) == 0 &&
        ingress_once(ingress, internal, &wire, true) == 0) {
        t_two_calls = time_ingress(ingress, internal, &wire, false, iterations);
        t_kept = time_ingress(ingress, internal, &wire, true, iterations);
    }
    failed = failed || t_two_calls < 0 || t_kept < 0;
    mcsec_body_free(&wire);
    mcsec_xmlprot_destroy(internal);
    mcsec_xmlprot_destroy(egress);
    mcsec_xmlprot_destroy(ingress);
    mcsec_xmlprot_global_cleanup();
    if (failed) {
        fprintf(stderr, "spk_bench: an operation failed\n");
        return 1;
    }
    printf("mcptt-info document: %zu octets clear, %zu octets protected (multipart)\n",
           strlen(bench_doc), wire_len);
    printf("iterations: %ld\n", iterations);
    printf("floor  libxml2 parse+serialize        %8.1f us\n", t_floor * 1e6);
    printf("doc    protect_doc+unprotect_doc      %8.1f us  ratio %.1f\n", t_doc * 1e6,
           t_doc / t_floor);
    printf("body   protect_body+unprotect_body    %8.1f us  ratio %.1f\n", t_body * 1e6,
           t_body / t_floor);
    printf("ingress unprotect_body+protect_body   %8.1f us  ratio %.1f\n", t_two_calls * 1e6,
           t_two_calls / t_floor);
    printf("ingress unprotect_body_kept+reprotect %8.1f us  ratio %.1f\n", t_kept * 1e6,
           t_kept / t_floor);
    return 0;
}
