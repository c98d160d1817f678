/* The optional feature sections: shared-SPK body protection (`spk`),
 * explicit authentication with EARs (`ear`) and topology hiding
 * (`topology`), in the system and in each partner, with their defaults and
 * the rules that tie them to key files and to each other. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define EAR_HEADER_DEFAULT "MCX-EAR"
#define EAR_SKEW_DEFAULT 30
#define EAR_SKEW_MAX 3600
#define EAR_REPLAY_DEFAULT 65536
#define EAR_REPLAY_MIN 1024
#define EAR_REPLAY_MAX 16777216
#define TOPO_PREVIOUS_DEFAULT 86400
#define TOPO_PREVIOUS_MAX 2592000 /* 30 days */
/* What the SPK protection can take (xmlprot: element and part limits). */
#define SPK_MAX_ELEMENTS 64
#define SPK_MAX_SIGNED_TYPES 8
#define LIST_MAX 64 /* header and element lists of topology hiding */

/* ---- system ------------------------------------------------------------- */

void mcsec_pol_system_defaults(mcsec_system_t *sys)
{
    sys->ear_replay_entries = EAR_REPLAY_DEFAULT;
    sys->topology_previous_validity = TOPO_PREVIOUS_DEFAULT;
    sys->expiry_warning_days = MCSEC_EXPIRY_WARNING_DAYS_DEFAULT;
}

static void load_system_spk(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"internal_identity", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "system.spk", keys, COUNT(keys), v))
        return;
    if (v[0])
        mcsec_pol_load_uri(ctx, v[0], "system.spk.internal_identity", &sys->spk_internal_identity);
}

static void load_system_ear(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"replay_entries", false}, {"sign_identity", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "system.ear", keys, COUNT(keys), v))
        return;
    long long entries;
    if (v[0] && mcsec_pol_integer(ctx, v[0], "system.ear.replay_entries", EAR_REPLAY_MIN,
                                  EAR_REPLAY_MAX, &entries))
        sys->ear_replay_entries = (size_t)entries;
    /* Partners check that an EAR's source ID is in our domains. */
    if (v[1] && mcsec_pol_load_uri(ctx, v[1], "system.ear.sign_identity", &sys->ear_sign_identity))
        mcsec_pol_check_identity_domain(ctx, v[1], sys->ear_sign_identity, &sys->domains,
                                        "our own");
}

static void load_system_topology(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"host", false}, {"previous_key_validity", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "system.topology", keys, COUNT(keys), v))
        return;
    const char *text = v[0] ? mcsec_pol_scalar(ctx, v[0], "system.topology.host") : NULL;
    if (text) {
        char *lower = strdup(text);
        if (!lower) {
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_NOMEM, "out of memory");
        } else {
            for (char *p = lower; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            if (mcsec_pol_host_valid(lower)) {
                free(sys->topology_host);
                sys->topology_host = lower;
                lower = NULL;
            } else {
                mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                                  "invalid host '%s' for 'system.topology.host': expected a host "
                                  "name, IPv4 address or [IPv6] reference, optionally with :port",
                                  text);
            }
            free(lower);
        }
    }
    long long seconds;
    if (v[1] && mcsec_pol_integer(ctx, v[1], "system.topology.previous_key_validity", 0,
                                  TOPO_PREVIOUS_MAX, &seconds))
        sys->topology_previous_validity = (uint32_t)seconds;
}

/* The host of system.identity as a topology host: lower case, IPv6 in
 * brackets, without port; NULL when out of memory. */
static char *identity_host(const char *host, size_t len, bool v6)
{
    char *out = malloc(len + 3);
    if (!out)
        return NULL;
    size_t n = 0;
    if (v6)
        out[n++] = '[';
    for (size_t i = 0; i < len; i++)
        out[n++] = (char)tolower((unsigned char)host[i]);
    if (v6)
        out[n++] = ']';
    out[n] = '\0';
    return out;
}

void mcsec_pol_load_system_features(mcsec_pol_ctx_t *ctx, mcsec_system_t *sys,
                                    yaml_node_t *identity, yaml_node_t *spk, yaml_node_t *ear,
                                    yaml_node_t *topology)
{
    if (spk)
        load_system_spk(ctx, spk, sys);
    if (ear)
        load_system_ear(ctx, ear, sys);
    if (topology)
        load_system_topology(ctx, topology, sys);
    const char *host;
    size_t host_len;
    if (!sys->identity || !mcsec_pol_sip_uri_valid(sys->identity, &host, &host_len))
        return; /* already reported */
    if (!sys->ear_sign_identity && !(sys->ear_sign_identity = strdup(sys->identity)))
        mcsec_pol_problem(ctx, identity, MCSEC_ERR_NOMEM, "out of memory");
    if (sys->topology_host)
        return;
    bool v6 = host > sys->identity && host[-1] == '[';
    sys->topology_host = identity_host(host, host_len, v6);
    if (!sys->topology_host)
        mcsec_pol_problem(ctx, identity, MCSEC_ERR_NOMEM, "out of memory");
    else if (!mcsec_pol_host_valid(sys->topology_host))
        mcsec_pol_problem(ctx, identity, MCSEC_ERR_INVALID,
                          "host '%s' of 'system.identity' is not a valid host name; set "
                          "'system.topology.host'",
                          sys->topology_host);
}

/* ---- partner: lists ------------------------------------------------------ */

/* Reads a list of integers 1..255 (at most 8, no duplicates) into out;
 * noun names one entry in messages ("role"). */
static void load_octets(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, const char *noun,
                        bool need_one, uint8_t *out, size_t *count)
{
    yaml_node_item_t *items;
    size_t n;
    if (!mcsec_pol_sequence(ctx, node, what, &items, &n))
        return;
    *count = 0;
    if (n == 0 && need_one) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "'%s' must list at least one %s", what,
                          noun);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = mcsec_pol_node(ctx, items[i]);
        long long value;
        if (!item || !mcsec_pol_integer(ctx, item, what, 1, 255, &value))
            continue;
        bool seen = false;
        for (size_t j = 0; j < *count && !seen; j++)
            seen = out[j] == (uint8_t)value;
        if (seen) {
            mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID, "duplicate %s %lld in '%s'", noun,
                              value, what);
        } else if (*count == 8) {
            mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID, "more than 8 %ss in '%s'", noun, what);
            return;
        } else {
            out[(*count)++] = (uint8_t)value;
        }
    }
}

static bool element_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text, const char *value,
                       const char *what)
{
    (void)value;
    if (mcsec_pol_xml_name_valid(text))
        return true;
    mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                      "invalid element name '%s' in '%s': expected an XML local name "
                      "such as mcptt-calling-user-id",
                      text, what);
    return false;
}

/* Reads a list of XML element local names (no duplicates). */
static void load_elements(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, size_t max,
                          mcsec_strlist_t *list)
{
    const mcsec_pol_strlist_spec_t spec = {.what = what,
                                           .check = element_ok,
                                           .noun = "element",
                                           .max = max,
                                           .plural = "elements",
                                           .stop_when_full = true};
    mcsec_pol_load_strlist(ctx, node, &spec, list);
}

static bool signed_type_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                           const char *value, const char *what)
{
    if (!mcsec_pol_content_type_valid(value)) {
        mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                          "invalid content type '%s': expected type/subtype without "
                          "parameters or wildcards",
                          text);
        return false;
    }
    if (!mcsec_pol_xml_content_type(value)) {
        mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                          "'%s' in '%s' is not an XML type (expected application/xml, "
                          "text/xml or a +xml type)",
                          value, what);
        return false;
    }
    return true;
}

/* Reads the XML content types the SPK signature also covers. */
static void load_signed_types(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_strlist_t *types)
{
    static const mcsec_pol_strlist_spec_t spec = {.what = "partner.spk.signed_types",
                                                  .check = signed_type_ok,
                                                  .lowercase = true,
                                                  .noun = "content type",
                                                  .max = SPK_MAX_SIGNED_TYPES,
                                                  .plural = "content types",
                                                  .stop_when_full = true};
    mcsec_pol_load_strlist(ctx, node, &spec, types);
}

/* Headers that routing, transactions and dialogs need (long form, and the
 * compact form where RFC 3261 has one): topology hiding must not strip them. */
static const char *needed_header(const char *entry)
{
    static const struct {
        const char *name, *compact;
    } needed[] = {{"Via", "v"},          {"From", "f"},          {"To", "t"},
                  {"Call-ID", "i"},      {"CSeq", NULL},         {"Max-Forwards", NULL},
                  {"Contact", "m"},      {"Route", NULL},        {"Record-Route", NULL},
                  {"Content-Type", "c"}, {"Content-Length", "l"}};
    size_t len = strlen(entry);
    bool prefix = len > 0 && entry[len - 1] == '*';
    for (size_t i = 0; i < COUNT(needed); i++) {
        const char *compact = needed[i].compact;
        bool match = prefix ? strncasecmp(needed[i].name, entry, len - 1) == 0 ||
                                  (compact && strncasecmp(compact, entry, len - 1) == 0)
                            : strcasecmp(needed[i].name, entry) == 0 ||
                                  (compact && strcasecmp(compact, entry) == 0);
        if (match)
            return needed[i].name;
    }
    return NULL;
}

/* A header name for strip_headers / rewrite_headers (verb "strip" or
 * "rewrite" for the message about headers SIP needs). */
static bool header_entry_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                            const char *what, const char *verb)
{
    const char *needed = NULL;
    if (!mcsec_pol_header_name_valid(text, true)) {
        mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                          "invalid header name '%s' in '%s': expected a SIP header name "
                          "token, optionally ending in '*'",
                          text, what);
        return false;
    }
    if ((needed = needed_header(text)) != NULL) {
        mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                          "'%s' in '%s' would %s %s, which SIP routing and dialogs need", text,
                          what, verb, needed);
        return false;
    }
    return true;
}

static bool strip_header_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                            const char *value, const char *what)
{
    (void)value;
    return header_entry_ok(ctx, item, text, what, "strip");
}

static bool rewrite_header_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                              const char *value, const char *what)
{
    (void)value;
    return header_entry_ok(ctx, item, text, what, "rewrite");
}

/* strip_headers and rewrite_headers: the same list of header names, each
 * checked with its own verb. */
#define HEADER_LIST_SPEC(WHAT, CHECK)                                                              \
    {                                                                                              \
        .what = (WHAT), .check = (CHECK), .nocase = true, .noun = "header", .max = LIST_MAX,       \
        .plural = "headers", .stop_when_full = true                                                \
    }
static const mcsec_pol_strlist_spec_t strip_headers_spec =
    HEADER_LIST_SPEC("partner.topology.strip_headers", strip_header_ok);
static const mcsec_pol_strlist_spec_t rewrite_headers_spec =
    HEADER_LIST_SPEC("partner.topology.rewrite_headers", rewrite_header_ok);

/* ---- partner: sections --------------------------------------------------- */

void mcsec_pol_partner_defaults(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_partner_t *partner,
                                const mcsec_system_t *sys)
{
    static const uint8_t roles[] = {2, 3, 4}; /* MC server, GMS, border proxy */
    partner->spk.mode = MCSEC_SPK_OFF;
    partner->ear.header = strdup(EAR_HEADER_DEFAULT);
    if (!partner->ear.header)
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
    partner->ear.skew = EAR_SKEW_DEFAULT;
    memcpy(partner->ear.source_roles, roles, sizeof(roles));
    partner->ear.source_role_count = COUNT(roles);
    partner->topology.enabled = sys->keys.topology && sys->keys.topology[0];
}

void mcsec_pol_load_partner_spk(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_spk_rules_t *spk,
                                mcsec_pol_feature_nodes_t *blame)
{
    static const mcsec_pol_key_t keys[] = {{"mode", false},
                                           {"elements", false},
                                           {"signed_types", false},
                                           {"reprotect_internal", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "partner.spk", keys, COUNT(keys), v))
        return;
    const char *mode = v[0] ? mcsec_pol_scalar(ctx, v[0], "partner.spk.mode") : NULL;
    if (mode) {
        if (strcmp(mode, "off") == 0)
            spk->mode = MCSEC_SPK_OFF;
        else if (strcmp(mode, "optional") == 0)
            spk->mode = MCSEC_SPK_OPTIONAL;
        else if (strcmp(mode, "required") == 0)
            spk->mode = MCSEC_SPK_REQUIRED;
        else
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                              "invalid value '%s' for 'partner.spk.mode': expected off, optional "
                              "or required",
                              mode);
        blame->spk_mode = v[0];
    }
    if (v[1])
        load_elements(ctx, v[1], "partner.spk.elements", SPK_MAX_ELEMENTS, &spk->elements);
    if (v[2])
        load_signed_types(ctx, v[2], &spk->signed_types);
    if (v[3] &&
        mcsec_pol_boolean(ctx, v[3], "partner.spk.reprotect_internal", &spk->reprotect_internal))
        blame->spk_reprotect = v[3];
}

void mcsec_pol_load_partner_ear(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_ear_rules_t *ear,
                                mcsec_pol_feature_nodes_t *blame)
{
    static const mcsec_pol_key_t keys[] = {{"header", false},       {"skew", false},
                                           {"source_roles", false}, {"request_types", false},
                                           {"in_dialog", false},    {"sign_on_behalf", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "partner.ear", keys, COUNT(keys), v))
        return;
    const char *header = v[0] ? mcsec_pol_scalar(ctx, v[0], "partner.ear.header") : NULL;
    if (header && !mcsec_pol_header_name_valid(header, false))
        mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                          "invalid header name '%s' for 'partner.ear.header': expected a SIP "
                          "header name token",
                          header);
    else if (header)
        mcsec_pol_string(ctx, v[0], "partner.ear.header", &ear->header);
    long long skew;
    if (v[1] && mcsec_pol_integer(ctx, v[1], "partner.ear.skew", 1, EAR_SKEW_MAX, &skew))
        ear->skew = (uint32_t)skew;
    if (v[2])
        load_octets(ctx, v[2], "partner.ear.source_roles", "role", true, ear->source_roles,
                    &ear->source_role_count);
    if (v[3])
        load_octets(ctx, v[3], "partner.ear.request_types", "request type", false,
                    ear->request_types, &ear->request_type_count);
    if (v[4])
        mcsec_pol_boolean(ctx, v[4], "partner.ear.in_dialog", &ear->in_dialog);
    if (v[5] && mcsec_pol_boolean(ctx, v[5], "partner.ear.sign_on_behalf", &ear->sign_on_behalf))
        blame->ear_sign_on_behalf = v[5];
}

void mcsec_pol_load_partner_topology(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                     mcsec_topo_rules_t *topology, mcsec_pol_feature_nodes_t *blame)
{
    static const mcsec_pol_key_t keys[] = {{"enabled", false},
                                           {"strip_headers", false},
                                           {"hide_elements", false},
                                           {"tokenize_callid", false},
                                           {"rewrite_headers", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "partner.topology", keys, COUNT(keys), v))
        return;
    if (v[0] && mcsec_pol_boolean(ctx, v[0], "partner.topology.enabled", &topology->enabled))
        blame->topology_enabled = v[0];
    if (v[1])
        mcsec_pol_load_strlist(ctx, v[1], &strip_headers_spec, &topology->strip_headers);
    if (v[2])
        load_elements(ctx, v[2], "partner.topology.hide_elements", LIST_MAX,
                      &topology->hide_elements);
    if (v[3])
        mcsec_pol_boolean(ctx, v[3], "partner.topology.tokenize_callid",
                          &topology->tokenize_callid);
    if (v[4])
        mcsec_pol_load_strlist(ctx, v[4], &rewrite_headers_spec, &topology->rewrite_headers);
}

/* ---- cross-field rules --------------------------------------------------- */

static bool set(const char *text)
{
    return text && text[0];
}

void mcsec_pol_check_partner_features(mcsec_pol_ctx_t *ctx, const mcsec_system_t *sys,
                                      const mcsec_partner_t *partner,
                                      const mcsec_pol_feature_nodes_t *blame)
{
    if (blame->auth && partner->auth == MCSEC_AUTH_EXPLICIT && !set(partner->keys.kms))
        mcsec_pol_problem(ctx, blame->auth, MCSEC_ERR_INVALID,
                          "auth explicit needs 'partner.keys.kms' (the partner KMS public file "
                          "that EARs are verified with)");
    if (blame->spk_mode && partner->spk.mode != MCSEC_SPK_OFF && !set(partner->keys.spk))
        mcsec_pol_problem(ctx, blame->spk_mode, MCSEC_ERR_INVALID,
                          "spk mode '%s' needs 'partner.keys.spk' (the SPK shared with this "
                          "partner)",
                          partner->spk.mode == MCSEC_SPK_REQUIRED ? "required" : "optional");
    if (blame->spk_reprotect && partner->spk.reprotect_internal) {
        bool key = set(sys->keys.spk), identity = set(sys->spk_internal_identity);
        if (!key || !identity)
            mcsec_pol_problem(ctx, blame->spk_reprotect, MCSEC_ERR_INVALID,
                              "'partner.spk.reprotect_internal' needs %s%s%s (the internal SPK)",
                              key ? "" : "'system.keys.spk'", !key && !identity ? " and " : "",
                              identity ? "" : "'system.spk.internal_identity'");
    }
    if (blame->ear_sign_on_behalf && partner->ear.sign_on_behalf && !set(sys->keys.signing))
        mcsec_pol_problem(ctx, blame->ear_sign_on_behalf, MCSEC_ERR_INVALID,
                          "'partner.ear.sign_on_behalf' needs 'system.keys.signing' (our ECCSI "
                          "key directory)");
    if (blame->topology_enabled && partner->topology.enabled && !set(sys->keys.topology))
        mcsec_pol_problem(ctx, blame->topology_enabled, MCSEC_ERR_INVALID,
                          "'partner.topology.enabled' needs 'system.keys.topology' (the "
                          "topology-hiding key file)");
}
