/* Policy loader: the examples load, dump/reload keeps the model, and each
 * malformed policy is reported at the exact LINE:COL of the offending node. */
#include <arpa/inet.h>
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

#include "mcsec/policy/policy.h"
#include "mcsec/util/status.h"

#define DATA MCSEC_TEST_DATA "/policy"

/* ---- helpers ------------------------------------------------------------ */

static mcsec_policy_t *load_ok(const char *path)
{
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    mcsec_err_t rc = mcsec_policy_load_file(path, &policy, &diags);
    for (size_t i = 0; i < diags.count; i++) {
        char line[512];
        mcsec_diag_format(&diags.items[i], line, sizeof(line));
        print_error("unexpected: %s\n", line);
    }
    assert_int_equal(rc, MCSEC_OK);
    assert_int_equal(diags.count, 0);
    assert_non_null(policy);
    mcsec_diag_list_free(&diags);
    return policy;
}

/* True when diags holds a problem at line:col whose message contains text. */
static bool has_diag(const mcsec_diag_list_t *diags, unsigned line, unsigned col, const char *text)
{
    for (size_t i = 0; i < diags->count; i++)
        if (diags->items[i].line == line && diags->items[i].col == col &&
            strstr(diags->items[i].message, text))
            return true;
    return false;
}

static void print_diags(const mcsec_diag_list_t *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        char line[512];
        mcsec_diag_format(&diags->items[i], line, sizeof(line));
        print_error("  got: %s\n", line);
    }
}

static void assert_addr(const mcsec_addr_t *addr, const char *ip, uint16_t port, int family)
{
    assert_string_equal(addr->ip, ip);
    assert_int_equal(addr->port, port);
    assert_int_equal(addr->family, family);
    /* the binary form the per-message lookup compares is the same address */
    unsigned char bin[16] = {0};
    assert_int_equal(inet_pton(family, ip, bin), 1);
    assert_memory_equal(addr->bin, bin, family == AF_INET ? 4 : 16);
}

static bool addr_equal(const mcsec_addr_t *a, const mcsec_addr_t *b)
{
    return a->family == b->family && a->port == b->port && strcmp(a->ip, b->ip) == 0;
}

static bool strlist_equal(const mcsec_strlist_t *a, const mcsec_strlist_t *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return false;
    return true;
}

static void assert_partners_equal(const mcsec_partner_t *a, const mcsec_partner_t *b)
{
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->identity, b->identity);
    assert_true(strlist_equal(&a->domains, &b->domains));
    assert_int_equal(a->is_proxy_count, b->is_proxy_count);
    for (size_t i = 0; i < a->is_proxy_count; i++)
        assert_true(addr_equal(&a->is_proxy[i], &b->is_proxy[i]));
    assert_int_equal(a->has_http_proxy, b->has_http_proxy);
    assert_true(!a->has_http_proxy || addr_equal(&a->http_proxy, &b->http_proxy));
    assert_int_equal(a->has_gateway, b->has_gateway);
    assert_true(!a->has_gateway || addr_equal(&a->gateway, &b->gateway));
    assert_int_equal(a->auth, b->auth);
    assert_true(strlist_equal(&a->sip.methods, &b->sip.methods));
    assert_true(strlist_equal(&a->sip.content_types, &b->sip.content_types));
    assert_int_equal(a->sip.max_body, b->sip.max_body);
    assert_int_equal(a->sip.warning_reason, b->sip.warning_reason);
    assert_int_equal(a->spk.mode, b->spk.mode);
    assert_true(strlist_equal(&a->spk.elements, &b->spk.elements));
    assert_true(strlist_equal(&a->spk.signed_types, &b->spk.signed_types));
    assert_int_equal(a->spk.reprotect_internal, b->spk.reprotect_internal);
    assert_string_equal(a->ear.header, b->ear.header);
    assert_int_equal(a->ear.skew, b->ear.skew);
    assert_int_equal(a->ear.source_role_count, b->ear.source_role_count);
    assert_memory_equal(a->ear.source_roles, b->ear.source_roles, a->ear.source_role_count);
    assert_int_equal(a->ear.request_type_count, b->ear.request_type_count);
    if (a->ear.request_type_count)
        assert_memory_equal(a->ear.request_types, b->ear.request_types, a->ear.request_type_count);
    assert_int_equal(a->ear.in_dialog, b->ear.in_dialog);
    assert_int_equal(a->ear.sign_on_behalf, b->ear.sign_on_behalf);
    assert_int_equal(a->topology.enabled, b->topology.enabled);
    assert_true(strlist_equal(&a->topology.strip_headers, &b->topology.strip_headers));
    assert_true(strlist_equal(&a->topology.hide_elements, &b->topology.hide_elements));
    assert_true(strlist_equal(&a->topology.rewrite_headers, &b->topology.rewrite_headers));
    assert_int_equal(a->topology.tokenize_callid, b->topology.tokenize_callid);
    assert_int_equal(a->http.enabled, b->http.enabled);
    assert_true(strlist_equal(&a->http.methods, &b->http.methods));
    assert_true(strlist_equal(&a->http.path_prefixes, &b->http.path_prefixes));
    assert_true(strlist_equal(&a->http.content_types, &b->http.content_types));
    assert_int_equal(a->http.max_body, b->http.max_body);
    assert_int_equal(a->http.max_header_bytes, b->http.max_header_bytes);
    assert_int_equal(a->http.connection_limit, b->http.connection_limit);
    assert_int_equal(a->http.timeout, b->http.timeout);
    assert_true((a->http.peer_name == NULL) == (b->http.peer_name == NULL));
    if (a->http.peer_name)
        assert_string_equal(a->http.peer_name, b->http.peer_name);
    assert_int_equal(a->http.upstream_count, b->http.upstream_count);
    for (size_t i = 0; i < a->http.upstream_count; i++) {
        assert_string_equal(a->http.upstreams[i].prefix, b->http.upstreams[i].prefix);
        assert_string_equal(a->http.upstreams[i].url, b->http.upstreams[i].url);
    }
    assert_string_equal(a->keys.spk, b->keys.spk);
    assert_string_equal(a->keys.kms, b->keys.kms);
    assert_int_equal(a->keys.kms_more_count, b->keys.kms_more_count);
    for (size_t i = 0; i < a->keys.kms_more_count; i++)
        assert_string_equal(a->keys.kms_more[i], b->keys.kms_more[i]);
    assert_string_equal(a->keys.ca, b->keys.ca);
}

static void assert_policies_equal(const mcsec_policy_t *a, const mcsec_policy_t *b)
{
    const mcsec_system_t *sa = &a->system, *sb = &b->system;
    assert_int_equal(a->version, b->version);
    assert_string_equal(sa->name, sb->name);
    assert_string_equal(sa->identity, sb->identity);
    assert_true(strlist_equal(&sa->domains, &sb->domains));
    assert_int_equal(sa->has_is_proxy, sb->has_is_proxy);
    assert_true(!sa->has_is_proxy || addr_equal(&sa->is_proxy, &sb->is_proxy));
    assert_int_equal(sa->has_http_proxy, sb->has_http_proxy);
    assert_true(!sa->has_http_proxy || addr_equal(&sa->http_proxy, &sb->http_proxy));
    assert_int_equal(sa->has_gateway, sb->has_gateway);
    assert_true(!sa->has_gateway || addr_equal(&sa->gateway, &sb->gateway));
    assert_int_equal(sa->has_sip_core, sb->has_sip_core);
    assert_true(!sa->has_sip_core || addr_equal(&sa->sip_core, &sb->sip_core));
    assert_int_equal(sa->sip_transport, sb->sip_transport);
    assert_int_equal(sa->sip_core_transport, sb->sip_core_transport);
    assert_int_equal(sa->sip_inside_peer_count, sb->sip_inside_peer_count);
    for (size_t i = 0; i < sa->sip_inside_peer_count; i++)
        assert_true(addr_equal(&sa->sip_inside_peers[i], &sb->sip_inside_peers[i]));
    assert_int_equal(sa->http.inside_client_count, sb->http.inside_client_count);
    for (size_t i = 0; i < sa->http.inside_client_count; i++)
        assert_true(addr_equal(&sa->http.inside_clients[i], &sb->http.inside_clients[i]));
    assert_int_equal(sa->http.has_inside_tls, sb->http.has_inside_tls);
    if (sa->http.has_inside_tls) {
        assert_string_equal(sa->http.inside_cert, sb->http.inside_cert);
        assert_string_equal(sa->http.inside_key, sb->http.inside_key);
        assert_string_equal(sa->http.inside_ca, sb->http.inside_ca);
    }
    assert_string_equal(sa->spk_internal_identity, sb->spk_internal_identity);
    assert_int_equal(sa->ear_replay_entries, sb->ear_replay_entries);
    assert_string_equal(sa->ear_sign_identity, sb->ear_sign_identity);
    assert_string_equal(sa->topology_host, sb->topology_host);
    assert_int_equal(sa->topology_previous_validity, sb->topology_previous_validity);
    assert_int_equal(sa->http.has_inside, sb->http.has_inside);
    assert_true(!sa->http.has_inside || addr_equal(&sa->http.inside, &sb->http.inside));
    assert_string_equal(sa->http.public_host, sb->http.public_host);
    assert_true(strlist_equal(&sa->http.internal_hosts, &sb->http.internal_hosts));
    assert_int_equal(sa->http.connection_limit, sb->http.connection_limit);
    assert_int_equal(sa->http.client_timeout, sb->http.client_timeout);
    assert_int_equal(sa->http.threads, sb->http.threads);
    assert_string_equal(sa->keys.topology, sb->keys.topology);
    assert_string_equal(sa->keys.spk, sb->keys.spk);
    assert_string_equal(sa->keys.signing, sb->keys.signing);
    assert_string_equal(sa->keys.cert, sb->keys.cert);
    assert_string_equal(sa->keys.key, sb->keys.key);
    assert_int_equal(a->logging.level, b->logging.level);
    assert_int_equal(a->logging.log_passed, b->logging.log_passed);
    assert_int_equal(a->logging.format, b->logging.format);
    assert_int_equal(a->partner_count, b->partner_count);
    for (size_t i = 0; i < a->partner_count; i++)
        assert_partners_equal(&a->partners[i], &b->partners[i]);
}

/* Writes text to dir/name with the given mode; returns the malloc'd path. */
static char *write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);
    assert_non_null(path);
    snprintf(path, size, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

/* Reads a whole (small) file into a malloc'd string. */
static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *text = calloc(1, 65536);
    assert_non_null(text);
    size_t n = fread(text, 1, 65535, fp);
    assert_true(n < 65535);
    assert_int_equal(fclose(fp), 0);
    return text;
}

/* The key files the data/policy/valid-*.yaml policies name, relative to
 * the policy, with the modes the loader demands; mode 0 = a directory. */
static const struct {
    const char *name;
    mode_t mode;
} staged_keys[] = {
    {"topology.key", 0600},   {"internal.spk", 0600},   {"b.spk", 0600},
    {"b-kms.pub", 0644},      {"c-kms.pub", 0644},      {"signing", 0},
    {"signing/ssk", 0600},    {"signing/pvt", 0600},    {"signing/kms.pub", 0644},
    {"signing/signer", 0644}, {"cert.pem", 0644},       {"key.pem", 0600},
    {"b-ca.pem", 0644},       {"inside-key.pem", 0600}, {"inside-ca.pem", 0644},
};

#define STAGED_KEY_COUNT (sizeof(staged_keys) / sizeof(staged_keys[0]))

/* A temporary directory holding a copy of one policy of data/policy and
 * every key file it may name (git keeps no file modes). */
typedef struct {
    char dir[32];
    char path[128]; /* the policy copy */
} stage_t;

static stage_t stage_policy(const char *name)
{
    stage_t stage_value;
    stage_t *stage = &stage_value;
    snprintf(stage->dir, sizeof(stage->dir), "/tmp/mcsec-policy-XXXXXX");
    assert_non_null(mkdtemp(stage->dir));
    for (size_t i = 0; i < STAGED_KEY_COUNT; i++) {
        if (staged_keys[i].mode == 0) {
            char path[128];
            snprintf(path, sizeof(path), "%.31s/%s", stage->dir, staged_keys[i].name);
            assert_int_equal(mkdir(path, 0700), 0);
            assert_int_equal(chmod(path, 0700), 0);
        } else {
            free(write_file(stage->dir, staged_keys[i].name, "not a real key\n",
                            staged_keys[i].mode));
        }
    }
    char source[512];
    snprintf(source, sizeof(source), "%s/%s", DATA, name);
    char *text = read_text(source);
    free(write_file(stage->dir, "policy.yaml", text, 0644));
    free(text);
    snprintf(stage->path, sizeof(stage->path), "%.31s/policy.yaml", stage->dir);
    return stage_value;
}

static void unstage_policy(stage_t *stage)
{
    char path[128];
    for (size_t i = STAGED_KEY_COUNT; i-- > 0;) {
        snprintf(path, sizeof(path), "%s/%s", stage->dir, staged_keys[i].name);
        if (staged_keys[i].mode == 0)
            assert_int_equal(rmdir(path), 0);
        else
            unlink(path); /* some tests remove one */
    }
    assert_int_equal(unlink(stage->path), 0);
    assert_int_equal(rmdir(stage->dir), 0);
}

/* Loads a staged policy expecting failure with status rc and a problem at
 * line:col whose message contains text. */
static void assert_load_fails(const char *path, mcsec_err_t rc, unsigned line, unsigned col,
                              const char *text)
{
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    assert_int_equal(mcsec_policy_load_file(path, &policy, &diags), rc);
    assert_null(policy);
    if (!has_diag(&diags, line, col, text)) {
        print_error("expected %u:%u: ...%s...\n", line, col, text);
        print_diags(&diags);
        fail();
    }
    mcsec_diag_list_free(&diags);
}

/* ---- the examples ------------------------------------------------------- */

static void test_policy_example_a_loads(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_ok(MCSEC_SOURCE_DIR "/policies/system-a.yaml");
    assert_int_equal(policy->version, 1);
    assert_string_equal(policy->system.name, "system-a");
    assert_string_equal(policy->system.identity, "sip:border@a.mcx.example");
    assert_int_equal(policy->system.domains.count, 2);
    assert_string_equal(policy->system.domains.items[1], "*.a.mcx.example");
    assert_true(policy->system.has_is_proxy);
    assert_addr(&policy->system.is_proxy, "127.0.10.1", 5060, AF_INET);
    assert_addr(&policy->system.gateway, "203.0.113.10", 0, AF_INET);
    assert_addr(&policy->system.sip_core, "127.0.10.2", 5070, AF_INET);
    /* The inside SIP socket admits the listed core address on any port. */
    assert_int_equal(policy->system.sip_inside_peer_count, 1);
    assert_addr(&policy->system.sip_inside_peers[0], "127.0.10.2", 0, AF_INET);
    assert_int_equal(policy->system.sip_transport, MCSEC_TRANSPORT_UDP);
    /* Key paths resolve against the policy's directory (made by
     * policies/make-example-keys.sh, the example_keys fixture). */
    assert_non_null(strstr(policy->system.keys.topology, "/policies/keys/a/topology.key"));
    assert_int_equal(policy->system.keys.topology[0], '/');
    assert_int_equal(policy->logging.level, MCSEC_LOG_NOTICE);
    assert_false(policy->logging.log_passed);
    assert_int_equal(policy->logging.format, MCSEC_LOG_FORMAT_LOGFMT);

    assert_int_equal(policy->partner_count, 1);
    const mcsec_partner_t *b = mcsec_policy_partner_by_name(policy, "system-b");
    assert_ptr_equal(b, &policy->partners[0]);
    assert_string_equal(b->identity, "sip:border@b.mcx.example");
    assert_string_equal(b->domains.items[0], "b.mcx.example");
    assert_int_equal(b->is_proxy_count, 1);
    assert_addr(&b->is_proxy[0], "127.0.20.1", 5060, AF_INET);
    assert_addr(&b->http_proxy, "127.0.20.1", 8443, AF_INET);
    assert_int_equal(b->auth, MCSEC_AUTH_IMPLICIT);
    assert_int_equal(b->sip.methods.count, 12);
    assert_string_equal(b->sip.methods.items[0], "INVITE");
    assert_string_equal(b->sip.methods.items[11], "PRACK");
    assert_int_equal(b->sip.content_types.count, 10);
    assert_string_equal(b->sip.content_types.items[0], "application/sdp");
    assert_string_equal(b->sip.content_types.items[2], "application/vnd.3gpp.mcvideo-info+xml");
    assert_string_equal(b->sip.content_types.items[3], "application/vnd.3gpp.mcdata-info+xml");
    assert_int_equal(b->sip.max_body, 16384);
    assert_false(b->sip.warning_reason);
    assert_int_equal(b->line, 31);
    assert_int_equal(b->col, 5);
    assert_null(mcsec_policy_partner_by_name(policy, "system-c"));
    mcsec_policy_free(policy);
}

static void test_policy_example_b_loads(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_ok(MCSEC_SOURCE_DIR "/policies/system-b.yaml");
    assert_string_equal(policy->system.name, "system-b");
    assert_int_equal(policy->partner_count, 1);
    const mcsec_partner_t *a = &policy->partners[0];
    assert_string_equal(a->name, "system-a");
    assert_string_equal(a->domains.items[1], "*.a.mcx.example");
    assert_addr(&a->is_proxy[0], "127.0.10.1", 5060, AF_INET);
    assert_addr(&a->gateway, "203.0.113.10", 0, AF_INET);
    assert_int_equal(a->sip.max_body, 16384);
    mcsec_policy_free(policy);
}

static void test_policy_full_valid_loads(void **state)
{
    (void)state;
    stage_t stage = stage_policy("valid-full.yaml");
    mcsec_policy_t *policy = load_ok(stage.path);
    assert_addr(&policy->system.is_proxy, "2001:db8::1", 5060, AF_INET6);
    assert_true(policy->system.has_http_proxy);
    assert_int_equal(policy->system.sip_transport, MCSEC_TRANSPORT_TCP);
    assert_int_equal(policy->system.sip_inside_peer_count, 2);
    assert_addr(&policy->system.sip_inside_peers[0], "192.0.2.2", 0, AF_INET);
    assert_addr(&policy->system.sip_inside_peers[1], "2001:db8::2", 5070, AF_INET6);
    assert_int_equal(policy->logging.level, MCSEC_LOG_DEBUG);
    assert_true(policy->logging.log_passed);
    assert_int_equal(policy->logging.format, MCSEC_LOG_FORMAT_JSON);
    assert_int_equal(policy->partner_count, 2);
    const mcsec_partner_t *b = &policy->partners[0];
    assert_int_equal(b->sip.max_body, 0);
    assert_true(b->sip.warning_reason);
    assert_false(b->has_http_proxy);
    const mcsec_partner_t *c = &policy->partners[1];
    assert_string_equal(c->name, "system-c");
    assert_int_equal(c->auth, MCSEC_AUTH_EXPLICIT);
    assert_int_equal(c->is_proxy_count, 2);
    assert_addr(&c->is_proxy[0], "2001:db8::7", 0, AF_INET6);
    assert_addr(&c->is_proxy[1], "198.51.100.8", 5061, AF_INET);
    assert_int_equal(c->sip.content_types.count, 0);
    assert_int_equal(c->sip.max_body, 16384);
    assert_non_null(strstr(c->keys.kms, "/c-kms.pub"));
    /* keys.kms as a list: the first file, then the others. */
    assert_int_equal(c->keys.kms_more_count, 1);
    assert_non_null(strstr(c->keys.kms_more[0], "/b-kms.pub"));
    assert_int_equal(b->keys.kms_more_count, 0);
    assert_int_equal(policy->system.expiry_warning_days, 14);
    mcsec_policy_free(policy);
    unstage_policy(&stage);
}

/* ---- the feature sections (spk, ear, topology) --------------------------- */

static void test_policy_feature_defaults(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_ok(MCSEC_SOURCE_DIR "/policies/system-a.yaml");
    const mcsec_system_t *sys = &policy->system;
    assert_string_equal(sys->spk_internal_identity, "");
    assert_int_equal(sys->ear_replay_entries, 65536);
    assert_string_equal(sys->ear_sign_identity, "sip:border@a.mcx.example");
    assert_string_equal(sys->topology_host, "a.mcx.example");
    assert_int_equal(sys->topology_previous_validity, 86400);
    const mcsec_partner_t *b = &policy->partners[0];
    assert_int_equal(b->spk.mode, MCSEC_SPK_OFF);
    assert_int_equal(b->spk.elements.count, 0);
    assert_int_equal(b->spk.signed_types.count, 0);
    assert_false(b->spk.reprotect_internal);
    assert_string_equal(b->ear.header, "MCX-EAR");
    assert_int_equal(b->ear.skew, 30);
    assert_int_equal(b->ear.source_role_count, 3);
    assert_memory_equal(b->ear.source_roles, "\x02\x03\x04", 3);
    assert_int_equal(b->ear.request_type_count, 0);
    assert_false(b->ear.in_dialog);
    assert_false(b->ear.sign_on_behalf);
    assert_false(b->topology.enabled); /* topology: {enabled: false} */
    assert_int_equal(b->topology.strip_headers.count, 0);
    assert_int_equal(b->topology.hide_elements.count, 0);
    assert_int_equal(b->topology.rewrite_headers.count, 0);
    assert_false(b->topology.tokenize_callid);
    mcsec_policy_free(policy);
}

static void test_policy_features_load(void **state)
{
    (void)state;
    stage_t stage = stage_policy("valid-features.yaml");
    mcsec_policy_t *policy = load_ok(stage.path);
    const mcsec_system_t *sys = &policy->system;
    assert_string_equal(sys->spk_internal_identity, "sips:mcptt-as@a.example");
    assert_int_equal(sys->ear_replay_entries, 131072);
    assert_string_equal(sys->ear_sign_identity, "sip:signer@mcx.a.example");
    assert_string_equal(sys->topology_host, "border.a.example:5061"); /* lower-cased */
    assert_int_equal(sys->topology_previous_validity, 0);
    char signing[128];
    snprintf(signing, sizeof(signing), "%s/signing", stage.dir);
    assert_string_equal(sys->keys.signing, signing);
    assert_int_equal(policy->partner_count, 3);

    const mcsec_partner_t *b = &policy->partners[0];
    assert_int_equal(b->auth, MCSEC_AUTH_EXPLICIT);
    assert_int_equal(b->spk.mode, MCSEC_SPK_REQUIRED);
    assert_int_equal(b->spk.elements.count, 3);
    assert_string_equal(b->spk.elements.items[0], "mcptt-calling-user-id");
    assert_string_equal(b->spk.elements.items[2], "functional-alias-URI");
    assert_int_equal(b->spk.signed_types.count, 2);
    assert_string_equal(b->spk.signed_types.items[0], "application/resource-lists+xml");
    assert_string_equal(b->spk.signed_types.items[1], "application/pidf+xml");
    assert_true(b->spk.reprotect_internal);
    assert_string_equal(b->ear.header, "X-Border-EAR");
    assert_int_equal(b->ear.skew, 3600);
    assert_int_equal(b->ear.source_role_count, 2);
    assert_memory_equal(b->ear.source_roles, "\x04\x02", 2);
    assert_int_equal(b->ear.request_type_count, 3);
    assert_memory_equal(b->ear.request_types, "\x01\x03\xff", 3);
    assert_true(b->ear.in_dialog);
    assert_true(b->ear.sign_on_behalf);
    assert_false(b->topology.enabled);
    assert_int_equal(b->topology.strip_headers.count, 3);
    assert_string_equal(b->topology.strip_headers.items[0], "P-Charging-Vector");
    assert_string_equal(b->topology.strip_headers.items[2], "P-Acme-*");
    assert_int_equal(b->topology.hide_elements.count, 1);
    assert_string_equal(b->topology.hide_elements.items[0], "mcptt-request-uri");
    assert_int_equal(b->topology.rewrite_headers.count, 2);
    assert_string_equal(b->topology.rewrite_headers.items[1], "P-Served-*");
    assert_true(b->topology.tokenize_callid);
    assert_int_equal(b->migration.our_users_served_there.count, 0); /* default: none */

    const mcsec_partner_t *c = &policy->partners[1];
    assert_int_equal(c->spk.mode, MCSEC_SPK_OPTIONAL);
    assert_int_equal(c->spk.elements.count, 0); /* all contentType elements */
    assert_int_equal(c->ear.skew, 1);
    assert_int_equal(c->ear.source_role_count, 1);
    assert_int_equal(c->ear.source_roles[0], 1);
    assert_int_equal(c->ear.request_type_count, 0);
    assert_true(c->topology.enabled); /* default: system.keys.topology is set */

    const mcsec_partner_t *d = &policy->partners[2];
    assert_int_equal(d->spk.mode, MCSEC_SPK_OFF);
    assert_int_equal(d->migration.our_users_served_there.count, 2);
    assert_string_equal(d->migration.our_users_served_there.items[1].id,
                        "sips:dispatch@x.a.example");
    assert_int_equal(d->migration.our_users_served_there.items[1].expires, 1798761599);
    assert_int_equal(d->migration.their_users_served_here.count, 1);
    assert_int_equal(d->migration.their_users_served_here.items[0].expires, 1909051200);
    assert_string_equal(d->ear.header, "MCX-EAR");
    assert_int_equal(d->ear.skew, 30);
    assert_int_equal(d->ear.source_role_count, 3);
    assert_true(d->topology.enabled);
    assert_false(d->topology.tokenize_callid);
    mcsec_policy_free(policy);
    unstage_policy(&stage);
}

/* system.keys.signing is a directory: checked as such, with its files. */
static void test_policy_signing_directory(void **state)
{
    (void)state;
    stage_t stage = stage_policy("valid-features.yaml");
    char path[128], expected[256];

    snprintf(path, sizeof(path), "%s/signing/ssk", stage.dir);
    assert_int_equal(chmod(path, 0640), 0);
    snprintf(expected, sizeof(expected),
             "key file '%s' is readable by group or others (mode 0640); chmod 600", path);
    assert_load_fails(stage.path, MCSEC_ERR_PERM, 20, 14, expected);
    assert_int_equal(chmod(path, 0600), 0);

    snprintf(path, sizeof(path), "%s/signing", stage.dir);
    assert_int_equal(chmod(path, 0777), 0);
    snprintf(expected, sizeof(expected),
             "key directory '%s' is writable by group or others (mode 0777); chmod 700", path);
    assert_load_fails(stage.path, MCSEC_ERR_PERM, 20, 14, expected);
    assert_int_equal(chmod(path, 0755), 0); /* readable by others is fine */
    mcsec_policy_free(load_ok(stage.path));

    snprintf(path, sizeof(path), "%s/signing/signer", stage.dir);
    assert_int_equal(unlink(path), 0);
    snprintf(expected, sizeof(expected), "key file '%s' not found", path);
    assert_load_fails(stage.path, MCSEC_ERR_IO, 20, 14, expected);

    /* The partner KMS public file may be world-readable, not writable. */
    free(write_file(stage.dir, "signing/signer", "not a real key\n", 0644));
    snprintf(path, sizeof(path), "%s/b-kms.pub", stage.dir);
    assert_int_equal(chmod(path, 0604), 0);
    mcsec_policy_free(load_ok(stage.path));
    assert_int_equal(chmod(path, 0646), 0);
    assert_load_fails(stage.path, MCSEC_ERR_PERM, 49, 29,
                      "is writable by group or others (mode 0646); chmod 644");
    unstage_policy(&stage);
}

/* ---- the http sections --------------------------------------------------- */

static void test_policy_http_defaults(void **state)
{
    (void)state;
    mcsec_policy_t *policy = load_ok(MCSEC_SOURCE_DIR "/policies/system-a.yaml");
    const mcsec_system_t *sys = &policy->system;
    assert_false(sys->http.has_inside);
    assert_string_equal(sys->http.public_host, "a.mcx.example"); /* the topology host */
    assert_int_equal(sys->http.internal_hosts.count, 0);
    assert_int_equal(sys->http.connection_limit, 256);
    assert_int_equal(sys->http.client_timeout, 10);
    assert_int_equal(sys->http.threads, 4);
    assert_false(sys->http.has_inside_tls); /* plain HTTP inside */
    assert_false(policy->partners[0].http.enabled);
    assert_int_equal(policy->partners[0].http.max_body, 65536);
    mcsec_policy_free(policy);
}

static void test_policy_http_loads(void **state)
{
    (void)state;
    stage_t stage = stage_policy("valid-http.yaml");
    mcsec_policy_t *policy = load_ok(stage.path);
    const mcsec_system_t *sys = &policy->system;
    assert_true(sys->http.has_inside);
    assert_addr(&sys->http.inside, "10.0.0.1", 8080, AF_INET);
    assert_string_equal(sys->http.public_host, "border.a.example");
    assert_int_equal(sys->http.internal_hosts.count, 2);
    assert_string_equal(sys->http.internal_hosts.items[1], "10.0.0.5:8080");
    assert_int_equal(sys->http.connection_limit, 512);
    assert_int_equal(sys->http.client_timeout, 5);
    assert_int_equal(sys->http.threads, 8);
    assert_int_equal(sys->http.inside_client_count, 2);
    assert_addr(&sys->http.inside_clients[0], "10.0.0.7", 0, AF_INET);
    assert_addr(&sys->http.inside_clients[1], "10.0.0.8", 4000, AF_INET);
    /* inside_tls: paths resolved next to the policy like the other keys. */
    char path[160];
    assert_true(sys->http.has_inside_tls);
    snprintf(path, sizeof(path), "%s/cert.pem", stage.dir);
    assert_string_equal(sys->http.inside_cert, path);
    snprintf(path, sizeof(path), "%s/inside-key.pem", stage.dir);
    assert_string_equal(sys->http.inside_key, path);
    snprintf(path, sizeof(path), "%s/inside-ca.pem", stage.dir);
    assert_string_equal(sys->http.inside_ca, path);
    const mcsec_http_rules_t *b = &policy->partners[0].http;
    assert_true(b->enabled);
    assert_int_equal(b->methods.count, 3);
    assert_string_equal(b->methods.items[2], "DELETE");
    assert_int_equal(b->path_prefixes.count, 2);
    assert_string_equal(b->path_prefixes.items[1], "/cms");
    assert_string_equal(b->content_types.items[0], "application/vnd.oma.poc.groups+xml");
    assert_int_equal(b->max_body, 1048576);
    assert_int_equal(b->max_header_bytes, 16384);
    assert_int_equal(b->connection_limit, 4);
    assert_int_equal(b->timeout, 30);
    assert_string_equal(b->peer_name, "http.b.example");
    assert_int_equal(b->upstream_count, 2);
    assert_string_equal(b->upstreams[0].prefix, "/xcap-root/");
    assert_string_equal(b->upstreams[1].url, "https://cms.a.internal/cms");
    const mcsec_http_rules_t *c = &policy->partners[1].http;
    assert_string_equal(c->peer_name, "c.example"); /* host of the identity */
    assert_int_equal(c->max_body, 65536);
    assert_int_equal(c->max_header_bytes, 8192);
    assert_int_equal(c->connection_limit, 32);
    assert_int_equal(c->timeout, 10);
    assert_int_equal(c->upstream_count, 0);
    mcsec_policy_free(policy);
    unstage_policy(&stage);
}

/* The inside TLS key is a secret: refused when group or others may read
 * it, with the place of the key in the file; the CA must exist. */
static void test_policy_inside_tls_files(void **state)
{
    (void)state;
    stage_t stage = stage_policy("valid-http.yaml");
    char path[128], expected[256];
    snprintf(path, sizeof(path), "%s/inside-key.pem", stage.dir);
    assert_int_equal(chmod(path, 0640), 0);
    snprintf(expected, sizeof(expected),
             "key file '%s' is readable by group or others (mode 0640); chmod 600", path);
    assert_load_fails(stage.path, MCSEC_ERR_PERM, 18, 39, expected);
    assert_int_equal(chmod(path, 0600), 0);
    snprintf(path, sizeof(path), "%s/inside-ca.pem", stage.dir);
    assert_int_equal(unlink(path), 0);
    snprintf(expected, sizeof(expected), "key file '%s' not found", path);
    assert_load_fails(stage.path, MCSEC_ERR_IO, 18, 59, expected);
    unstage_policy(&stage);
}

/* ---- dump and reload ---------------------------------------------------- */

static void round_trip(const char *path)
{
    mcsec_policy_t *first = load_ok(path);
    char *text = NULL;
    assert_int_equal(mcsec_policy_dump(first, &text), MCSEC_OK);
    assert_non_null(text);

    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *second = NULL;
    mcsec_err_t rc = mcsec_policy_load_buffer(text, strlen(text), "<dump>", NULL, &second, &diags);
    if (rc != MCSEC_OK) {
        print_error("dump:\n%s\n", text);
        print_diags(&diags);
    }
    assert_int_equal(rc, MCSEC_OK);
    assert_policies_equal(first, second);
    assert_string_equal(second->source_path, "<dump>");

    char *again = NULL;
    assert_int_equal(mcsec_policy_dump(second, &again), MCSEC_OK);
    assert_string_equal(text, again);
    free(again);
    free(text);
    mcsec_diag_list_free(&diags);
    mcsec_policy_free(second);
    mcsec_policy_free(first);
}

static void test_policy_dump_round_trip(void **state)
{
    (void)state;
    round_trip(MCSEC_SOURCE_DIR "/policies/system-a.yaml");
    round_trip(MCSEC_SOURCE_DIR "/policies/system-b.yaml");
    static const char *const staged[] = {"valid-full.yaml", "valid-features.yaml",
                                         "valid-http.yaml"};
    for (size_t i = 0; i < sizeof(staged) / sizeof(staged[0]); i++) {
        stage_t stage = stage_policy(staged[i]);
        round_trip(stage.path);
        unstage_policy(&stage);
    }
}

/* ---- malformed policies ------------------------------------------------- */

typedef struct {
    const char *file; /* under data/policy/bad/ */
    unsigned line, col;
    const char *message;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    {"unknown_key", 16, 5, "unknown key 'domian' in 'partner' (did you mean 'domains'?)"},
    {"unknown_top_key", 22, 1, "unknown key 'loging' in 'policy' (did you mean 'logging'?)"},
    {"wrong_type_system", 2, 9, "expected a mapping for 'system' (found a list)"},
    {"wrong_type_domains", 15, 14, "expected a list for 'partner.domains' (found a scalar)"},
    {"partner_not_mapping", 22, 5, "expected a mapping for 'partner' (found a scalar)"},
    {"missing_identity", 3, 3, "missing required key 'identity' in 'system'"},
    {"missing_partner_auth", 13, 5, "missing required key 'auth' in 'partner'"},
    {"missing_is_proxy", 16, 16, "missing required key 'is_proxy' in 'partner.addresses'"},
    {"missing_value", 4, 12, "missing value for 'system.identity'"},
    {"duplicate_partner", 22, 11, "duplicate partner name 'system-b' (first at line 13)"},
    {"duplicate_key", 4, 3, "duplicate key 'name' in 'system' (first at line 3)"},
    {"overlap_partners", 24, 26, "domain 'b.example' overlaps domain 'b.example' of partner"},
    {"overlap_own", 15, 26, "domain 'a.example' overlaps our own domain 'a.example'"},
    {"overlap_wildcard_own", 15, 26, "'mcx.a.example' overlaps our own domain '*.a.example'"},
    {"overlap_wildcard_partners", 24, 26,
     "'*.c.example' overlaps domain 'mcx.c.example' of partner 'system-b'"},
    {"bad_address", 17, 18, "'198.51.100.300' is not an IP address"},
    {"bad_port", 17, 18, "port '70000' is not a number from 1 to 65535"},
    {"missing_port", 7, 15, "missing port (expected IP:port)"},
    {"gateway_with_port", 8, 14, "expected a bare IP address without port"},
    {"ipv6_no_brackets", 10, 11, "write IPv6 addresses as [addr]:port"},
    {"shared_is_proxy", 26, 17, "is_proxy address 198.51.100.1 of partner 'system-c' is also"},
    {"bad_uri_scheme", 14, 15, "URI 'tel:+4930123456': expected sip:user@host"},
    {"identity_not_in_domains", 14, 15, "identity host 'z.example' is not in the partner's"},
    {"register_method", 20, 25, "REGISTER is never allowed across the border"},
    {"lowercase_method", 20, 25, "invalid method 'ack'"},
    {"content_type_wildcard", 21, 40, "invalid content type 'application/*'"},
    {"bad_auth", 18, 11, "invalid value 'trusted' for 'partner.auth'"},
    {"bad_domain_star", 15, 26, "invalid domain '*' in 'partner.domains'"},
    {"bad_domain_middle", 15, 26, "invalid domain 'b.*.example'"},
    {"bad_domain_space", 15, 15, "invalid domain 'b example'"},
    {"bad_partner_name", 13, 11, "invalid partner name 'System_B'"},
    {"version_2", 1, 10, "unsupported policy version 2"},
    {"version_string", 1, 10, "expected an integer for 'version'"},
    {"empty_partners", 12, 11, "'partners' must list at least one partner"},
    {"empty_policy", 0, 0, "the policy is empty"},
    {"two_documents", 23, 1, "found a second one"},
    {"yaml_syntax", 21, 20, "YAML syntax error: did not find expected ',' or ']'"},
    {"negative_max_body", 22, 17, "'partner.sip.max_body' must be from 0 to 1048576 (found -1)"},
    {"max_body_too_large", 22, 17, "must be from 0 to 1048576 (found 2000000)"},
    {"max_body_not_integer", 22, 17, "expected an integer for 'partner.sip.max_body'"},
    {"bad_transport", 11, 16, "invalid value 'sctp' for 'system.sip.transport'"},
    {"bad_log_level", 23, 10, "invalid value 'verbose' for 'logging.level'"},
    {"bad_log_format", 23, 11, "invalid value 'syslog' for 'logging.format': expected logfmt"},
    {"bad_boolean", 22, 23, "expected a boolean (true or false)"},
    {"missing_key_file", 11, 20, "/no-such-topology.key' not found"},
    /* spk, ear, topology */
    {"bad_spk_mode", 21, 13, "invalid value 'always' for 'partner.spk.mode': expected off,"},
    {"unknown_ear_key", 22, 7,
     "unknown key 'source_role' in 'partner.ear' (did you mean 'source_roles'?)"},
    {"unknown_topology_key", 20, 16,
     "unknown key 'strip_header' in 'partner.topology' (did you mean 'strip_headers'?)"},
    {"ear_not_mapping", 20, 10, "expected a mapping for 'partner.ear' (found a list)"},
    {"ear_skew_zero", 20, 17, "'partner.ear.skew' must be from 1 to 3600 (found 0)"},
    {"ear_role_300", 21, 25, "'partner.ear.source_roles' must be from 1 to 255 (found 300)"},
    {"ear_duplicate_role", 21, 28, "duplicate role 3 in 'partner.ear.source_roles'"},
    {"ear_too_many_roles", 21, 46, "more than 8 roles in 'partner.ear.source_roles'"},
    {"empty_source_roles", 20, 25, "'partner.ear.source_roles' must list at least one role"},
    {"ear_header_space", 21, 15, "invalid header name 'MCX EAR' for 'partner.ear.header'"},
    {"spk_required_without_key", 20, 17, "spk mode 'required' needs 'partner.keys.spk'"},
    {"signed_type_not_xml", 21, 22,
     "'application/sdp' in 'partner.spk.signed_types' is not an XML type"},
    {"reprotect_without_internal_key", 21, 31,
     "'partner.spk.reprotect_internal' needs 'system.keys.spk' (the internal SPK)"},
    {"explicit_without_kms", 17, 11, "auth explicit needs 'partner.keys.kms'"},
    {"kms_list_too_long", 21, 12, "'partner.keys.kms' must list 1 to 4 KMS public files"},
    {"kms_list_twice", 21, 58, "'partner.keys.kms' lists"},
    {"sign_on_behalf_without_signing", 21, 23,
     "'partner.ear.sign_on_behalf' needs 'system.keys.signing'"},
    {"topology_enabled_without_key", 21, 16,
     "'partner.topology.enabled' needs 'system.keys.topology'"},
    {"strip_needed_header", 21, 35,
     "'Call-ID' in 'partner.topology.strip_headers' would strip Call-ID"},
    {"rewrite_needed_header", 21, 35,
     "'Vi*' in 'partner.topology.rewrite_headers' would rewrite Via"},
    {"bad_hide_element", 21, 42,
     "invalid element name 'mcptt request-uri' in 'partner.topology.hide_elements'"},
    {"bad_internal_identity_scheme", 12, 24,
     "invalid 'system.spk.internal_identity' URI 'tel:+4930123456'"},
    {"replay_entries_too_small", 11, 25,
     "'system.ear.replay_entries' must be from 1024 to 16777216 (found 100)"},
    {"sign_identity_not_in_domains", 11, 24, "identity host 'z.example' is not in our own"},
    {"bad_topology_host", 11, 20, "invalid host 'border_a.example' for 'system.topology.host'"},
    {"previous_validity_too_large", 11, 37,
     "'system.topology.previous_key_validity' must be from 0 to 2592000 (found 2592001)"},
    {"signing_not_directory", 10, 19, "/signing_not_directory.yaml' is not a directory"},
    {"http_connect_method", 19, 22, "CONNECT is never allowed across the border"},
    {"http_lowercase_method", 19, 17, "invalid method 'get': expected an upper-case HTTP method"},
    {"http_path_no_slash", 20, 23,
     "invalid path prefix 'xcap-root/' in 'partner.http.path_prefixes'"},
    {"http_path_dot_segment", 20, 23, "invalid path prefix '/xcap-root/../etc/'"},
    {"http_path_escape", 20, 23, "invalid path prefix '/xcap%2froot/'"},
    {"http_upstream_bad_url", 22, 30,
     "invalid URL 'ftp://10.0.0.5/x/' for 'partner.http.upstream.url'"},
    {"http_max_body_too_large", 21, 17, "'partner.http.max_body' must be from 0 to 16777216"},
    {"http_unknown_key", 20, 7,
     "unknown key 'path_prefix' in 'partner.http' (did you mean 'path_prefixes'?)"},
    {"http_without_ca", 19, 7, "'partner.http' needs 'partner.keys.ca'"},
    {"http_inside_no_port", 9, 13,
     "invalid address '10.0.0.1' for 'system.http.inside': missing port"},
    {"http_inside_client_duplicate", 10, 54,
     "duplicate address '10.0.0.5' in 'system.http.inside_clients'"},
    {"http_inside_tls_no_ca", 11, 17, "missing required key 'ca' in 'system.http.inside_tls'"},
    {"http_inside_tls_scalar", 11, 17,
     "expected a mapping for 'system.http.inside_tls' (found a scalar)"},
    {"sip_inside_peer_bad_address", 11, 31,
     "invalid address '192.0.2.300:5070' for 'system.sip.inside_peers'"},
    {"sip_inside_peers_not_list", 11, 19,
     "expected a list for 'system.sip.inside_peers' (found a scalar)"},
    /* gmk */
    {"gmk_bad_transfer", 22, 21, "invalid value 'maybe' for 'partner.gmk.transfer'"},
    {"gmk_check_without_partner_gms", 22, 21, "gmk transfer check needs 'partner.gmk.gms'"},
    {"gmk_check_without_system_gms", 22, 21, "gmk transfer check needs 'system.gmk.gms'"},
    {"gmk_gms_space", 22, 16, "'partner.gmk.gms' must be a GMS identity URI"},
    {"gmk_kms_not_kms_file", 11, 40, "is not a KMS public file"},
    {"gmk_max_age_zero", 11, 68, "'system.gmk.max_age' must be from 1 to 31622400 (found 0)"},
    {"gmk_unknown_key", 22, 11, "unknown key 'transfr' in 'partner.gmk'"},
};

#define BAD_CASE_COUNT (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void test_policy_rejects_malformed(void **state)
{
    const bad_case_t *bad = *state;
    char path[512];
    snprintf(path, sizeof(path), "%s/bad/%s.yaml", DATA, bad->file);
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = (mcsec_policy_t *)&diags; /* must be reset to NULL */
    mcsec_err_t rc = mcsec_policy_load_file(path, &policy, &diags);
    assert_true(rc < 0);
    assert_null(policy);
    assert_true(diags.count >= 1);
    assert_string_equal(diags.items[0].file, path);
    if (!has_diag(&diags, bad->line, bad->col, bad->message)) {
        print_error("%s: expected %u:%u: ...%s...\n", bad->file, bad->line, bad->col, bad->message);
        print_diags(&diags);
        fail();
    }
    mcsec_diag_list_free(&diags);
}

/* ---- more than one problem, permissions, API edges ---------------------- */

static void test_policy_reports_every_problem(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    mcsec_err_t rc = mcsec_policy_load_file(DATA "/several_problems.yaml", &policy, &diags);
    assert_int_equal(rc, MCSEC_ERR_INVALID);
    assert_null(policy);
    if (diags.count != 4)
        print_diags(&diags);
    assert_int_equal(diags.count, 4);
    assert_true(has_diag(&diags, 1, 10, "unsupported policy version 3"));
    assert_true(has_diag(&diags, 4, 3, "unknown key 'colour' in 'system'"));
    assert_true(has_diag(&diags, 19, 11, "invalid value 'sometimes' for 'partner.auth'"));
    assert_true(has_diag(&diags, 21, 25, "REGISTER is never allowed across the border"));
    mcsec_diag_list_free(&diags);
}

static const char key_policy_template[] = "version: 1\n"
                                          "system:\n"
                                          "  name: system-a\n"
                                          "  identity: sip:border@a.example\n"
                                          "  domains: [a.example]\n"
                                          "  keys:\n"
                                          "    topology: topology.key\n"
                                          "    cert: %s\n"
                                          "partners:\n"
                                          "  - name: system-b\n"
                                          "    identity: sips:border@b.example\n"
                                          "    domains: [b.example]\n"
                                          "    addresses: {is_proxy: [198.51.100.1]}\n"
                                          "    auth: explicit\n"
                                          "    sip: {methods: [MESSAGE]}\n"
                                          "    keys: {kms: kms.pub}\n";

static void test_policy_rejects_loose_key_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/mcsec-policy-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *key = write_file(dir, "topology.key", "not a real key\n", 0644);
    char *cert = write_file(dir, "border.pem", "not a real cert\n", 0644);
    char *kms = write_file(dir, "kms.pub", "not a real KMS file\n", 0644);
    char text[1024];
    snprintf(text, sizeof(text), key_policy_template, cert);
    char *policy_path = write_file(dir, "policy.yaml", text, 0644);

    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    mcsec_err_t rc = mcsec_policy_load_file(policy_path, &policy, &diags);
    assert_int_equal(rc, MCSEC_ERR_PERM);
    assert_null(policy);
    char expected[512];
    snprintf(expected, sizeof(expected),
             "key file '%s' is readable by group or others (mode 0644); chmod 600", key);
    if (diags.count != 1)
        print_diags(&diags);
    assert_int_equal(diags.count, 1);
    assert_true(has_diag(&diags, 7, 15, expected));
    mcsec_diag_list_free(&diags);

    /* A certificate may be world-readable, but not world-writable. */
    assert_int_equal(chmod(key, 0600), 0);
    policy = load_ok(policy_path);
    assert_string_equal(policy->system.keys.topology, key); /* resolved against the dir */
    assert_string_equal(policy->system.keys.cert, cert);
    assert_string_equal(policy->system.keys.spk, "");
    mcsec_policy_free(policy);

    assert_int_equal(chmod(cert, 0666), 0);
    rc = mcsec_policy_load_file(policy_path, &policy, &diags);
    assert_int_equal(rc, MCSEC_ERR_PERM);
    assert_true(has_diag(&diags, 8, 11, "is writable by group or others (mode 0666)"));
    mcsec_diag_list_free(&diags);

    assert_int_equal(unlink(key), 0);
    assert_int_equal(unlink(cert), 0);
    assert_int_equal(unlink(kms), 0);
    assert_int_equal(unlink(policy_path), 0);
    assert_int_equal(rmdir(dir), 0);
    free(key);
    free(cert);
    free(kms);
    free(policy_path);
}

/* system.keys.key as a PKCS#11 URI (RFC 7512): taken as is, needs
 * key_pin_file (a secret file), never a PIN in the URI; key_pin_file
 * without a URI is refused; the dump keeps both. */
static const char pkcs11_policy_template[] = "version: 1\n"
                                             "system:\n"
                                             "  name: system-a\n"
                                             "  identity: sip:border@a.example\n"
                                             "  domains: [a.example]\n"
                                             "  keys:\n"
                                             "    topology: topology.key\n"
                                             "    cert: border.pem\n"
                                             "    key: \"%s\"\n"
                                             "%s"
                                             "partners:\n"
                                             "  - name: system-b\n"
                                             "    identity: sips:border@b.example\n"
                                             "    domains: [b.example]\n"
                                             "    addresses: {is_proxy: [198.51.100.1]}\n"
                                             "    auth: explicit\n"
                                             "    sip: {methods: [MESSAGE]}\n"
                                             "    keys: {kms: kms.pub}\n";

static mcsec_err_t load_pkcs11(const char *dir, const char *key, const char *pin_line,
                               mcsec_policy_t **policy, mcsec_diag_list_t *diags)
{
    char text[2048];
    snprintf(text, sizeof(text), pkcs11_policy_template, key, pin_line);
    char *path = write_file(dir, "policy.yaml", text, 0644);
    mcsec_err_t rc = mcsec_policy_load_file(path, policy, diags);
    assert_int_equal(unlink(path), 0);
    free(path);
    return rc;
}

static void test_policy_pkcs11_key(void **state)
{
    (void)state;
    char dir[] = "/tmp/mcsec-policy-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *files[] = {
        write_file(dir, "topology.key", "x\n", 0600), write_file(dir, "border.pem", "x\n", 0644),
        write_file(dir, "kms.pub", "x\n", 0644), write_file(dir, "pin", "1234\n", 0600),
        write_file(dir, "key.pem", "x\n", 0600)};
    static const char uri[] = "pkcs11:token=border;object=tls;type=private";
    static const char pin_line[] = "    key_pin_file: pin\n";
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;

    assert_int_equal(load_pkcs11(dir, uri, pin_line, &policy, &diags), MCSEC_OK);
    assert_int_equal(diags.count, 0);
    assert_string_equal(policy->system.keys.key, uri);
    assert_string_equal(policy->system.keys.key_pin_file, files[3]);
    char *text = NULL;
    assert_int_equal(mcsec_policy_dump(policy, &text), MCSEC_OK);
    assert_non_null(strstr(text, uri));
    assert_non_null(strstr(text, "key_pin_file: "));
    mcsec_policy_t *again = NULL;
    assert_int_equal(mcsec_policy_load_buffer(text, strlen(text), "<dump>", NULL, &again, &diags),
                     MCSEC_OK);
    assert_string_equal(again->system.keys.key, uri);
    assert_string_equal(again->system.keys.key_pin_file, files[3]);
    mcsec_policy_free(again);
    free(text);
    mcsec_policy_free(policy);
    policy = NULL;

    char pin[16], why[256];
    assert_int_equal(mcsec_key_pin_read(files[3], pin, sizeof(pin), why, sizeof(why)), MCSEC_OK);
    assert_string_equal(pin, "1234");

    assert_int_equal(load_pkcs11(dir, uri, "", &policy, &diags), MCSEC_ERR_INVALID);
    assert_true(has_diag(&diags, 9, 10, "set system.keys.key_pin_file"));
    mcsec_diag_list_free(&diags);

    assert_int_equal(load_pkcs11(dir, "key.pem", pin_line, &policy, &diags), MCSEC_ERR_INVALID);
    assert_true(has_diag(&diags, 10, 19, "system.keys.key is not a PKCS#11 URI"));
    mcsec_diag_list_free(&diags);

    assert_int_equal(load_pkcs11(dir, "pkcs11:token=border;object=tls?pin-value=1234", pin_line,
                                 &policy, &diags),
                     MCSEC_ERR_PERM);
    assert_true(has_diag(&diags, 9, 10, "carries a PIN"));
    mcsec_diag_list_free(&diags);
    assert_int_equal(
        load_pkcs11(dir, "pkcs11:token=border;pin-source=file:/x", pin_line, &policy, &diags),
        MCSEC_ERR_PERM);
    assert_true(has_diag(&diags, 9, 10, "carries a PIN"));
    mcsec_diag_list_free(&diags);
    assert_null(policy);

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        assert_int_equal(unlink(files[i]), 0);
        free(files[i]);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void test_policy_missing_file_is_io_error(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    mcsec_err_t rc = mcsec_policy_load_file(DATA "/does-not-exist.yaml", &policy, &diags);
    assert_int_equal(rc, MCSEC_ERR_IO);
    assert_null(policy);
    assert_int_equal(diags.count, 1);
    assert_int_equal(diags.items[0].line, 0);
    assert_non_null(strstr(diags.items[0].message, "not found"));
    mcsec_diag_list_free(&diags);
}

static void test_policy_diags_are_appended(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    const char *yaml = "version: 1\n";
    assert_int_equal(mcsec_policy_load_buffer(yaml, strlen(yaml), NULL, NULL, &policy, &diags),
                     MCSEC_ERR_INVALID);
    assert_int_equal(diags.count, 2); /* system and partners missing */
    assert_string_equal(diags.items[0].file, "<memory>");
    assert_int_equal(mcsec_policy_load_buffer("a: [", 4, "x", NULL, &policy, &diags),
                     MCSEC_ERR_PARSE);
    assert_int_equal(diags.count, 3);
    assert_string_equal(diags.items[2].file, "x");
    mcsec_diag_list_free(&diags);
    assert_int_equal(diags.count, 0);
    mcsec_diag_list_free(&diags); /* safe twice */
}

static void test_policy_api_rejects_bad_arguments(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    assert_int_equal(mcsec_policy_load_buffer(NULL, 3, "x", NULL, &policy, &diags), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_policy_load_buffer("a", 1, "x", NULL, NULL, &diags), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_policy_load_file(NULL, &policy, &diags), MCSEC_ERR_ARG);
    char *text = NULL;
    assert_int_equal(mcsec_policy_dump(NULL, &text), MCSEC_ERR_ARG);
    assert_null(mcsec_policy_partner_by_name(NULL, "x"));
    mcsec_policy_free(NULL);
    assert_int_equal(diags.count, 0);
}

static void test_diag_format(void **state)
{
    (void)state;
    mcsec_diag_t diag = {"p.yaml", 3, 7, "unknown key 'x'"};
    char out[64];
    size_t n = mcsec_diag_format(&diag, out, sizeof(out));
    assert_string_equal(out, "p.yaml:3:7: unknown key 'x'");
    assert_int_equal(n, strlen(out));
    char small[8];
    assert_int_equal(mcsec_diag_format(&diag, small, sizeof(small)), n);
    assert_string_equal(small, "p.yaml:");
    diag.line = 0;
    mcsec_diag_format(&diag, out, sizeof(out));
    assert_string_equal(out, "p.yaml: unknown key 'x'");
}

static void test_err_str_covers_every_status(void **state)
{
    (void)state;
    for (int err = MCSEC_ERR_ARG; err <= MCSEC_OK; err++)
        assert_non_null(mcsec_err_str((mcsec_err_t)err));
    assert_string_equal(mcsec_err_str(MCSEC_OK), "ok");
    assert_string_equal(mcsec_err_str((mcsec_err_t)-99), "unknown error");
}

int main(void)
{
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_policy_example_a_loads),
        cmocka_unit_test(test_policy_example_b_loads),
        cmocka_unit_test(test_policy_full_valid_loads),
        cmocka_unit_test(test_policy_feature_defaults),
        cmocka_unit_test(test_policy_features_load),
        cmocka_unit_test(test_policy_signing_directory),
        cmocka_unit_test(test_policy_http_defaults),
        cmocka_unit_test(test_policy_http_loads),
        cmocka_unit_test(test_policy_inside_tls_files),
        cmocka_unit_test(test_policy_dump_round_trip),
        cmocka_unit_test(test_policy_reports_every_problem),
        cmocka_unit_test(test_policy_rejects_loose_key_file),
        cmocka_unit_test(test_policy_pkcs11_key),
        cmocka_unit_test(test_policy_missing_file_is_io_error),
        cmocka_unit_test(test_policy_diags_are_appended),
        cmocka_unit_test(test_policy_api_rejects_bad_arguments),
        cmocka_unit_test(test_diag_format),
        cmocka_unit_test(test_err_str_covers_every_status),
    };
    int failed = cmocka_run_group_tests_name("policy", fixed, NULL, NULL);

    /* One named test per malformed file, so a failure names the file. */
    struct CMUnitTest bad[BAD_CASE_COUNT];
    char names[BAD_CASE_COUNT][80];
    for (size_t i = 0; i < BAD_CASE_COUNT; i++) {
        snprintf(names[i], sizeof(names[i]), "test_policy_rejects_%s", bad_cases[i].file);
        bad[i] = (struct CMUnitTest){names[i], test_policy_rejects_malformed, NULL, NULL,
                                     (void *)&bad_cases[i]};
    }
    failed += _cmocka_run_group_tests("policy_malformed", bad, BAD_CASE_COUNT, NULL, NULL);
    return failed;
}
