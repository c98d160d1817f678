/* EAR: exact layout, strict decoding, base64url carriage, and every reason
 * code of the verification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/ear/ear.h"
#include "mcsec/ibc/uid.h"

#define NOW 1700000000
#define SOURCE "sip:server@b.example"
#define TARGET "sip:alice@a.example"
#define BORDER "sip:border@b.example"

static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
    size_t n = 0;
    while (hex[0] != '\0' && hex[0] != '\n') {
        unsigned int byte;
        assert_true(n < size);
        assert_int_equal(sscanf(hex, "%2x", &byte), 1);
        out[n++] = (uint8_t)byte;
        hex += 2;
    }
    return n;
}

static void sample(mcsec_ear_t *ear, bool with_request)
{
    memset(ear, 0, sizeof(*ear));
    ear->date = NOW;
    for (int i = 0; i < 16; i++) {
        ear->ear_id[i] = (uint8_t)i;
    }
    ear->source_role = MCSEC_EAR_ROLE_MC_SERVER;
    ear->source_id = (mcsec_str_t){SOURCE, strlen(SOURCE)};
    ear->target_role = MCSEC_EAR_ROLE_MC_CLIENT;
    ear->target_id = (mcsec_str_t){TARGET, strlen(TARGET)};
    ear->has_request = with_request;
    ear->request_type = MCSEC_EAR_REQ_GROUP;
    ear->request_id = 0x123456;
    ear->request_expiry = NOW + 300;
}

/* ---- codec -------------------------------------------------------------- */

static void test_ear_encodes_the_documented_layout(void **state)
{
    (void)state;
    char hex[1024];
    uint8_t want[512], got[MCSEC_EAR_MAX_LEN];
    size_t len = 0;
    FILE *file = fopen(MCSEC_TEST_DATA "/ear/payload_with_request.hex", "r");
    assert_non_null(file);
    assert_non_null(fgets(hex, sizeof(hex), file));
    fclose(file);
    size_t want_len = unhex(hex, want, sizeof(want));
    mcsec_ear_t ear;
    sample(&ear, true);
    assert_int_equal(mcsec_ear_encode_payload(&ear, got, sizeof(got), &len), MCSEC_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
}

static void test_ear_decode_round_trip(void **state)
{
    (void)state;
    uint8_t buf[MCSEC_EAR_MAX_LEN];
    size_t len = 0;
    for (int with_request = 0; with_request < 2; with_request++) {
        mcsec_ear_t ear, back;
        sample(&ear, with_request);
        assert_int_equal(mcsec_ear_encode_payload(&ear, buf, sizeof(buf), &len), MCSEC_OK);
        memset(buf + len, 0x04, MCSEC_ECCSI_SIG_LEN); /* any octets: not checked here */
        assert_int_equal(mcsec_ear_decode(buf, len + MCSEC_ECCSI_SIG_LEN, &back), MCSEC_OK);
        assert_int_equal(back.date, NOW);
        assert_memory_equal(back.ear_id, ear.ear_id, 16);
        assert_int_equal(back.source_role, 2);
        assert_int_equal(back.source_id.len, strlen(SOURCE));
        assert_memory_equal(back.source_id.ptr, SOURCE, strlen(SOURCE));
        assert_int_equal(back.target_role, 1);
        assert_memory_equal(back.target_id.ptr, TARGET, strlen(TARGET));
        assert_int_equal(back.has_request, with_request);
        if (with_request) {
            assert_int_equal(back.request_type, 3);
            assert_int_equal(back.request_id, 0x123456);
            assert_int_equal(back.request_expiry, NOW + 300);
        }
        assert_ptr_equal(back.signed_part, buf);
        assert_int_equal(back.signed_len, len);
        assert_ptr_equal(back.signature, buf + len);
    }
}

static void test_ear_decode_rejects_every_truncation_and_extension(void **state)
{
    (void)state;
    uint8_t buf[MCSEC_EAR_MAX_LEN + 8];
    size_t len = 0;
    mcsec_ear_t ear, back;
    sample(&ear, true);
    assert_int_equal(mcsec_ear_encode_payload(&ear, buf, sizeof(buf), &len), MCSEC_OK);
    size_t total = len + MCSEC_ECCSI_SIG_LEN;
    memset(buf + len, 0, MCSEC_ECCSI_SIG_LEN + 8);
    for (size_t n = 0; n < total; n++) {
        /* A prefix is only valid where the request TLV-E could be absent,
         * and that prefix is shorter than the request by 15 octets. */
        mcsec_err_t err = mcsec_ear_decode(buf, n, &back);
        if (n + 15 == total) {
            continue; /* payload without request + a shifted "signature" */
        }
        assert_int_equal(err, MCSEC_ERR_PARSE);
    }
    for (size_t extra = 1; extra < 8; extra++) {
        assert_int_equal(mcsec_ear_decode(buf, total + extra, &back), MCSEC_ERR_PARSE);
    }
    assert_int_equal(mcsec_ear_decode(buf, total, &back), MCSEC_OK);
}

/* Mutates one octet of a valid EAR and expects a parse error. */
static void expect_parse_error(size_t offset, uint8_t value)
{
    uint8_t buf[MCSEC_EAR_MAX_LEN];
    size_t len = 0;
    mcsec_ear_t ear, back;
    sample(&ear, true);
    assert_int_equal(mcsec_ear_encode_payload(&ear, buf, sizeof(buf), &len), MCSEC_OK);
    memset(buf + len, 0, MCSEC_ECCSI_SIG_LEN);
    buf[offset] = value;
    if (mcsec_ear_decode(buf, len + MCSEC_ECCSI_SIG_LEN, &back) != MCSEC_ERR_PARSE) {
        fail_msg("octet %zu = 0x%02x was accepted", offset, value);
    }
}

static void test_ear_decode_rejects_bad_fields(void **state)
{
    (void)state;
    const size_t src_role = 22, src_len = 23, src_uri = 25;
    const size_t tgt_role = src_uri + strlen(SOURCE), tgt_len = tgt_role + 1;
    const size_t tgt_uri = tgt_len + 2, req = tgt_uri + strlen(TARGET);
    expect_parse_error(0, 0x02);     /* message ID */
    expect_parse_error(src_role, 0); /* unknown roles */
    expect_parse_error(src_role, 5);
    expect_parse_error(tgt_role, 0xFF);
    expect_parse_error(src_len, 0xFF); /* lengths past the end / over 1024 */
    expect_parse_error(src_len + 1, 0);
    expect_parse_error(src_len + 1, 0xFF);
    expect_parse_error(tgt_len, 0x04);
    expect_parse_error(src_uri, ' '); /* not URI text */
    expect_parse_error(src_uri, 0x00);
    expect_parse_error(src_uri + 3, 0xC0); /* broken UTF-8 */
    expect_parse_error(tgt_uri, 0x80);
    expect_parse_error(req, 0x77);   /* unknown IEI */
    expect_parse_error(req + 2, 11); /* request length */
    expect_parse_error(req + 2, 13);
    expect_parse_error(req + 4, 0x7A); /* request ID T */
    expect_parse_error(req + 8, 0x79); /* request expiry T */
}

static void test_ear_encode_rejects_out_of_range_fields(void **state)
{
    (void)state;
    uint8_t buf[MCSEC_EAR_MAX_LEN];
    char long_uri[MCSEC_EAR_URI_MAX + 2];
    size_t len = 0;
    mcsec_ear_t ear;
    sample(&ear, true);
    ear.date = MCSEC_EAR_DATE_MAX + 1;
    assert_int_equal(mcsec_ear_encode_payload(&ear, buf, sizeof(buf), &len), MCSEC_ERR_ARG);
    sample(&ear, true);
    ear.request_id = MCSEC_EAR_REQUEST_ID_MAX + 1;
    assert_int_equal(mcsec_ear_encode_payload(&ear, buf, sizeof(buf), &len), MCSEC_ERR_ARG);
    sample(&ear, true);
    ear.source_role = 9;
    assert_int_equal(mcsec_ear_encode_payload(&ear, buf, sizeof(buf), &len), MCSEC_ERR_ARG);
    sample(&ear, true);
    memset(long_uri, 'a', sizeof(long_uri));
    ear.target_id = (mcsec_str_t){long_uri, MCSEC_EAR_URI_MAX + 1};
    assert_int_equal(mcsec_ear_encode_payload(&ear, buf, sizeof(buf), &len), MCSEC_ERR_ARG);
    ear.target_id.len = MCSEC_EAR_URI_MAX;
    ear.source_id = ear.target_id;
    assert_int_equal(mcsec_ear_encode_payload(&ear, buf, sizeof(buf), &len), MCSEC_OK);
    assert_int_equal(len + MCSEC_ECCSI_SIG_LEN, MCSEC_EAR_MAX_LEN);
    assert_int_equal(mcsec_ear_encode_payload(&ear, buf, len - 1, &len), MCSEC_ERR_ARG);
}

static void test_ear_header_base64url(void **state)
{
    (void)state;
    uint8_t raw[MCSEC_EAR_MAX_LEN], back[MCSEC_EAR_MAX_LEN];
    char header[MCSEC_EAR_HEADER_MAX];
    size_t n = 0;
    for (size_t len = 1; len < 200; len++) {
        for (size_t i = 0; i < len; i++) {
            raw[i] = (uint8_t)(i * 37 + len + 0xF8);
        }
        assert_int_equal(mcsec_ear_to_header(raw, len, header, sizeof(header)), MCSEC_OK);
        assert_null(strpbrk(header, "+/="));
        assert_int_equal(mcsec_ear_from_header(header, strlen(header), back, sizeof(back), &n),
                         MCSEC_OK);
        assert_int_equal(n, len);
        assert_memory_equal(raw, back, len);
        /* Padded input is accepted too. */
        size_t hl = strlen(header);
        while (hl % 4 != 0) {
            header[hl++] = '=';
        }
        assert_int_equal(mcsec_ear_from_header(header, hl, back, sizeof(back), &n), MCSEC_OK);
        assert_int_equal(n, len);
    }
    static const char *const bad[] = {"",    "A",     "AB+C",  "AB/C", "AB C", "ABC=D",
                                      "AB=", "AB===", "AB\nC", "AF",   "AAB"};
    /* "AF": unused bits set (non-canonical); "AAB" likewise. */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (mcsec_ear_from_header(bad[i], strlen(bad[i]), back, sizeof(back), &n) !=
            MCSEC_ERR_PARSE) {
            fail_msg("'%s' was accepted", bad[i]);
        }
    }
    assert_int_equal(mcsec_ear_from_header("  AA  ", 6, back, sizeof(back), &n), MCSEC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(back[0], 0);
}

/* ---- verification ------------------------------------------------------- */

typedef struct {
    mcsec_kms_pub_t kms;
    mcsec_eccsi_pub_t *kpak;
    mcsec_eccsi_signer_t *signer;
    mcsec_eccsi_signer_t *wrong_signer;  /* other KMS, same identity */
    mcsec_eccsi_signer_t *border_signer; /* the partner's border (BORDER) */
    mcsec_replay_cache_t *replay;
    mcsec_ear_policy_t policy;
    uint8_t roles[1];
    uint8_t types[2];
    mcsec_strlist_t partner_domains, our_domains;
    mcsec_str_t asserted[3]; /* the request's P-Asserted-Identity fields */
    mcsec_ear_sender_t sender;
    uint8_t ksak[32];          /* the KMS of kms, to issue keys for other key periods */
    mcsec_kms_pub_t other_kms; /* kms with the KPAK of wrong_signer's KMS */
    mcsec_eccsi_pub_t *other_kpak;
} fixture_t;

static char *partner_domain_items[] = {"b.example"};
static char *our_domain_items[] = {"a.example", "*.a.example"};

static mcsec_eccsi_signer_t *issue_signer(const uint8_t ksak[32], const uint8_t kpak[65],
                                          const mcsec_kms_pub_t *kms, const char *uri, int64_t at)
{
    uint8_t uid[32], ssk[32], pvt[65];
    mcsec_eccsi_signer_t *signer = NULL;
    assert_int_equal(mcsec_uid_at(uri, strlen(uri), kms->kms_uri, strlen(kms->kms_uri),
                                  kms->key_period, kms->key_offset, at, uid),
                     MCSEC_OK);
    assert_int_equal(mcsec_eccsi_kms_issue(ksak, uid, 32, ssk, pvt), MCSEC_OK);
    assert_int_equal(mcsec_eccsi_signer_new(kpak, uid, 32, ssk, pvt, &signer), MCSEC_OK);
    return signer;
}

/* A key directory for uri issued by the fixture's KMS for key period number. */
static void issue_keydir(const fixture_t *f, const char *uri, uint64_t number,
                         mcsec_eccsi_keydir_t *out)
{
    uint8_t uid[32];
    memset(out, 0, sizeof(*out));
    snprintf(out->uri, sizeof(out->uri), "%s", uri);
    out->key_period_number = number;
    out->kms = f->kms;
    assert_int_equal(mcsec_uid_compute(uri, strlen(uri), f->kms.kms_uri, strlen(f->kms.kms_uri),
                                       f->kms.key_period, f->kms.key_offset, number, uid),
                     MCSEC_OK);
    assert_int_equal(mcsec_eccsi_kms_issue(f->ksak, uid, 32, out->ssk, out->pvt), MCSEC_OK);
}

/* Adds keys of key period number for uri to set. */
static void add_period(const fixture_t *f, mcsec_eccsi_keyset_t *set, const char *uri,
                       uint64_t number)
{
    mcsec_eccsi_keydir_t keys;
    char why[200] = "";
    issue_keydir(f, uri, number, &keys);
    assert_int_equal(mcsec_eccsi_keyset_add(set, &keys, why, sizeof(why)), MCSEC_OK);
    mcsec_eccsi_keydir_clear(&keys);
}

static int setup(void **state)
{
    static fixture_t f;
    uint8_t ksak[32], other_ksak[32], other_kpak[65];
    memset(&f, 0, sizeof(f));
    snprintf(f.kms.kms_uri, sizeof(f.kms.kms_uri), "kms.b.example");
    f.kms.key_period = 2592000;
    assert_int_equal(mcsec_eccsi_kms_generate(ksak, f.kms.kpak), MCSEC_OK);
    memcpy(f.ksak, ksak, sizeof(ksak));
    assert_int_equal(mcsec_eccsi_kms_generate(other_ksak, other_kpak), MCSEC_OK);
    assert_int_equal(mcsec_eccsi_pub_new(f.kms.kpak, &f.kpak), MCSEC_OK);
    f.signer = issue_signer(ksak, f.kms.kpak, &f.kms, SOURCE, NOW);
    f.wrong_signer = issue_signer(other_ksak, other_kpak, &f.kms, SOURCE, NOW);
    f.other_kms = f.kms;
    memcpy(f.other_kms.kpak, other_kpak, sizeof(other_kpak));
    assert_int_equal(mcsec_eccsi_pub_new(other_kpak, &f.other_kpak), MCSEC_OK);
    f.border_signer = issue_signer(ksak, f.kms.kpak, &f.kms, BORDER, NOW);
    f.asserted[0] = (mcsec_str_t){"<" SOURCE ">", strlen(SOURCE) + 2};
    f.sender = (mcsec_ear_sender_t){
        .asserted_ids = f.asserted, .asserted_id_count = 1, .border_identity = BORDER};
    assert_int_equal(mcsec_replay_mem_new(64, &f.replay), MCSEC_OK);
    f.roles[0] = MCSEC_EAR_ROLE_MC_SERVER;
    f.types[0] = MCSEC_EAR_REQ_GROUP;
    f.types[1] = MCSEC_EAR_REQ_PRIVILEGED;
    f.partner_domains = (mcsec_strlist_t){partner_domain_items, 1};
    f.our_domains = (mcsec_strlist_t){our_domain_items, 2};
    f.policy = (mcsec_ear_policy_t){
        .kms = &f.kms,
        .kpak = f.kpak,
        .partner_domains = &f.partner_domains,
        .source_roles = f.roles,
        .source_role_count = 1,
        .our_identity = "sip:border@a.example",
        .our_domains = &f.our_domains,
        .request_uri = {TARGET, strlen(TARGET)},
        .now = NOW,
        .skew = 0,
        .request_types = f.types,
        .request_type_count = 2,
        .replay = f.replay,
        .sender = &f.sender,
    };
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    mcsec_eccsi_pub_free(f->kpak);
    mcsec_eccsi_signer_free(f->signer);
    mcsec_eccsi_signer_free(f->wrong_signer);
    mcsec_eccsi_pub_free(f->other_kpak);
    mcsec_eccsi_signer_free(f->border_signer);
    mcsec_replay_free(f->replay);
    return 0;
}

/* Signs ear with signer, encodes it as a header and checks it. */
static mcsec_reason_t check(fixture_t *f, const mcsec_ear_t *ear,
                            const mcsec_eccsi_signer_t *signer, int flip_octet)
{
    uint8_t raw[MCSEC_EAR_MAX_LEN], buf[MCSEC_EAR_MAX_LEN];
    char header[MCSEC_EAR_HEADER_MAX], detail[160];
    size_t len = 0;
    assert_int_equal(mcsec_ear_sign(ear, signer, raw, sizeof(raw), &len), MCSEC_OK);
    if (flip_octet >= 0) {
        raw[flip_octet] ^= 0x01;
    }
    assert_int_equal(mcsec_ear_to_header(raw, len, header, sizeof(header)), MCSEC_OK);
    mcsec_ear_t decoded;
    return mcsec_ear_check_header(header, strlen(header), &f->policy, buf, sizeof(buf), &decoded,
                                  detail, sizeof(detail));
}

static void fresh_id(mcsec_ear_t *ear)
{
    assert_int_equal(mcsec_ear_new_id(ear->ear_id), MCSEC_OK);
}

static void test_ear_verify_accepts_valid_and_rejects_replay(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    sample(&ear, true);
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    /* The same EAR ID again, even freshly signed: a replay. */
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_REPLAY);
    /* Without a request payload, and as addressed to our border. */
    sample(&ear, false);
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    static const char border[] = "sip:border@A.EXAMPLE:5060;transport=tcp";
    ear.target_id = (mcsec_str_t){border, strlen(border)};
    fresh_id(&ear);
    f->policy.request_uri = (mcsec_str_t){"sip:border@a.example", 20};
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    f->policy.request_uri = (mcsec_str_t){TARGET, strlen(TARGET)};
}

/* What a border signs itself: border-proxy source role, its identity, the
 * target as given, now, no request; and it verifies. Keys of another key
 * period, no keys and an overlong target give policy.unavailable. */
static void test_ear_sign_as_border(void **state)
{
    fixture_t *f = *state;
    uint64_t period = 0;
    assert_int_equal(mcsec_key_period_number(NOW, f->kms.key_period, f->kms.key_offset, &period),
                     MCSEC_OK);
    mcsec_eccsi_keyset_t set;
    memset(&set, 0, sizeof(set));
    add_period(f, &set, SOURCE, period);
    mcsec_ear_border_keys_t keys = {.keys = &set, .identity = SOURCE};
    char header[MCSEC_EAR_HEADER_MAX], detail[160];
    const mcsec_str_t target = {TARGET, strlen(TARGET)};
    assert_int_equal(mcsec_ear_sign_as_border(&keys, target, MCSEC_EAR_ROLE_MC_SERVER, NOW, header,
                                              sizeof(header), detail, sizeof(detail)),
                     MCSEC_REASON_NONE);
    uint8_t raw[MCSEC_EAR_MAX_LEN];
    size_t len = 0;
    mcsec_ear_t ear;
    assert_int_equal(mcsec_ear_from_header(header, strlen(header), raw, sizeof(raw), &len),
                     MCSEC_OK);
    assert_int_equal(mcsec_ear_decode(raw, len, &ear), MCSEC_OK);
    assert_int_equal(ear.date, NOW);
    assert_int_equal(ear.source_role, MCSEC_EAR_ROLE_BORDER_PROXY);
    assert_int_equal(ear.source_id.len, strlen(SOURCE));
    assert_memory_equal(ear.source_id.ptr, SOURCE, strlen(SOURCE));
    assert_int_equal(ear.target_role, MCSEC_EAR_ROLE_MC_SERVER);
    assert_int_equal(ear.target_id.len, strlen(TARGET));
    assert_memory_equal(ear.target_id.ptr, TARGET, strlen(TARGET));
    assert_false(ear.has_request);
    uint8_t buf[MCSEC_EAR_MAX_LEN];
    f->roles[0] = MCSEC_EAR_ROLE_BORDER_PROXY;
    assert_int_equal(mcsec_ear_check_header(header, strlen(header), &f->policy, buf, sizeof(buf),
                                            NULL, detail, sizeof(detail)),
                     MCSEC_REASON_NONE);
    f->roles[0] = MCSEC_EAR_ROLE_MC_SERVER;

    /* Only keys of the next key period: refused, and the detail says so. */
    mcsec_eccsi_keyset_t next;
    memset(&next, 0, sizeof(next));
    add_period(f, &next, SOURCE, period + 1);
    keys.keys = &next;
    assert_int_equal(mcsec_ear_sign_as_border(&keys, target, MCSEC_EAR_ROLE_MC_SERVER, NOW, header,
                                              sizeof(header), detail, sizeof(detail)),
                     MCSEC_REASON_POLICY_UNAVAILABLE);
    assert_non_null(strstr(detail, "key period"));
    mcsec_eccsi_keyset_free(&next);
    /* An empty set, and no keys at all. */
    assert_int_equal(mcsec_ear_sign_as_border(&keys, target, MCSEC_EAR_ROLE_MC_SERVER, NOW, header,
                                              sizeof(header), detail, sizeof(detail)),
                     MCSEC_REASON_POLICY_UNAVAILABLE);
    assert_non_null(strstr(detail, "no usable border signing keys"));
    assert_int_equal(mcsec_ear_sign_as_border(NULL, target, MCSEC_EAR_ROLE_MC_SERVER, NOW, header,
                                              sizeof(header), detail, sizeof(detail)),
                     MCSEC_REASON_POLICY_UNAVAILABLE);
    keys.keys = &set;
    /* A target longer than an EAR holds. */
    static char long_target[MCSEC_EAR_URI_MAX + 2];
    memset(long_target, 'a', sizeof(long_target) - 1);
    memcpy(long_target, "sip:", 4);
    assert_int_equal(mcsec_ear_sign_as_border(&keys,
                                              (mcsec_str_t){long_target, strlen(long_target)},
                                              MCSEC_EAR_ROLE_MC_SERVER, NOW, header, sizeof(header),
                                              detail, sizeof(detail)),
                     MCSEC_REASON_POLICY_UNAVAILABLE);
    assert_non_null(strstr(detail, "cannot sign"));
    mcsec_eccsi_keyset_free(&set);
}

/* A partner's KPAK change in overlap (keys.kms as a list): while both
 * KMSs are listed, EARs signed under the old KPAK and under the new one
 * verify, whichever is first; once the old one is removed, its EARs are
 * refused as before (ear.bad_signature). A third KMS that verifies nothing
 * changes nothing. */
static void test_ear_verify_several_kms(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    const mcsec_eccsi_signer_t *old_signer = f->wrong_signer; /* under other_kpak */
    mcsec_kms_pub_t third = f->kms;
    third.kms_uri[0] = 'x';
    mcsec_ear_kms_ref_t more[2] = {{&f->other_kms, f->other_kpak}, {&third, f->kpak}};
    f->policy.more_kms = more;
    f->policy.more_kms_count = 1;
    sample(&ear, true);
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, old_signer, -1), MCSEC_REASON_NONE);
    /* Tampered EARs fail under every KMS. */
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, old_signer, 10), MCSEC_REASON_EAR_BAD_SIGNATURE);
    /* The old KMS first, the new one second: the same. */
    mcsec_ear_kms_ref_t swapped[1] = {{&f->kms, f->kpak}};
    f->policy.kms = &f->other_kms;
    f->policy.kpak = f->other_kpak;
    f->policy.more_kms = swapped;
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, old_signer, -1), MCSEC_REASON_NONE);
    f->policy.kms = &f->kms;
    f->policy.kpak = f->kpak;
    /* A third, unrelated KMS (another URI: other UIDs) after the old one. */
    f->policy.more_kms = more;
    f->policy.more_kms_count = 2;
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, old_signer, -1), MCSEC_REASON_NONE);
    /* The old KMS's certificate (kms import) ended at the EAR's date: its
     * EARs are refused although it is listed; valid again, they pass. */
    f->other_kms.has_validity = 1;
    f->other_kms.valid_from = NOW - 86400;
    f->other_kms.valid_to = NOW;
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, old_signer, -1), MCSEC_REASON_EAR_BAD_SIGNATURE);
    f->other_kms.valid_to = NOW + 1;
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, old_signer, -1), MCSEC_REASON_NONE);
    f->other_kms.has_validity = 0;
    /* The old KMS removed: its EARs are refused. */
    f->policy.more_kms = NULL;
    f->policy.more_kms_count = 0;
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, old_signer, -1), MCSEC_REASON_EAR_BAD_SIGNATURE);
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
}

/* Signs as the border at `at` with keys and checks the EAR as the partner
 * does at that time (UID of the key period of the EAR's date); returns the
 * verification's reason, or the signing's when it refuses. */
static mcsec_reason_t sign_and_check_at(fixture_t *f, const mcsec_ear_border_keys_t *keys,
                                        int64_t at)
{
    char header[MCSEC_EAR_HEADER_MAX], detail[200];
    const mcsec_str_t target = {TARGET, strlen(TARGET)};
    mcsec_reason_t reason = mcsec_ear_sign_as_border(
        keys, target, MCSEC_EAR_ROLE_MC_SERVER, at, header, sizeof(header), detail, sizeof(detail));
    if (reason != MCSEC_REASON_NONE) {
        return reason;
    }
    uint8_t buf[MCSEC_EAR_MAX_LEN];
    f->roles[0] = MCSEC_EAR_ROLE_BORDER_PROXY;
    f->policy.now = at;
    reason = mcsec_ear_check_header(header, strlen(header), &f->policy, buf, sizeof(buf), NULL,
                                    detail, sizeof(detail));
    f->policy.now = NOW;
    f->roles[0] = MCSEC_EAR_ROLE_MC_SERVER;
    return reason;
}

/* Keys of key periods P and P+1: the last second of P signs with P's keys,
 * the boundary and after with P+1's, with no reload, and the partner
 * verifies both. With P's keys alone, signing stops at the boundary. A
 * duplicate period, another identity and keys failing RFC 6507 5.1.2 are
 * not added. */
static void test_ear_sign_switches_at_period_boundary(void **state)
{
    fixture_t *f = *state;
    uint64_t period = 0;
    int64_t boundary = 0;
    assert_int_equal(mcsec_key_period_number(NOW, f->kms.key_period, f->kms.key_offset, &period),
                     MCSEC_OK);
    assert_int_equal(mcsec_key_period_end(period, f->kms.key_period, f->kms.key_offset, &boundary),
                     MCSEC_OK);
    assert_true(boundary > NOW);
    mcsec_eccsi_keyset_t set;
    memset(&set, 0, sizeof(set));
    add_period(f, &set, SOURCE, period + 1); /* added out of order on purpose */
    add_period(f, &set, SOURCE, period);
    mcsec_ear_border_keys_t keys = {.keys = &set, .identity = SOURCE};
    assert_int_equal(mcsec_eccsi_keyset_at(&set, boundary - 1)->period, period);
    assert_int_equal(mcsec_eccsi_keyset_at(&set, boundary)->period, period + 1);
    assert_null(mcsec_eccsi_keyset_at(&set, boundary + (int64_t)f->kms.key_period));
    assert_int_equal(sign_and_check_at(f, &keys, NOW), MCSEC_REASON_NONE);
    assert_int_equal(sign_and_check_at(f, &keys, boundary - 1), MCSEC_REASON_NONE);
    assert_int_equal(sign_and_check_at(f, &keys, boundary), MCSEC_REASON_NONE);
    assert_int_equal(sign_and_check_at(f, &keys, boundary + 3600), MCSEC_REASON_NONE);
    assert_int_equal(sign_and_check_at(f, &keys, boundary + (int64_t)f->kms.key_period),
                     MCSEC_REASON_POLICY_UNAVAILABLE);
    /* The same key period twice is refused. */
    mcsec_eccsi_keydir_t dup;
    issue_keydir(f, SOURCE, period, &dup);
    char why[200] = "";
    assert_int_equal(mcsec_eccsi_keyset_add(&set, &dup, why, sizeof(why)), MCSEC_ERR_INVALID);
    /* Another identity next to the set's is refused. */
    mcsec_eccsi_keydir_t other;
    issue_keydir(f, BORDER, period + 2, &other);
    assert_int_equal(mcsec_eccsi_keyset_add(&set, &other, why, sizeof(why)), MCSEC_ERR_INVALID);
    mcsec_eccsi_keydir_clear(&other);
    /* Keys failing the RFC 6507 check are refused. */
    dup.key_period_number = period + 2;
    dup.ssk[31] ^= 1;
    assert_int_equal(mcsec_eccsi_keyset_add(&set, &dup, why, sizeof(why)), MCSEC_ERR_INVALID);
    mcsec_eccsi_keydir_clear(&dup);
    assert_int_equal(set.count, 2);
    mcsec_eccsi_keyset_free(&set);

    /* P's keys alone: signing stops at the boundary. */
    add_period(f, &set, SOURCE, period);
    assert_int_equal(sign_and_check_at(f, &keys, boundary - 1), MCSEC_REASON_NONE);
    assert_int_equal(sign_and_check_at(f, &keys, boundary), MCSEC_REASON_POLICY_UNAVAILABLE);
    mcsec_eccsi_keyset_free(&set);
}

static void test_ear_verify_missing_and_malformed(void **state)
{
    fixture_t *f = *state;
    uint8_t buf[MCSEC_EAR_MAX_LEN];
    assert_int_equal(mcsec_ear_check_header(NULL, 0, &f->policy, buf, sizeof(buf), NULL, NULL, 0),
                     MCSEC_REASON_EAR_MISSING);
    assert_int_equal(mcsec_ear_check_header("  ", 2, &f->policy, buf, sizeof(buf), NULL, NULL, 0),
                     MCSEC_REASON_EAR_MISSING);
    assert_int_equal(mcsec_ear_check_header("AB+C", 4, &f->policy, buf, sizeof(buf), NULL, NULL, 0),
                     MCSEC_REASON_EAR_MALFORMED);
    assert_int_equal(mcsec_ear_check_header("AAAA", 4, &f->policy, buf, sizeof(buf), NULL, NULL, 0),
                     MCSEC_REASON_EAR_MALFORMED);
}

static void test_ear_verify_bad_signature(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    sample(&ear, true);
    fresh_id(&ear);
    /* A flipped octet in the EAR ID, and in s. */
    assert_int_equal(check(f, &ear, f->signer, 10), MCSEC_REASON_EAR_BAD_SIGNATURE);
    assert_int_equal(check(f, &ear, f->signer, 82 + 40), MCSEC_REASON_EAR_BAD_SIGNATURE);
    /* Keys from another KMS for the same identity. */
    assert_int_equal(check(f, &ear, f->wrong_signer, -1), MCSEC_REASON_EAR_BAD_SIGNATURE);
    /* Signed by the partner's server, but claiming another source in the
     * partner's domains (and asserting it too). */
    ear.source_id = (mcsec_str_t){"sip:other@b.example", 19};
    f->asserted[1] = ear.source_id;
    f->sender.asserted_id_count = 2;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_BAD_SIGNATURE);
    f->sender.asserted_id_count = 1;
    /* Keys of one key period do not sign for a date in the next one. */
    sample(&ear, true);
    fresh_id(&ear);
    ear.date = NOW + 2592000;
    f->policy.now = NOW + 2592000;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_BAD_SIGNATURE);
    f->policy.now = NOW;
    /* The forged EARs took no replay-cache entry: the ID is still new. */
    sample(&ear, true);
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->wrong_signer, -1), MCSEC_REASON_EAR_BAD_SIGNATURE);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
}

static void test_ear_verify_unknown_signer(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    sample(&ear, true);
    fresh_id(&ear);
    ear.source_id = (mcsec_str_t){"sip:server@c.example", 20};
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_UNKNOWN_SIGNER);
    ear.source_id = (mcsec_str_t){"tel:+4412345", 12};
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_UNKNOWN_SIGNER);
    sample(&ear, true);
    ear.source_role = MCSEC_EAR_ROLE_GMS;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_UNKNOWN_SIGNER);
}

/* An MC client's EAR is refused at the border whatever the partner's
 * source roles (TS 33.180 11.1.1), before any other check, and takes no
 * replay-cache entry. */
static void test_ear_verify_client_role(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    sample(&ear, true);
    fresh_id(&ear);
    ear.source_role = MCSEC_EAR_ROLE_MC_CLIENT;
    f->roles[0] = MCSEC_EAR_ROLE_MC_CLIENT; /* even when the policy lists role 1 */
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_CLIENT_ROLE);
    ear.date = NOW - 300; /* before the date check too */
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_CLIENT_ROLE);
    /* Offline checks (mcsecctl ear verify) refuse it as well. */
    f->policy.offline = true;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_CLIENT_ROLE);
    f->policy.offline = false;
    f->roles[0] = MCSEC_EAR_ROLE_MC_SERVER;
    assert_int_equal(mcsec_reason_sip_status(MCSEC_REASON_EAR_CLIENT_ROLE), 403);
    assert_int_equal(mcsec_reason_http_status(MCSEC_REASON_EAR_CLIENT_ROLE), 403);
    /* The refused EAR's ID is still new. */
    ear.date = NOW;
    ear.source_role = MCSEC_EAR_ROLE_MC_SERVER;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
}

/* The source ID is the asserted identity (any item of any field, URIs
 * compared by scheme, user and host), or the sending border's identity
 * with role border proxy; otherwise ear.source_mismatch, before the
 * signature and the replay cache. */
static void test_ear_verify_source_mismatch(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    sample(&ear, true);
    fresh_id(&ear);
    /* The request asserts a user of the partner, not the signing server. */
    f->asserted[0] = (mcsec_str_t){"<sip:bob@b.example>", 19};
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_SOURCE_MISMATCH);
    assert_int_equal(mcsec_reason_sip_status(MCSEC_REASON_EAR_SOURCE_MISMATCH), 403);
    assert_int_equal(mcsec_reason_http_status(MCSEC_REASON_EAR_SOURCE_MISMATCH), 403);
    /* Same host, other scheme or user case: still another identity. */
    f->asserted[0] = (mcsec_str_t){"<sips:server@b.example>", 23};
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_SOURCE_MISMATCH);
    f->asserted[0] = (mcsec_str_t){"<sip:Server@b.example>", 22};
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_SOURCE_MISMATCH);
    /* No asserted identity, no sender at all. */
    f->sender.asserted_id_count = 0;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_SOURCE_MISMATCH);
    f->policy.sender = NULL;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_SOURCE_MISMATCH);
    /* ... unless the check is offline (no request to bind to). */
    f->policy.offline = true;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    f->policy.offline = false;
    f->policy.sender = &f->sender;
    /* Any of the asserted values may match: a tel URI and a display name
     * in the first field, the server in the second; host case, port and
     * parameters aside. */
    f->asserted[0] = (mcsec_str_t){"\"Bob\" <sip:bob@b.example>, <tel:+441>", 37};
    f->asserted[1] = (mcsec_str_t){"Srv <sip:server@B.Example:5061;transport=tls>", 45};
    f->sender.asserted_id_count = 2;
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    /* HTTP-3: X-3GPP-Asserted-Identity items in double quotes. */
    f->asserted[0] = (mcsec_str_t){"\"sip:server@b.example\"", 22};
    f->sender.asserted_id_count = 1;
    f->sender.quoted = true;
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    f->sender.quoted = false;
    /* The partner's border signing on its servers' behalf: role 4 and its
     * identity, whatever the request asserts. */
    f->asserted[0] = (mcsec_str_t){"<sip:bob@b.example>", 19};
    sample(&ear, false);
    fresh_id(&ear);
    ear.source_role = MCSEC_EAR_ROLE_BORDER_PROXY;
    ear.source_id = (mcsec_str_t){BORDER, strlen(BORDER)};
    f->roles[0] = MCSEC_EAR_ROLE_BORDER_PROXY;
    assert_int_equal(check(f, &ear, f->border_signer, -1), MCSEC_REASON_NONE);
    /* ... but the border's identity with a server's role is no border EAR,
     * and no border identity configured binds nothing. */
    fresh_id(&ear);
    ear.source_role = MCSEC_EAR_ROLE_MC_SERVER;
    f->roles[0] = MCSEC_EAR_ROLE_MC_SERVER;
    assert_int_equal(check(f, &ear, f->border_signer, -1), MCSEC_REASON_EAR_SOURCE_MISMATCH);
    ear.source_role = MCSEC_EAR_ROLE_BORDER_PROXY;
    f->roles[0] = MCSEC_EAR_ROLE_BORDER_PROXY;
    f->sender.border_identity = NULL;
    assert_int_equal(check(f, &ear, f->border_signer, -1), MCSEC_REASON_EAR_SOURCE_MISMATCH);
    /* Role 4 from another source of the partner: neither rule holds. */
    f->sender.border_identity = BORDER;
    ear.source_id = (mcsec_str_t){SOURCE, strlen(SOURCE)};
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_SOURCE_MISMATCH);
    /* None of the refused EARs took a replay-cache entry. */
    ear.source_id = (mcsec_str_t){BORDER, strlen(BORDER)};
    assert_int_equal(check(f, &ear, f->border_signer, -1), MCSEC_REASON_NONE);
    f->roles[0] = MCSEC_EAR_ROLE_MC_SERVER;
    f->asserted[0] = (mcsec_str_t){"<" SOURCE ">", strlen(SOURCE) + 2};
    /* The check alone, without an EAR or a detail buffer. */
    assert_int_equal(mcsec_ear_check_source(NULL, &f->sender, NULL, 0),
                     MCSEC_REASON_EAR_SOURCE_MISMATCH);
}

static void test_ear_verify_wrong_target(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    sample(&ear, true);
    fresh_id(&ear);
    /* Not ours at all. */
    ear.target_id = (mcsec_str_t){"sip:alice@c.example", 19};
    f->policy.request_uri = ear.target_id;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_WRONG_TARGET);
    /* Ours, but not the request-URI: other user, other scheme. */
    f->policy.request_uri = (mcsec_str_t){"sip:bob@a.example", 17};
    sample(&ear, true);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_WRONG_TARGET);
    f->policy.request_uri = (mcsec_str_t){"sips:alice@a.example", 20};
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_WRONG_TARGET);
    /* Host case and parameters do not matter. */
    f->policy.request_uri = (mcsec_str_t){"sip:alice@A.Example;user=phone", 30};
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    f->policy.request_uri = (mcsec_str_t){TARGET, strlen(TARGET)};
    assert_true(mcsec_ear_uri_equal((mcsec_str_t){"sip:x@[::1]:5060", 16},
                                    (mcsec_str_t){"sip:x@[::1]", 11}));
    assert_false(mcsec_ear_uri_equal((mcsec_str_t){"sip:X@h", 7}, (mcsec_str_t){"sip:x@h", 7}));
    assert_false(mcsec_ear_uri_equal((mcsec_str_t){"nocolon", 7}, (mcsec_str_t){"nocolon", 7}));
}

/* One EAR, one protocol (docs/ear.md): on HTTP-3 the target is an https
 * origin of ours and the request's host; the border identity, valid on SIP
 * for a request addressed to the border, is refused there, and an https
 * target is refused on SIP. So the two replay caches never see one EAR
 * that both would accept. */
static void test_ear_verify_one_protocol(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    sample(&ear, false);
    static const char border[] = "sip:border@a.example";
    static const char origin[] = "https://border.a.example";
    /* SIP: the border identity passes for a request to the border ... */
    ear.target_id = (mcsec_str_t){border, strlen(border)};
    f->policy.request_uri = ear.target_id;
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    /* ... and the same EAR on HTTP is the wrong target, before any replay. */
    f->policy.http = true;
    f->policy.our_http_host = "border.a.example";
    f->policy.request_uri = (mcsec_str_t){origin, strlen(origin)};
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_WRONG_TARGET);
    /* HTTP: our origin (host case, port and a trailing '/' aside) passes. */
    static const char *const good[] = {"https://border.a.example", "HTTPS://Border.A.Example:8443/",
                                       "https://xcap.a.example"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ear.target_id = (mcsec_str_t){good[i], strlen(good[i])};
        f->policy.request_uri = (mcsec_str_t){good[i], strlen(good[i])};
        fresh_id(&ear);
        assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    }
    /* Our HTTP name outside our domains still counts as ours. */
    f->policy.our_http_host = "proxy.a.net:443";
    ear.target_id = (mcsec_str_t){"https://proxy.a.net", 19};
    f->policy.request_uri = (mcsec_str_t){"https://proxy.a.net:443", 23};
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    f->policy.request_uri = (mcsec_str_t){origin, strlen(origin)};
    static const char *const bad[] = {
        "https://border.c.example",      /* not ours */
        "https://xcap.a.example",        /* ours, not the request's host */
        "http://border.a.example",       /* not https */
        "https://border.a.example/xcap", /* a path */
        "https://u@border.a.example",    /* userinfo */
        "https://border.a.example:",     /* empty port */
        "https://border.a.example:8x",   /* bad port */
        "https://",                      /* no host */
        "sips:border@a.example",         /* any SIP URI */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ear.target_id = (mcsec_str_t){bad[i], strlen(bad[i])};
        fresh_id(&ear);
        assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_WRONG_TARGET);
    }
    /* SIP again: an https origin is never a SIP target. */
    f->policy.http = false;
    f->policy.our_http_host = NULL;
    ear.target_id = (mcsec_str_t){origin, strlen(origin)};
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_WRONG_TARGET);
    f->policy.request_uri = (mcsec_str_t){TARGET, strlen(TARGET)};
}

static void test_ear_verify_stale_and_skew(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    sample(&ear, true);
    fresh_id(&ear);
    ear.date = NOW - 31;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_STALE);
    ear.date = NOW + 31;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_STALE);
    ear.date = NOW - 30;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    fresh_id(&ear);
    ear.date = NOW - 100;
    f->policy.skew = 120;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    f->policy.skew = 0;
}

static void test_ear_verify_expired_and_type_denied(void **state)
{
    fixture_t *f = *state;
    mcsec_ear_t ear;
    sample(&ear, true);
    fresh_id(&ear);
    ear.request_expiry = NOW - 1;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_EXPIRED);
    ear.request_expiry = NOW;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    fresh_id(&ear);
    ear.request_expiry = NOW + 10;
    ear.request_type = MCSEC_EAR_REQ_MIGRATION;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_TYPE_DENIED);
    f->policy.request_type_count = 0;
    ear.request_type = MCSEC_EAR_REQ_GROUP;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_TYPE_DENIED);
    f->policy.request_type_count = 2;
}

static void test_ear_verify_replay_cache_full_refuses(void **state)
{
    fixture_t *f = *state;
    mcsec_replay_cache_t *small = NULL;
    mcsec_replay_cache_t *saved = f->policy.replay;
    assert_int_equal(mcsec_replay_mem_new(2, &small), MCSEC_OK);
    f->policy.replay = small;
    mcsec_ear_t ear;
    sample(&ear, false);
    for (int i = 0; i < 2; i++) {
        fresh_id(&ear);
        assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    }
    fresh_id(&ear);
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_EAR_REPLAY_CACHE_FULL);
    assert_int_equal(mcsec_reason_sip_status(MCSEC_REASON_EAR_REPLAY_CACHE_FULL), 503);
    /* After the window (2 x skew) the entries are gone. */
    f->policy.now = NOW + 60;
    ear.date = NOW + 60;
    assert_int_equal(check(f, &ear, f->signer, -1), MCSEC_REASON_NONE);
    f->policy.now = NOW;
    f->policy.replay = saved;
    mcsec_replay_free(small);
}

int main(void)
{
    const struct CMUnitTest codec[] = {
        cmocka_unit_test(test_ear_encodes_the_documented_layout),
        cmocka_unit_test(test_ear_decode_round_trip),
        cmocka_unit_test(test_ear_decode_rejects_every_truncation_and_extension),
        cmocka_unit_test(test_ear_decode_rejects_bad_fields),
        cmocka_unit_test(test_ear_encode_rejects_out_of_range_fields),
        cmocka_unit_test(test_ear_header_base64url),
    };
    const struct CMUnitTest verify[] = {
        cmocka_unit_test(test_ear_verify_accepts_valid_and_rejects_replay),
        cmocka_unit_test(test_ear_sign_as_border),
        cmocka_unit_test(test_ear_verify_missing_and_malformed),
        cmocka_unit_test(test_ear_verify_bad_signature),
        cmocka_unit_test(test_ear_verify_unknown_signer),
        cmocka_unit_test(test_ear_verify_client_role),
        cmocka_unit_test(test_ear_verify_source_mismatch),
        cmocka_unit_test(test_ear_verify_wrong_target),
        cmocka_unit_test(test_ear_sign_switches_at_period_boundary),
        cmocka_unit_test(test_ear_verify_several_kms),
        cmocka_unit_test(test_ear_verify_one_protocol),
        cmocka_unit_test(test_ear_verify_stale_and_skew),
        cmocka_unit_test(test_ear_verify_expired_and_type_denied),
        cmocka_unit_test(test_ear_verify_replay_cache_full_refuses),
    };
    int failed = cmocka_run_group_tests_name("ear codec", codec, NULL, NULL);
    failed += cmocka_run_group_tests_name("ear verify", verify, setup, teardown);
    return failed;
}
