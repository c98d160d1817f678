/* mcsecctl ipsec render: the swanctl.conf and nftables text made from a
 * policy. Policies are written per test; certificates are the public test
 * files in data/ipsec, the private key is made at test time (mode 0600,
 * which the loader insists on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcsec/ipsec/ipsec.h"
#include "mcsec/policy/policy.h"

#define DATA MCSEC_TEST_DATA "/ipsec"

static char tmp_dir[64];

/* ---- helpers ------------------------------------------------------------ */

static int make_tmp(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/mcsec-ipsec-unit.XXXXXX");
    if (!mkdtemp(tmp_dir))
        return -1;
    char path[128];
    snprintf(path, sizeof(path), "%s/key.pem", tmp_dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("not read by the renderer\n", f);
    fclose(f);
    return chmod(path, 0600);
}

static int remove_tmp(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/key.pem", tmp_dir);
    unlink(path);
    rmdir(tmp_dir);
    return 0;
}

/* A's system section; partners follow. */
static const char system_a[] = "version: 1\n"
                               "system:\n"
                               "  name: system-a\n"
                               "  identity: sip:border@a.mcx.example\n"
                               "  domains: [a.mcx.example]\n"
                               "  addresses:\n"
                               "    is_proxy: 198.51.100.1:5060\n"
                               "    http_proxy: 198.51.100.1:8443\n"
                               "    gateway: 203.0.113.1\n"
                               "  sip:\n"
                               "    core: 198.51.100.11:5070\n"
                               "  keys:\n"
                               "    cert: " DATA "/border-a.pem\n"
                               "    key: key.pem\n"
                               "partners:\n";

/* One partner entry; name, letter, is_proxy list, http proxy, gateway. */
static void partner_yaml(char *out, size_t size, const char *name, const char *domain,
                         const char *is_proxy, const char *http_proxy, const char *gateway,
                         const char *ca)
{
    snprintf(out, size,
             "  - name: %s\n"
             "    identity: sip:border@%s\n"
             "    domains: [%s]\n"
             "    addresses:\n"
             "      is_proxy: [%s]\n"
             "%s%s%s"
             "%s%s%s"
             "    auth: implicit\n"
             "    sip:\n"
             "      methods: [INVITE, ACK, BYE, MESSAGE]\n"
             "      content_types: [text/plain]\n"
             "      max_body: 4096\n"
             "%s%s%s",
             name, domain, domain, is_proxy, http_proxy ? "      http_proxy: " : "",
             http_proxy ? http_proxy : "", http_proxy ? "\n" : "", gateway ? "      gateway: " : "",
             gateway ? gateway : "", gateway ? "\n" : "", ca ? "    keys:\n      ca: " : "",
             ca ? ca : "", ca ? "\n" : "");
}

static mcsec_policy_t *load(const char *yaml)
{
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    mcsec_err_t rc =
        mcsec_policy_load_buffer(yaml, strlen(yaml), "test.yaml", tmp_dir, &policy, &diags);
    for (size_t i = 0; i < diags.count; i++) {
        char line[512];
        mcsec_diag_format(&diags.items[i], line, sizeof(line));
        print_error("policy: %s\n", line);
    }
    mcsec_diag_list_free(&diags);
    assert_int_equal(rc, MCSEC_OK);
    return policy;
}

/* A with partner B (the usual pair) plus optional more partner text. */
static mcsec_policy_t *load_a_with(const char *more_partners)
{
    char b[2048], yaml[8192];
    partner_yaml(b, sizeof(b), "system-b", "b.mcx.example", "198.51.100.2:5060",
                 "198.51.100.2:8443", "203.0.113.2", DATA "/ca-b.pem");
    snprintf(yaml, sizeof(yaml), "%s%s%s", system_a, b, more_partners ? more_partners : "");
    return load(yaml);
}

static char *render(const mcsec_policy_t *policy, mcsec_ipsec_backend_t backend,
                    const char *partner)
{
    mcsec_ipsec_options_t opts = {backend, partner};
    mcsec_diag_list_t diags = {NULL, 0};
    char *text = NULL;
    mcsec_err_t rc = mcsec_ipsec_render_swanctl(policy, &opts, &text, &diags);
    for (size_t i = 0; i < diags.count; i++)
        print_error("render: %s\n", diags.items[i].message);
    assert_int_equal(rc, MCSEC_OK);
    assert_int_equal(diags.count, 0);
    assert_non_null(text);
    mcsec_diag_list_free(&diags);
    return text;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The text holds this exact line (leading spaces ignored). */
static bool has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (*s == ' ' && s < p + n)
            s++;
        if ((size_t)(p + n - s) == len && memcmp(s, line, len) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

static void assert_line(const char *text, const char *line)
{
    if (!has_line(text, line))
        fail_msg("missing line '%s' in:\n%s", line, text);
}

/* Renders expecting failure; returns whether a diagnostic mentions text. */
static bool render_fails_with(const mcsec_policy_t *policy, const char *partner, bool nft,
                              const char *text, unsigned *line)
{
    mcsec_ipsec_options_t opts = {MCSEC_IPSEC_LIBIPSEC, partner};
    mcsec_diag_list_t diags = {NULL, 0};
    char *out = (char *)"untouched";
    mcsec_err_t rc = nft ? mcsec_ipsec_render_nft(policy, &opts, &out, &diags)
                         : mcsec_ipsec_render_swanctl(policy, &opts, &out, &diags);
    assert_int_equal(rc, MCSEC_ERR_INVALID);
    assert_null(out);
    bool found = false;
    for (size_t i = 0; i < diags.count; i++)
        if (strstr(diags.items[i].message, text)) {
            found = true;
            if (line)
                *line = diags.items[i].line;
        }
    if (!found)
        for (size_t i = 0; i < diags.count; i++)
            print_error("got: %s\n", diags.items[i].message);
    mcsec_diag_list_free(&diags);
    return found;
}

/* ---- swanctl.conf ------------------------------------------------------- */

static void test_render_offers_only_nds_ip_proposals(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_a_with(NULL);
    for (int backend = MCSEC_IPSEC_KERNEL; backend <= MCSEC_IPSEC_LIBIPSEC; backend++) {
        char *text = render(policy, (mcsec_ipsec_backend_t)backend, NULL);
        assert_line(text, "proposals = aes256gcm16-aes128gcm16-prfsha384-prfsha256-ecp384-ecp256,"
                          "aes256-sha256-ecp384-ecp256");
        assert_line(text, "esp_proposals = aes256gcm16-aes128gcm16-ecp384-ecp256");
        assert_int_equal(count(text, "proposals ="), 2);
        assert_null(strstr(text, "default"));
        assert_null(strstr(text, "3des"));
        assert_null(strstr(text, "sha1"));
        assert_null(strstr(text, "modp"));
        free(text);
    }
    mcsec_policy_free(policy);
}

static void test_render_ikev2_tunnel_gateways(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_a_with(NULL);
    char *text = render(policy, MCSEC_IPSEC_KERNEL, NULL);
    assert_line(text, "system-b {");
    assert_line(text, "version = 2");
    assert_line(text, "mode = tunnel");
    assert_line(text, "local_addrs = 203.0.113.1");
    assert_line(text, "remote_addrs = 203.0.113.2");
    assert_line(text, "dpd_delay = 10s");
    assert_line(text, "rekey_time = 4h");
    assert_line(text, "rekey_time = 1h");
    assert_null(strstr(text, "version = 1"));
    assert_null(strstr(text, "mode = transport"));
    free(text);
    mcsec_policy_free(policy);
}

static void test_render_pins_partner_ca_and_identity(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_a_with(NULL);
    char *text = render(policy, MCSEC_IPSEC_LIBIPSEC, NULL);
    assert_line(text, "cacerts = \"" DATA "/ca-b.pem\"");
    assert_line(text, "certs = \"" DATA "/border-a.pem\"");
    assert_line(text, "id = a.mcx.example");
    assert_line(text, "id = b.mcx.example");
    assert_int_equal(count(text, "auth = pubkey"), 2);
    assert_int_equal(count(text, "cacerts"), 1);
    char key_line[160];
    snprintf(key_line, sizeof(key_line), "# " MCSEC_IPSEC_KEY_COMMENT " %s/key.pem", tmp_dir);
    assert_line(text, key_line);
    /* The remote section holds the pinned CA and the partner id. */
    const char *remote = strstr(text, "remote {");
    assert_non_null(remote);
    assert_true(strstr(remote, "cacerts") < strstr(remote, "id = b.mcx.example"));
    free(text);
    mcsec_policy_free(policy);
}

/* Revocation: every connection reauthenticates hourly; a partner with CRLs
 * gets revocation = strict only with system.revocation.stale refuse, and
 * its CRL files are named for ipsec/load-crls.sh. */
#define CRLDATA MCSEC_TEST_DATA "/crl"
static void test_render_revocation(void **state)
{
    (void)state;
    char c[2048], yaml[8192];
    partner_yaml(c, sizeof(c), "system-c", "c.mcx.example", "198.51.100.3:5060",
                 "198.51.100.3:8443", "203.0.113.3",
                 CRLDATA "/chain.pem\n      crls: [" CRLDATA "/root.crl.pem, " CRLDATA
                         "/inter.crl.der]");
    for (int refuse = 0; refuse < 2; refuse++) {
        char b[2048];
        partner_yaml(b, sizeof(b), "system-b", "b.mcx.example", "198.51.100.2:5060",
                     "198.51.100.2:8443", "203.0.113.2", DATA "/ca-b.pem");
        const char *partners = strstr(system_a, "partners:\n");
        snprintf(yaml, sizeof(yaml), "%.*s%s%s%s%s", (int)(partners - system_a), system_a,
                 refuse ? "  revocation: {stale: refuse}\n" : "", partners, b, c);
        mcsec_policy_t *policy = load(yaml);
        char *text = render(policy, MCSEC_IPSEC_LIBIPSEC, NULL);
        assert_int_equal(count(text, "reauth_time = 1h"), 2);
        assert_int_equal(count(text, "reauth_time = 0"), 0);
        assert_int_equal(count(text, "revocation = strict"), refuse ? 1 : 0);
        assert_int_equal(count(text, "revocation = relaxed"), refuse ? 1 : 2);
        /* strict belongs to system-c, the partner with CRLs */
        if (refuse)
            assert_true(strstr(text, "revocation = strict") > strstr(text, "    system-c {"));
        assert_line(text, "# " MCSEC_IPSEC_CRL_COMMENT " system-c " CRLDATA "/root.crl.pem");
        assert_line(text, "# " MCSEC_IPSEC_CRL_COMMENT " system-c " CRLDATA "/inter.crl.der");
        assert_int_equal(count(text, MCSEC_IPSEC_CRL_COMMENT), 2);
        free(text);
        mcsec_policy_free(policy);
    }
}

static void test_render_ts_cover_service_addresses(void **state)
{
    (void)state;
    char c[2048], yaml[8192];
    /* A's HTTP proxy on its own address; partner C with two IS proxies. */
    char *sys = strdup(system_a);
    assert_non_null(sys);
    char *http = strstr(sys, "198.51.100.1:8443");
    assert_non_null(http);
    http[11] = '3';
    partner_yaml(c, sizeof(c), "system-c", "c.mcx.example", "198.51.100.20:5060, 198.51.100.21",
                 "198.51.100.22:443", "203.0.113.3", DATA "/ca-b.pem");
    snprintf(yaml, sizeof(yaml), "%s%s", sys, c);
    free(sys);
    mcsec_policy_t *policy = load(yaml);
    char *text = render(policy, MCSEC_IPSEC_KERNEL, NULL);
    assert_line(text, "local_ts = 198.51.100.1/32,198.51.100.3/32");
    assert_line(text, "remote_ts = 198.51.100.20/32,198.51.100.21/32,198.51.100.22/32");
    free(text);
    mcsec_policy_free(policy);

    /* IS and HTTP proxy on one address: one selector. */
    policy = load_a_with(NULL);
    text = render(policy, MCSEC_IPSEC_KERNEL, NULL);
    assert_line(text, "local_ts = 198.51.100.1/32");
    assert_line(text, "remote_ts = 198.51.100.2/32");
    free(text);
    mcsec_policy_free(policy);
}

static void test_render_one_connection_per_partner(void **state)
{
    (void)state;
    char c[2048];
    partner_yaml(c, sizeof(c), "system-c", "c.mcx.example", "198.51.100.30:5060", NULL,
                 "203.0.113.3", DATA "/ca-rogue.pem");
    mcsec_policy_t *policy = load_a_with(c);
    char *text = render(policy, MCSEC_IPSEC_KERNEL, NULL);
    assert_int_equal(count(text, "version = 2"), 2);
    assert_int_equal(count(text, "children {"), 2);
    assert_line(text, "system-b {");
    assert_line(text, "system-c {");
    assert_line(text, "remote_addrs = 203.0.113.3");
    assert_line(text, "cacerts = \"" DATA "/ca-rogue.pem\"");
    assert_line(text, "remote_ts = 198.51.100.30/32");
    /* Each connection pins its own CA. */
    const char *conn_c = strstr(text, "    system-c {");
    assert_non_null(conn_c);
    assert_null(strstr(conn_c, "ca-b.pem"));
    free(text);
    mcsec_policy_free(policy);
}

static void test_render_partner_filter(void **state)
{
    (void)state;
    char c[2048];
    partner_yaml(c, sizeof(c), "system-c", "c.mcx.example", "198.51.100.30:5060", NULL,
                 "203.0.113.3", DATA "/ca-rogue.pem");
    mcsec_policy_t *policy = load_a_with(c);
    char *text = render(policy, MCSEC_IPSEC_KERNEL, "system-c");
    assert_int_equal(count(text, "version = 2"), 1);
    assert_line(text, "system-c {");
    assert_null(strstr(text, "system-b"));
    assert_null(strstr(text, "203.0.113.2"));
    free(text);
    assert_true(render_fails_with(policy, "system-x", false, "no partner named 'system-x'", NULL));
    assert_true(render_fails_with(policy, "system-x", true, "no partner named 'system-x'", NULL));
    mcsec_policy_free(policy);
}

static void test_render_backend_start_actions(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_a_with(NULL);
    char *text = render(policy, MCSEC_IPSEC_KERNEL, NULL);
    assert_line(text, "start_action = trap");
    assert_line(text, "dpd_action = trap");
    assert_null(strstr(text, "encap = yes"));
    assert_null(strstr(text, "start_action = start"));
    free(text);
    text = render(policy, MCSEC_IPSEC_LIBIPSEC, NULL);
    assert_line(text, "start_action = start");
    assert_line(text, "dpd_action = restart");
    assert_line(text, "close_action = start");
    assert_line(text, "encap = yes");
    assert_line(text, "mode = tunnel");
    assert_null(strstr(text, "start_action = trap"));
    free(text);
    mcsec_policy_free(policy);
}

static void test_render_refuses_incomplete_policy(void **state)
{
    (void)state;
    char c[2048];
    unsigned line = 0;
    /* Partner without gateway, then without CA: reported at the entry. */
    partner_yaml(c, sizeof(c), "system-c", "c.mcx.example", "198.51.100.30:5060", NULL, NULL,
                 DATA "/ca-b.pem");
    mcsec_policy_t *policy = load_a_with(c);
    assert_true(render_fails_with(policy, NULL, false,
                                  "partner 'system-c' has no addresses.gateway", &line));
    assert_true(line > 0);
    assert_true(render_fails_with(policy, NULL, true, "has no addresses.gateway", NULL));
    char *text = render(policy, MCSEC_IPSEC_KERNEL, "system-b");
    free(text);
    mcsec_policy_free(policy);

    partner_yaml(c, sizeof(c), "system-c", "c.mcx.example", "198.51.100.30:5060", NULL,
                 "203.0.113.3", NULL);
    policy = load_a_with(c);
    assert_true(
        render_fails_with(policy, NULL, false, "keys.ca of partner 'system-c' is not set", NULL));
    /* The nftables rules need no certificates. */
    mcsec_ipsec_options_t opts = {MCSEC_IPSEC_KERNEL, NULL};
    mcsec_diag_list_t diags = {NULL, 0};
    assert_int_equal(mcsec_ipsec_render_nft(policy, &opts, &text, &diags), MCSEC_OK);
    free(text);
    mcsec_policy_free(policy);

    /* A gateway that is also a service address would tunnel IKE itself. */
    partner_yaml(c, sizeof(c), "system-c", "c.mcx.example", "203.0.113.3:5060", NULL, "203.0.113.3",
                 DATA "/ca-b.pem");
    policy = load_a_with(c);
    assert_true(
        render_fails_with(policy, "system-c", false, "is also one of its service addresses", NULL));
    mcsec_policy_free(policy);

    /* No certificate of our own. */
    char b[2048], yaml[8192];
    char *sys = strdup(system_a);
    assert_non_null(sys);
    char *keys = strstr(sys, "  keys:\n");
    assert_non_null(keys);
    strcpy(keys, "  keys: {}\npartners:\n");
    partner_yaml(b, sizeof(b), "system-b", "b.mcx.example", "198.51.100.2:5060", NULL,
                 "203.0.113.2", DATA "/ca-b.pem");
    snprintf(yaml, sizeof(yaml), "%s%s", sys, b);
    free(sys);
    policy = load(yaml);
    assert_true(render_fails_with(policy, NULL, false, "system.keys.cert is not set", NULL));
    assert_true(render_fails_with(policy, NULL, false, "system.keys.key is not set", NULL));
    mcsec_policy_free(policy);
}

/* A's policy with system.keys.key a PKCS#11 URI (the PIN file is the 0600
 * key.pem: the renderer only names it) and optionally a module path. */
static char *token_yaml(const char *uri, const char *module)
{
    char b[2048], keys[1024];
    snprintf(keys, sizeof(keys), "    key: \"%s\"\n    key_pin_file: key.pem\n%s%s%s", uri,
             module ? "    pkcs11_module: " : "", module ? module : "", module ? "\n" : "");
    const char *at = strstr(system_a, "    key: key.pem\n");
    assert_non_null(at);
    partner_yaml(b, sizeof(b), "system-b", "b.mcx.example", "198.51.100.2:5060", NULL,
                 "203.0.113.2", DATA "/ca-b.pem");
    size_t size = strlen(system_a) + strlen(keys) + strlen(b) + 1;
    char *yaml = malloc(size);
    assert_non_null(yaml);
    snprintf(yaml, size, "%.*s%s%s%s", (int)(at - system_a), system_a, keys,
             at + strlen("    key: key.pem\n"), b);
    return yaml;
}

static mcsec_policy_t *load_token(const char *uri, const char *module)
{
    char *yaml = token_yaml(uri, module);
    mcsec_policy_t *policy = load(yaml);
    free(yaml);
    return policy;
}

/* Our IKE key in a PKCS#11 token: a secrets/token section with the CKA_ID
 * as handle, no PEM key comment, no PIN; URIs it cannot map are refused. */
static void test_render_key_in_token(void **state)
{
    (void)state;
    mcsec_policy_t *policy =
        load_token("pkcs11:token=border;object=ike;type=private;id=%0A%1b", NULL);
    char *text = render(policy, MCSEC_IPSEC_KERNEL, NULL);
    assert_line(text, "secrets {");
    assert_line(text, "token-border {");
    assert_line(text, "handle = 0a1b");
    assert_line(text, "module = " MCSEC_IPSEC_PKCS11_NAME);
    assert_line(text, "include " MCSEC_IPSEC_PIN_INCLUDE);
    assert_line(text, "# " MCSEC_IPSEC_MODULE_COMMENT " " MCSEC_IPSEC_PKCS11_DEFAULT);
    char pin_line[256];
    snprintf(pin_line, sizeof(pin_line), "# %s %s/key.pem", MCSEC_IPSEC_PIN_COMMENT, tmp_dir);
    assert_line(text, pin_line);
    assert_null(strstr(text, MCSEC_IPSEC_KEY_COMMENT));
    assert_null(strstr(text, "slot ="));
    assert_null(strstr(text, "pin ="));
    assert_line(text, "certs = \"" DATA "/border-a.pem\"");
    free(text);
    mcsec_policy_free(policy);

    /* slot-id= becomes the slot; the module path comes from the policy. */
    policy = load_token("pkcs11:slot-id=3;id=k", DATA "/ca-b.pem");
    text = render(policy, MCSEC_IPSEC_LIBIPSEC, NULL);
    assert_line(text, "handle = 6b");
    assert_line(text, "slot = 3");
    assert_line(text, "# " MCSEC_IPSEC_MODULE_COMMENT " " DATA "/ca-b.pem");
    free(text);
    mcsec_policy_free(policy);

    static const struct {
        const char *uri, *why;
    } refused[] = {
        {"pkcs11:token=border;object=ike;type=private", "no id= attribute"},
        {"pkcs11:id=%01;type=cert", "type= must be private"},
        {"pkcs11:id=%01?module-path=/usr/lib/x.so", "attribute 'module-path'"},
        {"pkcs11:id=%01;vendor-x=1", "attribute 'vendor-x'"},
        {"pkcs11:id=%0", "badly %-encoded"},
        {"pkcs11:id=%zz", "badly %-encoded"},
        {"pkcs11:id=%01;slot-id=one", "slot-id= is not a decimal"},
        {"pkcs11:id=%01;object", "attribute 'object' has no value"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        policy = load_token(refused[i].uri, NULL);
        if (!render_fails_with(policy, NULL, false, refused[i].why, NULL))
            fail_msg("'%s' not refused with '%s'", refused[i].uri, refused[i].why);
        mcsec_policy_free(policy);
    }

    /* A module path with a PEM key is a mistake the loader refuses. */
    char *yaml = token_yaml("pkcs11:id=%01", DATA "/ca-b.pem");
    char *uri = strstr(yaml, "\"pkcs11:id=%01\"");
    assert_non_null(uri);
    memcpy(uri, "key.pem        ", strlen("\"pkcs11:id=%01\""));
    char *pin = strstr(yaml, "    key_pin_file: key.pem\n");
    assert_non_null(pin);
    memmove(pin, pin + strlen("    key_pin_file: key.pem\n"),
            strlen(pin + strlen("    key_pin_file: key.pem\n")) + 1);
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *bad = NULL;
    assert_int_not_equal(
        mcsec_policy_load_buffer(yaml, strlen(yaml), "test.yaml", tmp_dir, &bad, &diags), MCSEC_OK);
    bool said = false;
    for (size_t i = 0; i < diags.count; i++)
        said = said || strstr(diags.items[i].message, "pkcs11_module' is set but") != NULL;
    assert_true(said);
    mcsec_diag_list_free(&diags);
    mcsec_policy_free(bad);
    free(yaml);
}

static void test_render_arguments(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_a_with(NULL);
    mcsec_ipsec_options_t opts = {MCSEC_IPSEC_KERNEL, NULL};
    mcsec_diag_list_t diags = {NULL, 0};
    char *text = NULL;
    assert_int_equal(mcsec_ipsec_render_swanctl(NULL, &opts, &text, &diags), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_ipsec_render_swanctl(policy, NULL, &text, &diags), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_ipsec_render_swanctl(policy, &opts, NULL, &diags), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_ipsec_render_nft(policy, &opts, &text, NULL), MCSEC_ERR_ARG);
    opts.backend = (mcsec_ipsec_backend_t)7;
    assert_int_equal(mcsec_ipsec_render_swanctl(policy, &opts, &text, &diags), MCSEC_ERR_ARG);
    assert_null(text);
    assert_int_equal(diags.count, 0);
    mcsec_policy_free(policy);
}

/* ---- nftables ----------------------------------------------------------- */

static void test_nft_libipsec_accepts_partner_traffic_only_on_tun(void **state)
{
    (void)state;
    char c[2048];
    partner_yaml(c, sizeof(c), "system-c", "c.mcx.example", "198.51.100.30:5060",
                 "\"[2001:db8::30]:443\"", "203.0.113.3", DATA "/ca-rogue.pem");
    mcsec_policy_t *policy = load_a_with(c);
    mcsec_ipsec_options_t opts = {MCSEC_IPSEC_LIBIPSEC, NULL};
    mcsec_diag_list_t diags = {NULL, 0};
    char *text = NULL;
    assert_int_equal(mcsec_ipsec_render_nft(policy, &opts, &text, &diags), MCSEC_OK);
    assert_line(text, "table inet mcsec_ipsec {");
    assert_line(text, "delete table inet mcsec_ipsec");
    assert_line(text, "elements = { 198.51.100.2, 198.51.100.30 }");
    assert_line(text, "elements = { 2001:db8::30 }");
    assert_line(text, "ip daddr @partner_svc4 oifname != \"ipsec0\" counter drop");
    assert_line(text, "ip saddr @partner_svc4 iifname != \"ipsec0\" counter drop");
    assert_line(text, "ip6 daddr @partner_svc6 oifname != \"ipsec0\" counter drop");
    assert_line(text, "type filter hook input priority filter; policy accept;");
    assert_line(text, "type filter hook output priority filter; policy accept;");
    assert_line(text, "type filter hook forward priority filter; policy accept;");
    /* input checks sources only, output destinations only, forward both */
    assert_int_equal(count(text, "saddr @partner_svc4"), 2);
    assert_int_equal(count(text, "daddr @partner_svc4"), 2);
    assert_null(strstr(text, "ipsec missing"));
    free(text);
    mcsec_policy_free(policy);
}

static void test_nft_kernel_matches_ipsec_secpath(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_a_with(NULL);
    mcsec_ipsec_options_t opts = {MCSEC_IPSEC_KERNEL, "system-b"};
    mcsec_diag_list_t diags = {NULL, 0};
    char *text = NULL;
    assert_int_equal(mcsec_ipsec_render_nft(policy, &opts, &text, &diags), MCSEC_OK);
    assert_line(text, "elements = { 198.51.100.2 }");
    assert_line(text, "ip daddr @partner_svc4 rt ipsec missing counter drop");
    assert_line(text, "ip saddr @partner_svc4 meta ipsec missing counter drop");
    assert_null(strstr(text, "ipsec0"));
    assert_null(strstr(text, "partner_svc6"));
    free(text);
    mcsec_policy_free(policy);
}

/* ---- identity ----------------------------------------------------------- */

static void test_identity_is_host_of_uri(void **state)
{
    (void)state;
    char host[64];
    assert_int_equal(mcsec_ipsec_identity("sip:border@B.mcx.Example", host, sizeof(host)),
                     MCSEC_OK);
    assert_string_equal(host, "b.mcx.example");
    assert_int_equal(
        mcsec_ipsec_identity("sips:x@a.example:5061;transport=tcp", host, sizeof(host)), MCSEC_OK);
    assert_string_equal(host, "a.example");
    assert_int_equal(mcsec_ipsec_identity("sip:a.example", host, sizeof(host)), MCSEC_OK);
    assert_string_equal(host, "a.example");
    assert_int_equal(mcsec_ipsec_identity("sip:x@", host, sizeof(host)), MCSEC_ERR_INVALID);
    assert_int_equal(mcsec_ipsec_identity("sip:x@a\"b", host, sizeof(host)), MCSEC_ERR_INVALID);
    assert_int_equal(mcsec_ipsec_identity("sip:x@[2001:db8::1]", host, sizeof(host)),
                     MCSEC_ERR_INVALID);
    assert_int_equal(mcsec_ipsec_identity("sip:x@a b", host, sizeof(host)), MCSEC_ERR_INVALID);
    assert_int_equal(mcsec_ipsec_identity("sip:x@.a", host, sizeof(host)), MCSEC_ERR_INVALID);
    assert_int_equal(mcsec_ipsec_identity("sip:x@long.example", host, 5), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_ipsec_identity(NULL, host, sizeof(host)), MCSEC_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_offers_only_nds_ip_proposals),
        cmocka_unit_test(test_render_ikev2_tunnel_gateways),
        cmocka_unit_test(test_render_pins_partner_ca_and_identity),
        cmocka_unit_test(test_render_ts_cover_service_addresses),
        cmocka_unit_test(test_render_one_connection_per_partner),
        cmocka_unit_test(test_render_partner_filter),
        cmocka_unit_test(test_render_backend_start_actions),
        cmocka_unit_test(test_render_refuses_incomplete_policy),
        cmocka_unit_test(test_render_arguments),
        cmocka_unit_test(test_render_key_in_token),
        cmocka_unit_test(test_nft_libipsec_accepts_partner_traffic_only_on_tun),
        cmocka_unit_test(test_nft_kernel_matches_ipsec_secpath),
        cmocka_unit_test(test_identity_is_host_of_uri),
        cmocka_unit_test(test_render_revocation),
    };
    return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
