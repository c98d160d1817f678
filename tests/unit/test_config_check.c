/* mcsec_config_check: a complete policy (internal and partner SPK,
 * topology key, an explicit partner with its KMS, our signing keys, our
 * certificate with its CA) passes; each test then breaks one object and
 * sees exactly one problem, with its exact text and FILE[:LINE]. Keys are
 * made at test time with the library (KMS, ECCSI) and the openssl command
 * (certificates) in a temporary directory. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcsec/config/config_check.h"
#include "mcsec/config/config_expiry.h"
#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/uid.h"
#include "mcsec/policy/policy.h"

#define OUR_ID "sip:border@a.mcx.example"
#define KEY_PERIOD (1ull << 30) /* long: the tests move the clock by days */
#define SPK_GOOD "30000001 00112233445566778899aabbccddeeff\n"
#define TOPO_GOOD "01 1111111111111111111111111111111111111111111111111111111111111111\n"

static char dir[64];

static const char *at(const char *name)
{
    static char paths[64][256]; /* a ring: every path of one check call stays */
    static unsigned next;
    char *path = paths[next++ % 64];
    snprintf(path, 256, "%s/%s", dir, name);
    return path;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
    FILE *f = fopen(at(name), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(at(name), mode), 0);
}

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* A KMS public file in DIR/kms.pub and, when signer_dir, keys for OUR_ID
 * in the key period `period_delta` away from now; with subdirs, in
 * signer_dir/period-N for each of the deltas 0 .. subdirs - 1 (the
 * per-period layout, mcsec/ibc/keyset.h) with kms.pub next to them. */
static int make_kms_in(const char *kms_dir, const char *signer_dir, int period_delta, int subdirs)
{
    mcsec_kms_pub_t pub;
    memset(&pub, 0, sizeof(pub));
    snprintf(pub.kms_uri, sizeof(pub.kms_uri), "kms.example");
    pub.key_period = KEY_PERIOD;
    uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN];
    if (mkdir(at(kms_dir), 0700) != 0 || mcsec_eccsi_kms_generate(ksak, pub.kpak) != MCSEC_OK)
        return -1;
    char path[256];
    snprintf(path, sizeof(path), "%s/kms.pub", at(kms_dir));
    if (mcsec_kms_pub_write(path, &pub) != MCSEC_OK)
        return -1;
    if (!signer_dir)
        return 0;
    mcsec_eccsi_keydir_t keys;
    memset(&keys, 0, sizeof(keys));
    snprintf(keys.uri, sizeof(keys.uri), "%s", OUR_ID);
    keys.kms = pub;
    uint8_t uid[MCSEC_UID_LEN];
    if (mcsec_key_period_number((int64_t)time(NULL), KEY_PERIOD, 0, &keys.key_period_number) !=
        MCSEC_OK)
        return -1;
    keys.key_period_number += (uint64_t)(int64_t)period_delta;
    if (mkdir(at(signer_dir), 0700) != 0)
        return -1;
    if (subdirs > 0) {
        snprintf(path, sizeof(path), "%s/kms.pub", at(signer_dir));
        if (mcsec_kms_pub_write(path, &pub) != MCSEC_OK)
            return -1;
    }
    uint64_t first = keys.key_period_number;
    for (int i = 0; i < (subdirs > 0 ? subdirs : 1); i++) {
        keys.key_period_number = first + (uint64_t)i;
        snprintf(path, sizeof(path), "%s", at(signer_dir));
        if (subdirs > 0)
            snprintf(path + strlen(path), sizeof(path) - strlen(path), "/period-%llu",
                     (unsigned long long)keys.key_period_number);
        if (mcsec_uid_compute(OUR_ID, strlen(OUR_ID), pub.kms_uri, strlen(pub.kms_uri), KEY_PERIOD,
                              0, keys.key_period_number, uid) != MCSEC_OK ||
            mcsec_eccsi_kms_issue(ksak, uid, sizeof(uid), keys.ssk, keys.pvt) != MCSEC_OK ||
            (subdirs > 0 && mkdir(path, 0700) != 0) ||
            mcsec_eccsi_keydir_write(path, &keys) != MCSEC_OK)
            return -1;
    }
    return 0;
}

static int make_kms(const char *kms_dir, const char *signer_dir, int period_delta)
{
    return make_kms_in(kms_dir, signer_dir, period_delta, 0);
}

/* Certificates: ca, other-ca; a (ours, by ca), expired (a's key, expired
 * yesterday), stranger (a's key, by other-ca), noeku (a's key, no extended
 * key usage), othersan (a's key, SAN x.example), other.key (no
 * certificate). */
static int make_certs(void)
{
    static const char *const ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    const char *ext = at("leaf.ext");
    FILE *f = fopen(ext, "w");
    if (!f)
        return -1;
    fputs("basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n"
          "subjectAltName=DNS:a.mcx.example\n",
          f);
    fclose(f);
    f = fopen(at("noeku.ext"), "w");
    if (!f)
        return -1;
    fputs("basicConstraints=CA:FALSE\nsubjectAltName=DNS:a.mcx.example\n", f);
    fclose(f);
    f = fopen(at("othersan.ext"), "w");
    if (!f)
        return -1;
    fputs("basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n"
          "subjectAltName=DNS:x.example\n",
          f);
    fclose(f);
    int rc = 0;
    const char *const cas[] = {"ca", "other-ca"};
    for (int i = 0; i < 2 && rc == 0; i++)
        rc = sh("cd %s && openssl req -x509 %s -days 3650 -subj /CN=%s -keyout %s.key -out %s.pem "
                "-addext basicConstraints=critical,CA:TRUE 2>/dev/null",
                dir, ec, cas[i], cas[i], cas[i]);
    if (rc == 0)
        rc = sh("cd %s && openssl req %s -subj /CN=a -keyout a.key -out a.csr 2>/dev/null && "
                "openssl req %s -subj /CN=o -keyout other.key -out other.csr 2>/dev/null",
                dir, ec, ec);
    const char *const leaves[][4] = {{"a", "ca", "30", "leaf"},
                                     {"expired", "ca", "-1", "leaf"},
                                     {"stranger", "other-ca", "30", "leaf"},
                                     {"noeku", "ca", "30", "noeku"},
                                     {"othersan", "ca", "30", "othersan"}};
    for (int i = 0; i < 5 && rc == 0; i++)
        rc = sh("cd %s && openssl x509 -req -in a.csr -CA %s.pem -CAkey %s.key -CAcreateserial "
                "-days %s -extfile %s.ext -out %s.pem 2>/dev/null",
                dir, leaves[i][1], leaves[i][1], leaves[i][2], leaves[i][3], leaves[i][0]);
    /* longca and long (a's key): valid past the end of the current key
     * period (KEY_PERIOD is 34 years), for the key period tests. */
    if (rc == 0)
        rc = sh("cd %s && openssl req -x509 %s -days 20000 -subj /CN=longca -keyout longca.key "
                "-out longca.pem -addext basicConstraints=critical,CA:TRUE 2>/dev/null && "
                "openssl x509 -req -in a.csr -CA longca.pem -CAkey longca.key -CAcreateserial "
                "-days 20000 -extfile leaf.ext -out long.pem 2>/dev/null",
                dir, ec);
    return rc == 0 ? sh("chmod 600 %s/*.key", dir) : -1;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/mcsec-cfgck-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    write_file("b.spk", SPK_GOOD, 0600);
    write_file("internal.spk", "30000002 ffeeddccbbaa99887766554433221100\n", 0600);
    write_file("topo.keys", TOPO_GOOD, 0600);
    if (make_kms("kms-b", NULL, 0) != 0 || make_kms("kms-a", "sign", 0) != 0 ||
        make_kms("kms-old", "sign-old", -1) != 0 || make_kms_in("kms-two", "sign-two", 0, 2) != 0 ||
        make_kms_in("kms-next", "sign-next", 1, 1) != 0)
        return -1;
    return make_certs();
}

static int teardown(void **state)
{
    (void)state;
    return sh("rm -rf '%s'", dir) == 0 ? 0 : -1;
}

/* What one test changes in the good policy (NULL = the good file). */
typedef struct {
    const char *spk, *topology, *kms, *signing, *cert, *key, *ca, *replay;
    const char *partner_ca; /* set: the partner has an http section with this keys.ca */
    const char *sign_identity;
    bool gateway;        /* system and partner IPsec gateways */
    bool sign_on_behalf; /* partner ear.sign_on_behalf (the border's signer) */
} variant_t;

static const char *or_default(const char *given, const char *good)
{
    return given ? given : good;
}

/* Writes the policy of variant v as policy.yaml (signing "" = left out). */
static const char *write_policy(const variant_t *v)
{
    char text[4096];
    char signing[300] = "", http_sys[200] = "", http_partner[600] = "", pca[300] = "";
    const char *sign = or_default(v->signing, "sign");
    if (sign[0])
        snprintf(signing, sizeof(signing), ", signing: %s", at(sign));
    if (v->partner_ca) {
        snprintf(http_sys, sizeof(http_sys), ", http_proxy: 127.0.0.1:8443");
        snprintf(http_partner, sizeof(http_partner),
                 "    http: {methods: [GET], path_prefixes: [/x/],\n"
                 "           upstream: [{prefix: /x/, url: \"http://127.0.0.9:8080/x/\"}]}\n");
        snprintf(pca, sizeof(pca), ", ca: %s", at(v->partner_ca));
    }
    snprintf(text, sizeof(text),
             "version: 1\n"
             "system:\n"
             "  name: system-a\n"
             "  identity: %s\n"
             "  domains: [a.mcx.example]\n"
             "  addresses: {is_proxy: 127.0.0.1:5060%s%s}\n"
             "  spk: {internal_identity: \"sip:mcptt@a.mcx.example\"}\n"
             "  ear: {replay_entries: %s, sign_identity: \"%s\"}\n"
             "  keys: {spk: %s, topology: %s%s,\n"
             "         cert: %s, key: %s, ca: %s}\n"
             "partners:\n"
             "  - name: system-b\n"
             "    identity: sip:border@b.mcx.example\n"
             "    domains: [b.mcx.example]\n"
             "    addresses: {is_proxy: [127.0.0.2:5060]%s%s}\n"
             "    auth: explicit\n"
             "    ear: {sign_on_behalf: %s}\n"
             "    spk: {mode: required}\n"
             "    sip: {methods: [MESSAGE], content_types: [text/plain]}\n"
             "%s"
             "    keys: {spk: %s, kms: %s%s}\n",
             OUR_ID, http_sys, v->gateway ? ", gateway: 203.0.113.1" : "",
             or_default(v->replay, "65536"), or_default(v->sign_identity, OUR_ID),
             at("internal.spk"), at(or_default(v->topology, "topo.keys")), signing,
             at(or_default(v->cert, "a.pem")), at(or_default(v->key, "a.key")),
             at(or_default(v->ca, "ca.pem")), v->partner_ca ? ", http_proxy: 127.0.0.2:8443" : "",
             v->gateway ? ", gateway: 203.0.113.2" : "", v->sign_on_behalf ? "true" : "false",
             http_partner, at(or_default(v->spk, "b.spk")), at(or_default(v->kms, "kms-b/kms.pub")),
             pca);
    write_file("policy.yaml", text, 0644);
    return at("policy.yaml");
}

/* Loads v's policy (which must load) and runs the check at now + shift
 * seconds with shm_mb of shared memory (0 = not checked); returns the
 * problems, formatted, one per line, in a static buffer. */
static bool require_next;   /* opts.require_next_keys of check() */
static char warnings[4096]; /* the warnings of the last check(), one per line */

static const char *check(const variant_t *v, int64_t shift, unsigned shm_mb)
{
    static char out[4096];
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    const char *path = write_policy(v);
    mcsec_err_t rc = mcsec_policy_load_file(path, &policy, &diags);
    for (size_t i = 0; rc != MCSEC_OK && i < diags.count; i++)
        fprintf(stderr, "load: %s:%u: %s\n", diags.items[i].file, diags.items[i].line,
                diags.items[i].message);
    assert_int_equal(rc, MCSEC_OK);
    mcsec_diag_list_t warned = {NULL, 0};
    mcsec_config_check_opts_t opts = {(int64_t)time(NULL) + shift, (uint64_t)shm_mb << 20,
                                      shm_mb ? "test" : NULL, &warned, require_next};
    rc = mcsec_config_check(policy, &opts, &diags);
    warnings[0] = '\0';
    for (size_t i = 0; i < warned.count; i++) {
        char line[1024];
        mcsec_diag_format(&warned.items[i], line, sizeof(line));
        snprintf(warnings + strlen(warnings), sizeof(warnings) - strlen(warnings), "%s\n", line);
    }
    mcsec_diag_list_free(&warned);
    out[0] = '\0';
    for (size_t i = 0; i < diags.count; i++) {
        char line[1024];
        mcsec_diag_format(&diags.items[i], line, sizeof(line));
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s\n", line);
    }
    assert_int_equal(rc, diags.count == 0 ? MCSEC_OK : MCSEC_ERR_INVALID);
    mcsec_diag_list_free(&diags);
    mcsec_policy_free(policy);
    return out;
}

/* Exactly one problem, equal to the formatted want. */
static void expect_one(const char *got, const char *fmt, ...)
{
    char want[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof(want), fmt, ap);
    va_end(ap);
    size_t n = strlen(want);
    want[n] = '\n';
    want[n + 1] = '\0';
    assert_string_equal(got, want);
}

static void test_good_policy_passes(void **state)
{
    (void)state;
    variant_t v = {0};
    assert_string_equal(check(&v, 0, 64), "");
    variant_t sign = {.sign_on_behalf = true};
    assert_string_equal(check(&sign, 0, 64), "");
}

static void test_garbage_spk_line(void **state)
{
    (void)state;
    write_file("bad.spk", SPK_GOOD "# rotation\nnot a key\n", 0600);
    variant_t v = {.spk = "bad.spk"};
    expect_one(check(&v, 0, 0),
               "%s:3: partner 'system-b' keys.spk: expected '<SPK-ID 8 hex digits> <key 32 hex "
               "digits>'",
               at("bad.spk"));
}

static void test_garbage_topology_key(void **state)
{
    (void)state;
    write_file("bad.keys", TOPO_GOOD "02 zz\n", 0600);
    variant_t v = {.topology = "bad.keys"};
    expect_one(check(&v, 0, 0), "%s:2: system.keys.topology: key must be 64 hex digits",
               at("bad.keys"));
}

static void test_garbage_kms_pub(void **state)
{
    (void)state;
    write_file("garbage.pub", "kms_uri=kms.example\nthis is no kms file\n", 0644);
    variant_t v = {.kms = "garbage.pub"};
    expect_one(check(&v, 0, 0),
               "%s:2: partner 'system-b' keys.kms: expected name=value, got 'this is no kms file'",
               at("garbage.pub"));
}

static void test_kpak_off_the_curve(void **state)
{
    (void)state;
    /* 04 || x || y with y = x = 1: not a point of P-256. */
    char text[512];
    snprintf(text, sizeof(text), "kms_uri=kms.example\nkpak=04%064d%064d\nkey_period=86400\n", 1,
             1);
    write_file("offcurve.pub", text, 0644);
    variant_t v = {.kms = "offcurve.pub"};
    expect_one(check(&v, 0, 0), "%s: partner 'system-b' keys.kms: kpak is not a point of P-256",
               at("offcurve.pub"));
}

static void test_explicit_partner_without_signing_keys(void **state)
{
    (void)state;
    variant_t v = {.signing = ""};
    expect_one(check(&v, 0, 0),
               "%s:12:5: partner 'system-b' is explicit but system.keys.signing is not set (our "
               "KMS and signing keys: egress EARs cannot be checked or signed)",
               at("policy.yaml"));
}

static void test_signing_keys_of_another_period(void **state)
{
    (void)state;
    uint64_t now_period = 0;
    assert_int_equal(mcsec_key_period_number((int64_t)time(NULL), KEY_PERIOD, 0, &now_period),
                     MCSEC_OK);
    variant_t v = {.signing = "sign-old", .sign_on_behalf = true};
    expect_one(check(&v, 0, 0),
               "%s:9:9: system.keys.signing %s: no keys for the current key period %llu (newest: "
               "%llu; mcsecctl kms issue --period 0)",
               at("policy.yaml"), at("sign-old"), (unsigned long long)now_period,
               (unsigned long long)(now_period - 1));
    /* Without sign_on_behalf the signer is never built: only its kms.pub
     * counts, and keys of another period do not stop a start. */
    variant_t unused = {.signing = "sign-old"};
    assert_string_equal(check(&unused, 0, 0), "");
}

static void test_cert_key_mismatch(void **state)
{
    (void)state;
    variant_t v = {.key = "other.key"};
    expect_one(check(&v, 0, 0),
               "%s: system.keys.cert: does not match the private key %s (system.keys.key)",
               at("a.pem"), at("other.key"));
}

static void test_expired_cert(void **state)
{
    (void)state;
    variant_t v = {.cert = "expired.pem"};
    const char *got = check(&v, 0, 0);
    char want[512];
    snprintf(want, sizeof(want), "%s: system.keys.cert: certificate expired on ",
             at("expired.pem"));
    assert_int_equal(strncmp(got, want, strlen(want)), 0);
    assert_ptr_equal(strchr(got, '\n'), got + strlen(got) - 1);
    /* The good certificate, five weeks later, is expired too. */
    variant_t later = {0};
    got = check(&later, 35 * 86400, 0);
    snprintf(want, sizeof(want), "%s: system.keys.cert: certificate expired on ", at("a.pem"));
    assert_int_equal(strncmp(got, want, strlen(want)), 0);
}

static void test_cert_not_chaining_to_ca(void **state)
{
    (void)state;
    variant_t v = {.cert = "stranger.pem"};
    expect_one(check(&v, 0, 0),
               "%s: system.keys.cert: does not chain to the CA %s: unable to get local issuer "
               "certificate",
               at("stranger.pem"), at("ca.pem"));
}

static void test_replay_cache_larger_than_shm(void **state)
{
    (void)state;
    variant_t v = {.replay = "1048576"};
    /* 2^21 slots of 40 octets, twice, and the GMK default (4096: 2^13
     * slots, twice): 160.6 MB, more than half of 64 MB. */
    expect_one(check(&v, 0, 64),
               "%s: replay caches (ear.replay_entries 1048576, gmk.replay_entries 4096) need 161 "
               "MB of shared memory, more than half of the 64 MB kamailio gets from test",
               at("policy.yaml"));
    /* The same policy fits in 512 MB. */
    assert_string_equal(check(&v, 0, 512), "");
}

static void test_good_policy_with_http_and_ipsec_passes(void **state)
{
    (void)state;
    variant_t v = {.partner_ca = "other-ca.pem", .gateway = true};
    assert_string_equal(check(&v, 0, 64), "");
}

static void test_http_cert_without_key_purposes(void **state)
{
    (void)state;
    variant_t v = {.partner_ca = "other-ca.pem", .cert = "noeku.pem"};
    expect_one(check(&v, 0, 0),
               "%s: system.keys.cert: extended key usage must name serverAuth and clientAuth (TS "
               "33.310 Annex E)",
               at("noeku.pem"));
}

static void test_cert_names_another_host(void **state)
{
    (void)state;
    variant_t http = {.partner_ca = "other-ca.pem", .cert = "othersan.pem"};
    expect_one(check(&http, 0, 0),
               "%s: system.keys.cert: no subjectAltName dNSName 'a.mcx.example' (the HTTP proxy's "
               "public host, docs/http-proxy.md)",
               at("othersan.pem"));
    variant_t ipsec = {.gateway = true, .cert = "othersan.pem"};
    expect_one(check(&ipsec, 0, 0),
               "%s: system.keys.cert: no subjectAltName dNSName 'a.mcx.example' (the IKE "
               "identity, docs/ipsec.md)",
               at("othersan.pem"));
}

static void test_partner_ca_not_a_ca(void **state)
{
    (void)state;
    variant_t v = {.partner_ca = "a.pem"};
    expect_one(check(&v, 0, 0), "%s: partner 'system-b' keys.ca: certificate 1 is not a CA",
               at("a.pem"));
}

static void test_signing_keys_of_another_identity(void **state)
{
    (void)state;
    variant_t v = {.sign_identity = "sip:other@a.mcx.example", .sign_on_behalf = true};
    expect_one(check(&v, 0, 0),
               "%s:9:9: system.keys.signing %s: unusable signing keys: %s: keys are for %s, not "
               "for sip:other@a.mcx.example",
               at("policy.yaml"), at("sign"), at("sign"), OUR_ID);
}

/* Seconds from now to the end of the current key period. */
static int64_t to_boundary(void)
{
    uint64_t period = 0;
    int64_t end = 0;
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(mcsec_key_period_number(now, KEY_PERIOD, 0, &period), MCSEC_OK);
    assert_int_equal(mcsec_key_period_end(period, KEY_PERIOD, 0, &end), MCSEC_OK);
    return end - now;
}

/* Keys of the current period only: within expiry_warning_days (14) of the
 * boundary a warning, an error with require_next_keys, nothing before;
 * past the boundary the current period's keys are missing. Keys of this
 * and the next period (per-period layout): no warning, and past the
 * boundary the next period's keys are the current ones. Keys of the next
 * period alone do not pass now. */
static void test_signing_keys_next_period(void **state)
{
    (void)state;
    const int64_t boundary = to_boundary();
    uint64_t period = 0;
    assert_int_equal(mcsec_key_period_number((int64_t)time(NULL), KEY_PERIOD, 0, &period),
                     MCSEC_OK);
    variant_t v = {.sign_on_behalf = true, .cert = "long.pem", .ca = "longca.pem"};
    assert_string_equal(check(&v, boundary - 15 * 86400, 0), "");
    assert_string_equal(warnings, "");
    assert_string_equal(check(&v, boundary - 86400, 0), "");
    char want[1024];
    snprintf(want, sizeof(want),
             "%s:9:9: system.keys.signing %s: key period %llu ends in 86400 s and there are no "
             "keys for the next one (mcsecctl kms issue --period 1)\n",
             at("policy.yaml"), at("sign"), (unsigned long long)period);
    assert_string_equal(warnings, want);
    require_next = true;
    assert_string_equal(check(&v, boundary - 86400, 0), want);
    require_next = false;
    expect_one(check(&v, boundary, 0),
               "%s:9:9: system.keys.signing %s: no keys for the current key period %llu (newest: "
               "%llu; mcsecctl kms issue --period 0)",
               at("policy.yaml"), at("sign"), (unsigned long long)(period + 1),
               (unsigned long long)period);

    variant_t two = {
        .signing = "sign-two", .sign_on_behalf = true, .cert = "long.pem", .ca = "longca.pem"};
    require_next = true;
    assert_string_equal(check(&two, boundary - 86400, 0), "");
    assert_string_equal(warnings, "");
    require_next = false;
    assert_string_equal(check(&two, boundary + 86400, 0), "");

    variant_t next = {
        .signing = "sign-next", .sign_on_behalf = true, .cert = "long.pem", .ca = "longca.pem"};
    expect_one(check(&next, 0, 0),
               "%s:9:9: system.keys.signing %s: no keys for the current key period %llu (newest: "
               "%llu; mcsecctl kms issue --period 0)",
               at("policy.yaml"), at("sign-next"), (unsigned long long)period,
               (unsigned long long)(period + 1));
    assert_string_equal(check(&next, boundary + 86400, 0), "");
}

/* mcsec_config_expiry lists our signing key period, certificate and CA
 * with their days left; the deep check warns about a certificate within
 * expiry_warning_days (14) of its notAfter and not before. */
static void test_expiry_list_and_warning(void **state)
{
    (void)state;
    variant_t v = {.sign_on_behalf = true};
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    assert_int_equal(mcsec_policy_load_file(write_policy(&v), &policy, &diags), MCSEC_OK);
    mcsec_expiry_list_t list;
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(mcsec_config_expiry(policy, now, &list), MCSEC_OK);
    bool signing = false, cert = false, ca = false;
    for (size_t i = 0; i < list.count; i++) {
        const mcsec_expiry_item_t *item = &list.items[i];
        if (item->kind == MCSEC_EXPIRY_SIGNING) {
            signing = true;
            assert_string_equal(item->path, at("sign"));
            assert_false(item->due); /* 34-year key periods */
        } else if (strcmp(item->what, "system.keys.cert CN=a") == 0) {
            cert = true;
            assert_true(item->days_left == 29 || item->days_left == 30);
            assert_false(item->due);
        } else if (strcmp(item->what, "system.keys.ca CN=ca") == 0) {
            ca = true;
            assert_true(item->days_left >= 3649);
        }
    }
    assert_true(signing && cert && ca);
    mcsec_expiry_list_free(&list);
    assert_int_equal(mcsec_config_expiry(policy, now + 20 * 86400, &list), MCSEC_OK);
    for (size_t i = 0; i < list.count; i++)
        if (strcmp(list.items[i].what, "system.keys.cert CN=a") == 0)
            assert_true(list.items[i].due);
    mcsec_expiry_list_free(&list);
    mcsec_policy_free(policy);

    assert_string_equal(check(&v, 0, 0), "");
    assert_string_equal(warnings, "");
    assert_string_equal(check(&v, 20 * 86400, 0), "");
    assert_non_null(strstr(warnings, "a.pem: system.keys.cert CN=a expires on "));
    assert_true(strstr(warnings, "(9 days left)") || strstr(warnings, "(10 days left)"));
    assert_null(strchr(strchr(warnings, '\n') + 1, '\n')); /* that one only */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_policy_passes),
        cmocka_unit_test(test_garbage_spk_line),
        cmocka_unit_test(test_garbage_topology_key),
        cmocka_unit_test(test_garbage_kms_pub),
        cmocka_unit_test(test_kpak_off_the_curve),
        cmocka_unit_test(test_explicit_partner_without_signing_keys),
        cmocka_unit_test(test_signing_keys_of_another_period),
        cmocka_unit_test(test_cert_key_mismatch),
        cmocka_unit_test(test_expired_cert),
        cmocka_unit_test(test_cert_not_chaining_to_ca),
        cmocka_unit_test(test_replay_cache_larger_than_shm),
        cmocka_unit_test(test_good_policy_with_http_and_ipsec_passes),
        cmocka_unit_test(test_http_cert_without_key_purposes),
        cmocka_unit_test(test_cert_names_another_host),
        cmocka_unit_test(test_partner_ca_not_a_ca),
        cmocka_unit_test(test_signing_keys_of_another_identity),
        cmocka_unit_test(test_signing_keys_next_period),
        cmocka_unit_test(test_expiry_list_and_warning),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
