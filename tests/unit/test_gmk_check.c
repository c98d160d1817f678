/* GMK transfer check: the public GMK vector passes under the vectors' KMS
 * with its GMS and receiver; every single flipped bit fails with
 * gmk.bad_signature or gmk.malformed; each other reason has its case; the
 * body scanner finds GKTP payloads in XML and multipart bodies. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/gmk/gmk_check.h"
#include "mcsec/policy/policy.h"
#include "mcsec/ibc/uid.h"

#define VECTOR_T 1759448872 /* T of the vector (2025-10-03) */
#define GMS "gms@streamwide.com"
#define RECEIVER "sip:alice@streamwide.com"

typedef struct {
    mcsec_kms_pub_t kms;
    mcsec_kms_pub_t other_kms;
    mcsec_eccsi_pub_t *kpak;
    mcsec_replay_cache_t *replay;
    mcsec_gmk_policy_t policy;
    uint8_t octets[MCSEC_MIKEY_MAX_LEN];
    size_t len;
} fixture_t;

static size_t read_file(const char *name, uint8_t *out, size_t size)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/gmk/%s", MCSEC_TEST_DATA, name);
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    size_t n = fread(out, 1, size, file);
    fclose(file);
    return n;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    char why[128];
    assert_int_equal(mcsec_kms_pub_read(MCSEC_TEST_DATA "/gmk/kms.pub", &f->kms, why, sizeof(why)),
                     MCSEC_OK);
    assert_int_equal(
        mcsec_kms_pub_read(MCSEC_TEST_DATA "/gmk/other-kms.pub", &f->other_kms, why, sizeof(why)),
        MCSEC_OK);
    assert_int_equal(mcsec_eccsi_pub_new(f->kms.kpak, &f->kpak), MCSEC_OK);
    assert_int_equal(mcsec_replay_mem_new(64, &f->replay), MCSEC_OK);
    f->len = read_file("gmk.bin", f->octets, sizeof(f->octets));
    f->policy = (mcsec_gmk_policy_t){
        .signer_kms = &f->kms,
        .signer_kpak = f->kpak,
        .receiver_kms = &f->kms,
        .initiator = GMS,
        .responder = RECEIVER,
        .push = true,
        .now = VECTOR_T + 60,
        .max_age = 300,
        .replay = f->replay,
    };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    mcsec_eccsi_pub_free(f->kpak);
    mcsec_replay_free(f->replay);
    free(f);
    return 0;
}

static mcsec_reason_t check(const fixture_t *f, const mcsec_gmk_policy_t *policy)
{
    char detail[160];
    return mcsec_gmk_check_octets(f->octets, f->len, policy, NULL, detail, sizeof(detail));
}

static void test_gmk_vector_passes_with_its_kms_gms_and_receiver(void **state)
{
    fixture_t *f = *state;
    mcsec_mikey_t msg;
    char detail[160];
    assert_int_equal(
        mcsec_gmk_check_octets(f->octets, f->len, &f->policy, &msg, detail, sizeof(detail)),
        MCSEC_REASON_NONE);
    assert_int_equal(msg.csb_id, 0x06a12aea);
}

static void test_gmk_every_flipped_bit_fails_signature_or_structure(void **state)
{
    fixture_t *f = *state;
    mcsec_gmk_policy_t policy = f->policy;
    policy.push = false; /* the same message over and over: no replay record */
    uint8_t saved[MCSEC_MIKEY_MAX_LEN];
    memcpy(saved, f->octets, f->len);
    size_t signature = 0;
    size_t malformed = 0;
    for (size_t bit = 0; bit < f->len * 8; bit++) {
        f->octets[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        mcsec_reason_t reason = check(f, &policy);
        f->octets[bit / 8] = saved[bit / 8];
        if (reason == MCSEC_REASON_GMK_BAD_SIGNATURE) {
            signature++;
        } else if (reason == MCSEC_REASON_GMK_MALFORMED) {
            malformed++;
        } else {
            fail_msg("bit %zu (octet %zu) gave %s", bit, bit / 8, mcsec_reason_code(reason));
        }
    }
    assert_int_equal(signature + malformed, f->len * 8);
    assert_true(signature > malformed);
    assert_int_equal(check(f, &policy), MCSEC_REASON_NONE);
}

static void test_gmk_wrong_sender_receiver_and_kms(void **state)
{
    fixture_t *f = *state;
    mcsec_gmk_policy_t policy = f->policy;
    policy.push = false;
    policy.initiator = "gms@other.example";
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_WRONG_SENDER);
    policy = f->policy;
    policy.push = false;
    policy.responder = "sip:bob@streamwide.com";
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_WRONG_RECEIVER);
    policy = f->policy;
    policy.push = false;
    policy.receiver_kms = &f->other_kms; /* IDRkmsr names the vectors' KMS */
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_WRONG_KMS);
    policy.receiver_kms = &f->kms;
    policy.signer_kms = &f->other_kms;
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_WRONG_KMS);
}

static void test_gmk_stale_only_for_pushes(void **state)
{
    fixture_t *f = *state;
    mcsec_gmk_policy_t policy = f->policy;
    policy.now = VECTOR_T + 301;
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_STALE);
    policy.now = VECTOR_T - 301;
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_STALE);
    policy.now = VECTOR_T + 86400 * 365;
    policy.push = false; /* a GET of a stored group document */
    assert_int_equal(check(f, &policy), MCSEC_REASON_NONE);
}

static void test_gmk_replay_within_the_window(void **state)
{
    fixture_t *f = *state;
    mcsec_gmk_policy_t policy = f->policy;
    assert_int_equal(check(f, &policy), MCSEC_REASON_NONE);
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_REPLAY);
    /* Once T can no longer pass the age check, the entry may go. */
    policy.now = VECTOR_T + 299;
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_REPLAY);
    /* Not a push: no record, no replay verdict. */
    policy.push = false;
    assert_int_equal(check(f, &policy), MCSEC_REASON_NONE);
}

static void test_gmk_wrong_purpose_for_a_csk_message(void **state)
{
    fixture_t *f = *state;
    uint8_t text[4096];
    size_t n = read_file("csk.mikey", text, sizeof(text));
    assert_int_equal(mcsec_mikey_decode_text(text, n, f->octets, sizeof(f->octets), &f->len),
                     MCSEC_OK);
    mcsec_gmk_policy_t policy = f->policy;
    policy.push = false;
    policy.initiator = RECEIVER; /* Alice signed the CSK message to the GMS */
    policy.responder = GMS;
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_WRONG_PURPOSE);
}

static void test_gmk_outbound_swaps_the_roles(void **state)
{
    fixture_t *f = *state;
    mcsec_gmk_policy_t policy = f->policy;
    policy.push = false;
    /* Our GMS is the vector's GMS; the partner's is the receiver. */
    policy.initiator = GMS;
    policy.responder = RECEIVER;
    assert_int_equal(check(f, &policy), MCSEC_REASON_NONE);
    policy.initiator = RECEIVER;
    policy.responder = GMS;
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_WRONG_SENDER);
}

static void test_gmk_incomplete_policy_is_unavailable(void **state)
{
    fixture_t *f = *state;
    mcsec_gmk_policy_t policy = f->policy;
    policy.replay = NULL;
    assert_int_equal(check(f, &policy), MCSEC_REASON_POLICY_UNAVAILABLE);
    policy = f->policy;
    policy.initiator = "";
    assert_int_equal(check(f, &policy), MCSEC_REASON_POLICY_UNAVAILABLE);
}

/* ---- messages built here: IDRi/IDRr URIs instead of UIDs ---------------- */

/* HDR, T, RAND, [IDRi], [IDRr], SAKKE, SIGN signed for UID(GMS) under a
 * fresh KMS. Returns the length. */
static size_t build_signed(const mcsec_kms_pub_t *kms, const uint8_t ksak[32], bool with_idri,
                           bool with_idrr, uint8_t *out)
{
    size_t n = 0;
    static const uint8_t hdr[] = {1, 26, 5, 1, 0x01, 0x02, 0x03, 0x04, 0, 1};
    memcpy(out, hdr, sizeof(hdr));
    n += sizeof(hdr);
    uint64_t ntp = (uint64_t)VECTOR_T + MCSEC_NTP_UNIX_OFFSET;
    uint8_t t[] = {
        11, 0, (uint8_t)(ntp >> 24), (uint8_t)(ntp >> 16), (uint8_t)(ntp >> 8), (uint8_t)ntp, 0, 0,
        0,  0};
    memcpy(out + n, t, sizeof(t));
    n += sizeof(t);
    uint8_t next = with_idri || with_idrr ? 14 : 26;
    out[n++] = next;
    out[n++] = 16;
    memset(out + n, 0x5a, 16);
    n += 16;
    const char *uris[2] = {GMS, RECEIVER};
    const bool present[2] = {with_idri, with_idrr};
    for (int i = 0; i < 2; i++) {
        if (!present[i]) {
            continue;
        }
        size_t len = strlen(uris[i]);
        out[n++] = (i == 0 && with_idrr) ? 14 : 26;
        out[n++] = (uint8_t)(i + 1);
        out[n++] = 1;
        out[n++] = 0;
        out[n++] = (uint8_t)len;
        memcpy(out + n, uris[i], len);
        n += len;
    }
    out[n++] = 4; /* SAKKE payload, then SIGN */
    out[n++] = 1;
    out[n++] = 2;
    out[n++] = 0x01;
    out[n++] = 0x11;
    memset(out + n, 0x33, 273);
    out[n] = 0x04;
    n += 273;
    out[n++] = 0x20;
    out[n++] = 0x81;
    uint8_t uid[MCSEC_UID_LEN], ssk[32], pvt[65];
    assert_int_equal(mcsec_uid_at(GMS, strlen(GMS), kms->kms_uri, strlen(kms->kms_uri),
                                  kms->key_period, kms->key_offset, VECTOR_T, uid),
                     MCSEC_OK);
    assert_int_equal(mcsec_eccsi_kms_issue(ksak, uid, sizeof(uid), ssk, pvt), MCSEC_OK);
    mcsec_eccsi_signer_t *signer = NULL;
    assert_int_equal(mcsec_eccsi_signer_new(kms->kpak, uid, sizeof(uid), ssk, pvt, &signer),
                     MCSEC_OK);
    assert_int_equal(mcsec_eccsi_sign(signer, out, n, out + n), MCSEC_OK);
    mcsec_eccsi_signer_free(signer);
    return n + 129;
}

static void test_gmk_uri_identities_and_missing_ones(void **state)
{
    fixture_t *f = *state;
    uint8_t ksak[32];
    mcsec_kms_pub_t kms = {.key_period = 2592000, .key_offset = 0};
    strcpy(kms.kms_uri, "kms.test.example");
    assert_int_equal(mcsec_eccsi_kms_generate(ksak, kms.kpak), MCSEC_OK);
    mcsec_eccsi_pub_t *kpak = NULL;
    assert_int_equal(mcsec_eccsi_pub_new(kms.kpak, &kpak), MCSEC_OK);
    mcsec_gmk_policy_t policy = f->policy;
    policy.signer_kms = &kms;
    policy.signer_kpak = kpak;
    policy.receiver_kms = &kms;
    policy.push = false;
    f->len = build_signed(&kms, ksak, true, true, f->octets);
    assert_int_equal(check(f, &policy), MCSEC_REASON_NONE);
    policy.responder = "sip:carol@streamwide.com";
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_WRONG_RECEIVER);
    policy.responder = RECEIVER;
    /* No receiver identity at all. */
    f->len = build_signed(&kms, ksak, true, false, f->octets);
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_WRONG_RECEIVER);
    /* No initiator identity: nothing to verify under. */
    f->len = build_signed(&kms, ksak, false, true, f->octets);
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_MALFORMED);
    /* The vector's KMS does not vouch for this one. */
    f->len = build_signed(&kms, ksak, true, true, f->octets);
    policy.signer_kpak = f->kpak;
    assert_int_equal(check(f, &policy), MCSEC_REASON_GMK_BAD_SIGNATURE);
    mcsec_eccsi_pub_free(kpak);
}

/* ---- bodies ------------------------------------------------------------ */

static mcsec_reason_t check_body(fixture_t *f, const char *type, const char *body, size_t *count)
{
    char detail[160];
    return mcsec_gmk_check_body(type, (const uint8_t *)body, strlen(body), &f->policy, count,
                                detail, sizeof(detail));
}

static char *gktp_document(const fixture_t *f, bool tamper)
{
    char *xml = calloc(1, 8192);
    assert_non_null(xml);
    size_t len = read_file("notify-gktp.xml", (uint8_t *)xml, 8191);
    xml[len] = '\0';
    if (tamper) {
        char *hex = strstr(xml, "011a0501");
        assert_non_null(hex);
        hex[100] = hex[100] == '0' ? '1' : '0';
    }
    (void)f;
    return xml;
}

static void test_gmk_body_xml_and_multipart(void **state)
{
    fixture_t *f = *state;
    size_t count = 0;
    char *xml = gktp_document(f, false);
    assert_int_equal(check_body(f, "application/xml", xml, &count), MCSEC_REASON_NONE);
    assert_int_equal(count, 1);
    /* The same push again is a replay. */
    assert_int_equal(check_body(f, "application/xml", xml, &count), MCSEC_REASON_GMK_REPLAY);
    f->policy.push = false;
    char *multipart = calloc(1, 16384);
    assert_non_null(multipart);
    snprintf(multipart, 16384,
             "--b1\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n"
             "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"/>\r\n"
             "--b1\r\nContent-Type: application/vnd.3gpp.gktp+xml\r\n\r\n%s\r\n--b1--\r\n",
             xml);
    assert_int_equal(check_body(f, "multipart/mixed;boundary=b1", multipart, &count),
                     MCSEC_REASON_NONE);
    assert_int_equal(count, 1);
    free(xml);
    xml = gktp_document(f, true);
    assert_int_equal(check_body(f, "application/xml", xml, &count), MCSEC_REASON_GMK_BAD_SIGNATURE);
    free(xml);
    free(multipart);
    /* No GKTP: passes with nothing checked; a broken carrier is malformed. */
    assert_int_equal(check_body(f, "text/plain", "hello", &count), MCSEC_REASON_NONE);
    assert_int_equal(count, 0);
    assert_int_equal(check_body(f, "application/xml", "<GKTP>zz</GKTP>", &count),
                     MCSEC_REASON_GMK_MALFORMED);
    assert_int_equal(check_body(f, "application/xml", "<a><GKTP>01</GKTP", &count),
                     MCSEC_REASON_GMK_MALFORMED);
    assert_int_equal(check_body(f, "application/xml", "<GKTP><x/></GKTP>", &count),
                     MCSEC_REASON_GMK_MALFORMED);
    char detail[64];
    assert_int_equal(mcsec_gmk_count_body("application/xml", (const uint8_t *)"<a><GKTP/></a>", 14,
                                          &count, detail, sizeof(detail)),
                     MCSEC_REASON_NONE);
    assert_int_equal(count, 1);
}

/* xml (UTF-8, declaring UTF-8) re-encoded as charset, its declaration
 * naming decl (NULL: declaration removed); *len octets, malloc'd. */
static uint8_t *encoded(const char *xml, const char *charset, const char *decl, size_t *len)
{
    const char *body = strstr(xml, "?>");
    assert_non_null(body);
    char *text = malloc(strlen(xml) + 64);
    assert_non_null(text);
    if (decl)
        sprintf(text, "<?xml version=\"1.0\" encoding=\"%s\"%s", decl, body);
    else
        strcpy(text, body + 2 + strspn(body + 2, "\r\n"));
    iconv_t cd = iconv_open(charset, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t in_left = strlen(text), out_size = 4 * in_left + 8, out_left = out_size;
    uint8_t *out = malloc(out_size);
    assert_non_null(out);
    char *in = text, *outp = (char *)out;
    assert_int_not_equal(iconv(cd, &in, &in_left, &outp, &out_left), (size_t)-1);
    iconv_close(cd);
    free(text);
    *len = out_size - out_left;
    return out;
}

/* Issue 14 item 4: the decision is on the parsed document, whatever the
 * encoding libxml2 decodes (as the GMS would): an EBCDIC (IBM037) document
 * with a replayed or tampered payload is refused, and counted for deny;
 * UTF-16 with a byte order mark and ISO-8859-1 likewise. */
static void test_gmk_body_other_encodings(void **state)
{
    fixture_t *f = *state;
    size_t count = 0;
    char detail[160];
    char *xml = gktp_document(f, false);
    assert_int_equal(check_body(f, "application/xml", xml, &count), MCSEC_REASON_NONE);
    size_t len = 0;
    uint8_t *ebcdic = encoded(xml, "IBM037", "IBM037", &len);
    assert_null(memmem(ebcdic, len, "GKTP", 4));
    assert_int_equal(mcsec_gmk_check_body("application/xml", ebcdic, len, &f->policy, &count,
                                          detail, sizeof(detail)),
                     MCSEC_REASON_GMK_REPLAY);
    assert_int_equal(
        mcsec_gmk_count_body("application/xml", ebcdic, len, &count, detail, sizeof(detail)),
        MCSEC_REASON_NONE);
    assert_int_equal(count, 1);
    free(ebcdic);
    char *tampered = gktp_document(f, true);
    ebcdic = encoded(tampered, "IBM037", "IBM037", &len);
    assert_int_equal(mcsec_gmk_check_body("application/xml", ebcdic, len, &f->policy, &count,
                                          detail, sizeof(detail)),
                     MCSEC_REASON_GMK_BAD_SIGNATURE);
    free(ebcdic);
    static const struct {
        const char *charset, *decl;
    } others[] = {{"UTF-16", NULL}, {"UTF-16", "UTF-16"}, {"ISO-8859-1", "ISO-8859-1"}};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        uint8_t *doc = encoded(tampered, others[i].charset, others[i].decl, &len);
        count = 0;
        assert_int_equal(
            mcsec_gmk_count_body("application/xml", doc, len, &count, detail, sizeof(detail)),
            MCSEC_REASON_NONE);
        assert_int_equal(count, 1);
        assert_int_equal(mcsec_gmk_check_body("application/xml", doc, len, &f->policy, &count,
                                              detail, sizeof(detail)),
                         MCSEC_REASON_GMK_BAD_SIGNATURE);
        free(doc);
    }
    free(tampered);
    free(xml);
    /* An XML leaf that does not parse cannot be said to hold no GKTP. */
    assert_int_equal(check_body(f, "application/xml", "<a>", &count), MCSEC_REASON_GMK_MALFORMED);
}

/* ---- policy ------------------------------------------------------------ */

static const char policy_yaml[] =
    "version: 1\n"
    "system:\n"
    "  name: system-a\n"
    "  identity: sip:border@a.example\n"
    "  domains: [a.example]\n"
    "  gmk: {gms: \"sip:alice@streamwide.com\", kms: kms.pub, max_age: 600}\n"
    "partners:\n"
    "  - name: system-b\n"
    "    identity: sip:border@b.example\n"
    "    domains: [b.example]\n"
    "    addresses: {is_proxy: [198.51.100.1:5060]}\n"
    "    auth: implicit\n"
    "    sip: {methods: [NOTIFY]}\n"
    "    keys: {kms: kms.pub}\n"
    "    gmk: {gms: gms@streamwide.com}\n"
    "  - name: system-c\n"
    "    identity: sip:border@c.example\n"
    "    domains: [c.example]\n"
    "    addresses: {is_proxy: [198.51.100.2:5060]}\n"
    "    auth: implicit\n"
    "    sip: {methods: [NOTIFY]}\n"
    "    gmk: {transfer: deny, max_age: 60}\n";

static void test_gmk_policy_loads_defaults_and_round_trips(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    assert_int_equal(mcsec_policy_load_buffer(policy_yaml, strlen(policy_yaml), "gmk.yaml",
                                              MCSEC_TEST_DATA "/gmk", &policy, &diags),
                     MCSEC_OK);
    assert_string_equal(policy->system.gmk.gms, RECEIVER);
    assert_int_equal(policy->system.gmk.max_age, 600);
    assert_int_equal(policy->system.gmk.replay_entries, 4096);
    const mcsec_partner_t *b = &policy->partners[0];
    assert_int_equal(b->gmk.transfer, MCSEC_GMK_TRANSFER_CHECK); /* a gmk section: check */
    assert_string_equal(b->gmk.gms, GMS);
    assert_int_equal(b->gmk.max_age, 600); /* the system's */
    const mcsec_partner_t *c = &policy->partners[1];
    assert_int_equal(c->gmk.transfer, MCSEC_GMK_TRANSFER_DENY);
    assert_int_equal(c->gmk.max_age, 60);
    char *dump = NULL;
    assert_int_equal(mcsec_policy_dump(policy, &dump), MCSEC_OK);
    assert_non_null(strstr(dump, "transfer: deny"));
    mcsec_policy_t *again = NULL;
    assert_int_equal(mcsec_policy_load_buffer(dump, strlen(dump), "dump", MCSEC_TEST_DATA "/gmk",
                                              &again, &diags),
                     MCSEC_OK);
    assert_int_equal(again->partners[0].gmk.transfer, MCSEC_GMK_TRANSFER_CHECK);
    assert_string_equal(again->system.gmk.kms, policy->system.gmk.kms);
    free(dump);
    mcsec_policy_free(again);
    mcsec_policy_free(policy);
    mcsec_diag_list_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gmk_vector_passes_with_its_kms_gms_and_receiver, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gmk_every_flipped_bit_fails_signature_or_structure,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmk_wrong_sender_receiver_and_kms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmk_stale_only_for_pushes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmk_replay_within_the_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmk_wrong_purpose_for_a_csk_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmk_outbound_swaps_the_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmk_incomplete_policy_is_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmk_uri_identities_and_missing_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmk_body_xml_and_multipart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmk_body_other_encodings, setup, teardown),
        cmocka_unit_test(test_gmk_policy_loads_defaults_and_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
