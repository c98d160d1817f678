/* Writes the effective policy back as YAML with libyaml's emitter, so the
 * quoting of every scalar is the emitter's job, not ours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_gmk_internal.h"
#include "policy_migration_internal.h"
#include "policy_internal.h"

typedef struct {
    char *text;
    size_t len, cap;
    bool nomem;
} out_buf_t;

typedef struct {
    yaml_emitter_t emitter;
    bool failed;
} writer_t;

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    out_buf_t *out = data;
    if (out->len + size + 1 > out->cap) {
        size_t cap = out->cap ? out->cap : 1024;
        while (cap < out->len + size + 1)
            cap *= 2;
        char *grown = realloc(out->text, cap);
        if (!grown) {
            out->nomem = true;
            return 0;
        }
        out->text = grown;
        out->cap = cap;
    }
    memcpy(out->text + out->len, buffer, size);
    out->len += size;
    out->text[out->len] = '\0';
    return 1;
}

/* Emits one event; after a failure every later call is a no-op. */
static void emit(writer_t *w, yaml_event_t *event, int initialized)
{
    if (!initialized) {
        w->failed = true;
        return;
    }
    if (w->failed) {
        yaml_event_delete(event);
        return;
    }
    if (!yaml_emitter_emit(&w->emitter, event))
        w->failed = true;
}

static void scalar_styled(writer_t *w, const char *text, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    emit(w, &ev,
         yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1,
                                      style));
}

static void scalar(writer_t *w, const char *text)
{
    scalar_styled(w, text, YAML_ANY_SCALAR_STYLE);
}

/* Strings that a reader could take for another type are quoted. */
static void string_value(writer_t *w, const char *text)
{
    const char *dot = strchr(text, '.');
    bool numeric =
        text[0] && strspn(text, "0123456789.-+") == strlen(text) && (!dot || !strchr(dot + 1, '.'));
    /* yes/no/on/off: YAML 1.1 readers take them for booleans. */
    static const char *const words[] = {"true", "false", "null", "~", "yes", "no", "on", "off"};
    bool special = false;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        special = special || strcmp(text, words[i]) == 0;
    scalar_styled(w, text,
                  numeric || special ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
}

static void begin_map(writer_t *w, bool flow)
{
    yaml_event_t ev;
    emit(w, &ev,
         yaml_mapping_start_event_initialize(
             &ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void end_map(writer_t *w)
{
    yaml_event_t ev;
    emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void begin_seq(writer_t *w, bool flow)
{
    yaml_event_t ev;
    emit(w, &ev,
         yaml_sequence_start_event_initialize(
             &ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static void end_seq(writer_t *w)
{
    yaml_event_t ev;
    emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void key_string(writer_t *w, const char *key, const char *value)
{
    scalar(w, key);
    string_value(w, value);
}

static void key_bool(writer_t *w, const char *key, bool value)
{
    scalar(w, key);
    scalar(w, value ? "true" : "false");
}

static void key_number(writer_t *w, const char *key, unsigned long long value)
{
    char text[32];
    snprintf(text, sizeof(text), "%llu", value);
    scalar(w, key);
    scalar(w, text);
}

static void key_addr(writer_t *w, const char *key, const mcsec_addr_t *addr)
{
    char text[64];
    mcsec_addr_format(addr, text, sizeof(text));
    key_string(w, key, text);
}

static void key_list(writer_t *w, const char *key, const mcsec_strlist_t *list)
{
    scalar(w, key);
    begin_seq(w, true);
    for (size_t i = 0; i < list->count; i++)
        string_value(w, list->items[i]);
    end_seq(w);
}

static void key_addr_list(writer_t *w, const char *key, const mcsec_addr_t *list, size_t count)
{
    scalar(w, key);
    begin_seq(w, true);
    for (size_t i = 0; i < count; i++) {
        char text[64];
        mcsec_addr_format(&list[i], text, sizeof(text));
        string_value(w, text);
    }
    end_seq(w);
}

static void key_octets(writer_t *w, const char *key, const uint8_t *values, size_t count)
{
    scalar(w, key);
    begin_seq(w, true);
    for (size_t i = 0; i < count; i++) {
        char text[4];
        snprintf(text, sizeof(text), "%u", (unsigned)values[i]);
        scalar(w, text);
    }
    end_seq(w);
}

/* Emits `key: {name: path, ...}` for the configured (non-empty) paths. */
static void key_paths(writer_t *w, const char *key, const char *const *names, char *const *paths,
                      size_t count)
{
    bool any = false;
    for (size_t i = 0; i < count; i++)
        any = any || (paths[i] && paths[i][0]);
    scalar(w, key);
    begin_map(w, !any);
    for (size_t i = 0; i < count; i++)
        if (paths[i] && paths[i][0])
            key_string(w, names[i], paths[i]);
    end_map(w);
}

/* partners[].keys: the key paths (keys.kms as a list when it has more
 * than one file) and the CRL files. */
static void partner_keys(writer_t *w, const mcsec_partner_keys_t *keys)
{
    static const char *const names[] = {"spk", "kms", "ca"};
    char *const paths[] = {keys->spk, keys->kms, keys->ca};
    bool any = keys->crls.count > 0;
    for (size_t i = 0; i < 3; i++)
        any = any || (paths[i] && paths[i][0]);
    scalar(w, "keys");
    begin_map(w, !any);
    for (size_t i = 0; i < 3; i++) {
        if (i == 1 && keys->kms_more_count > 0) {
            /* keys.kms as a list: the first file, then the others. */
            scalar(w, "kms");
            begin_seq(w, false);
            string_value(w, keys->kms ? keys->kms : "");
            for (size_t k = 0; k < keys->kms_more_count; k++)
                string_value(w, keys->kms_more[k] ? keys->kms_more[k] : "");
            end_seq(w);
        } else if (paths[i] && paths[i][0]) {
            key_string(w, names[i], paths[i]);
        }
    }
    if (keys->crls.count > 0)
        key_list(w, "crls", &keys->crls);
    end_map(w);
}

static void dump_system(writer_t *w, const mcsec_system_t *sys)
{
    static const char *const key_names[] = {"topology", "spk", "signing",      "cert",
                                            "key",      "ca",  "key_pin_file", "pkcs11_module"};
    char *const key_paths_of[] = {sys->keys.topology,     sys->keys.spk,          sys->keys.signing,
                                  sys->keys.cert,         sys->keys.key,          sys->keys.ca,
                                  sys->keys.key_pin_file, sys->keys.pkcs11_module};
    scalar(w, "system");
    begin_map(w, false);
    key_string(w, "name", sys->name ? sys->name : "");
    key_string(w, "identity", sys->identity ? sys->identity : "");
    key_list(w, "domains", &sys->domains);
    if (sys->has_is_proxy || sys->has_http_proxy || sys->has_gateway) {
        scalar(w, "addresses");
        begin_map(w, false);
        if (sys->has_is_proxy)
            key_addr(w, "is_proxy", &sys->is_proxy);
        if (sys->has_http_proxy)
            key_addr(w, "http_proxy", &sys->http_proxy);
        if (sys->has_gateway)
            key_addr(w, "gateway", &sys->gateway);
        end_map(w);
    }
    scalar(w, "sip");
    begin_map(w, false);
    if (sys->has_sip_core)
        key_addr(w, "core", &sys->sip_core);
    key_string(w, "transport", sys->sip_transport == MCSEC_TRANSPORT_TCP ? "tcp" : "udp");
    key_string(w, "core_transport", sys->sip_core_transport == MCSEC_TRANSPORT_TCP ? "tcp" : "udp");
    key_addr_list(w, "inside_peers", sys->sip_inside_peers, sys->sip_inside_peer_count);
    end_map(w);
    bool internal = sys->spk_internal_identity && sys->spk_internal_identity[0];
    scalar(w, "spk");
    begin_map(w, !internal);
    if (internal)
        key_string(w, "internal_identity", sys->spk_internal_identity);
    end_map(w);
    scalar(w, "ear");
    begin_map(w, false);
    key_number(w, "replay_entries", sys->ear_replay_entries);
    if (sys->ear_sign_identity)
        key_string(w, "sign_identity", sys->ear_sign_identity);
    end_map(w);
    scalar(w, "topology");
    begin_map(w, false);
    if (sys->topology_host)
        key_string(w, "host", sys->topology_host);
    key_number(w, "previous_key_validity", sys->topology_previous_validity);
    end_map(w);
    key_number(w, "expiry_warning_days", sys->expiry_warning_days);
    const mcsec_http_system_t *http = &sys->http;
    scalar(w, "http");
    begin_map(w, false);
    if (http->has_inside)
        key_addr(w, "inside", &http->inside);
    if (http->public_host)
        key_string(w, "public_host", http->public_host);
    key_list(w, "internal_hosts", &http->internal_hosts);
    key_addr_list(w, "inside_clients", http->inside_clients, http->inside_client_count);
    if (http->has_inside_tls) {
        scalar(w, "inside_tls");
        begin_map(w, false);
        key_string(w, "cert", http->inside_cert);
        key_string(w, "key", http->inside_key);
        key_string(w, "ca", http->inside_ca);
        if (http->inside_crls.count > 0)
            key_list(w, "crls", &http->inside_crls);
        end_map(w);
    }
    key_number(w, "connection_limit", http->connection_limit);
    key_number(w, "client_timeout", http->client_timeout);
    key_number(w, "threads", http->threads);
    end_map(w);
    key_paths(w, "keys", key_names, key_paths_of, 8);
    if (!w->failed && !mcsec_pol_dump_system_gmk(&w->emitter, sys))
        w->failed = true;
    scalar(w, "revocation");
    begin_map(w, false);
    key_string(w, "stale", sys->revocation.stale == MCSEC_CRL_STALE_REFUSE ? "refuse" : "keep");
    key_number(w, "warn_before", sys->revocation.warn_before);
    end_map(w);
    if (sys->media.enabled) {
        scalar(w, "media");
        begin_map(w, false);
        scalar(w, "outside_address");
        scalar(w, sys->media.outside_address.ip);
        scalar(w, "inside_address");
        scalar(w, sys->media.inside_address.ip);
        key_number(w, "port_min", sys->media.port_min);
        key_number(w, "port_max", sys->media.port_max);
        end_map(w);
    }
    if (sys->replay.store == MCSEC_REPLAY_STORE_REDIS) {
        scalar(w, "replay");
        begin_map(w, false);
        key_string(w, "store", "redis");
        scalar(w, "redis");
        begin_map(w, false);
        key_string(w, "address", sys->replay.redis_address ? sys->replay.redis_address : "");
        key_number(w, "timeout_ms", sys->replay.redis_timeout_ms);
        if (sys->replay.redis_namespace)
            key_string(w, "namespace", sys->replay.redis_namespace);
        key_number(w, "wait_replicas", sys->replay.redis_wait_replicas);
        key_string(w, "on_unreachable", "refuse");
        end_map(w);
        end_map(w);
    }
    end_map(w);
}

static void dump_logging(writer_t *w, const mcsec_logging_t *logging)
{
    static const char *const levels[] = {"error", "warning", "notice", "info", "debug"};
    unsigned level = (unsigned)logging->level;
    scalar(w, "logging");
    begin_map(w, false);
    key_string(w, "level", level < 5 ? levels[level] : "notice");
    key_bool(w, "log_passed", logging->log_passed);
    key_string(w, "format", logging->format == MCSEC_LOG_FORMAT_JSON ? "json" : "logfmt");
    end_map(w);
}

static void dump_partner_features(writer_t *w, const mcsec_partner_t *partner)
{
    static const char *const spk_modes[] = {"off", "optional", "required"};
    unsigned mode = (unsigned)partner->spk.mode;
    scalar(w, "spk");
    begin_map(w, false);
    key_string(w, "mode", mode < 3 ? spk_modes[mode] : "off");
    key_list(w, "elements", &partner->spk.elements);
    key_list(w, "signed_types", &partner->spk.signed_types);
    key_bool(w, "reprotect_internal", partner->spk.reprotect_internal);
    end_map(w);
    const mcsec_ear_rules_t *ear = &partner->ear;
    scalar(w, "ear");
    begin_map(w, false);
    key_string(w, "header", ear->header ? ear->header : "MCX-EAR");
    key_number(w, "skew", ear->skew);
    key_octets(w, "source_roles", ear->source_roles,
               ear->source_role_count < 8 ? ear->source_role_count : 8);
    key_octets(w, "request_types", ear->request_types,
               ear->request_type_count < 8 ? ear->request_type_count : 8);
    key_bool(w, "in_dialog", ear->in_dialog);
    key_bool(w, "sign_on_behalf", ear->sign_on_behalf);
    end_map(w);
    scalar(w, "topology");
    begin_map(w, false);
    key_bool(w, "enabled", partner->topology.enabled);
    key_list(w, "strip_headers", &partner->topology.strip_headers);
    key_list(w, "hide_elements", &partner->topology.hide_elements);
    key_list(w, "rewrite_headers", &partner->topology.rewrite_headers);
    key_bool(w, "tokenize_callid", partner->topology.tokenize_callid);
    end_map(w);
}

/* The partner's http section, only when it has one (it turns HTTP-3 on). */
static void dump_partner_http(writer_t *w, const mcsec_http_rules_t *http)
{
    if (!http->enabled)
        return;
    scalar(w, "http");
    begin_map(w, false);
    key_list(w, "methods", &http->methods);
    key_list(w, "path_prefixes", &http->path_prefixes);
    key_list(w, "content_types", &http->content_types);
    key_number(w, "max_body", http->max_body);
    key_number(w, "max_header_bytes", http->max_header_bytes);
    key_number(w, "connection_limit", http->connection_limit);
    key_number(w, "timeout", http->timeout);
    if (http->peer_name)
        key_string(w, "peer_name", http->peer_name);
    scalar(w, "upstream");
    begin_seq(w, false);
    for (size_t i = 0; i < http->upstream_count; i++) {
        begin_map(w, true);
        key_string(w, "prefix", http->upstreams[i].prefix);
        key_string(w, "url", http->upstreams[i].url);
        end_map(w);
    }
    end_seq(w);
    end_map(w);
}

static void dump_partner(writer_t *w, const mcsec_partner_t *partner)
{
    begin_map(w, false);
    key_string(w, "name", partner->name ? partner->name : "");
    key_string(w, "identity", partner->identity ? partner->identity : "");
    key_list(w, "domains", &partner->domains);
    scalar(w, "addresses");
    begin_map(w, false);
    scalar(w, "is_proxy");
    begin_seq(w, true);
    for (size_t i = 0; i < partner->is_proxy_count; i++) {
        char text[64];
        mcsec_addr_format(&partner->is_proxy[i], text, sizeof(text));
        string_value(w, text);
    }
    end_seq(w);
    if (partner->has_http_proxy)
        key_addr(w, "http_proxy", &partner->http_proxy);
    if (partner->has_gateway)
        key_addr(w, "gateway", &partner->gateway);
    end_map(w);
    key_string(w, "auth", partner->auth == MCSEC_AUTH_EXPLICIT ? "explicit" : "implicit");
    scalar(w, "sip");
    begin_map(w, false);
    key_list(w, "methods", &partner->sip.methods);
    key_list(w, "content_types", &partner->sip.content_types);
    key_number(w, "max_body", partner->sip.max_body);
    key_bool(w, "warning_reason", partner->sip.warning_reason);
    end_map(w);
    dump_partner_features(w, partner);
    dump_partner_http(w, &partner->http);
    partner_keys(w, &partner->keys);
    if (!w->failed && !mcsec_pol_dump_partner_gmk(&w->emitter, partner))
        w->failed = true;
    if (!w->failed && !mcsec_pol_dump_partner_migration(&w->emitter, partner))
        w->failed = true;
    if (partner->media.set) {
        scalar(w, "media");
        begin_map(w, false);
        key_addr_list(w, "relay_addresses", partner->media.relay_addresses,
                      partner->media.relay_address_count);
        key_number(w, "port_min", partner->media.port_min);
        key_number(w, "port_max", partner->media.port_max);
        key_list(w, "allow", &partner->media.allow);
        key_bool(w, "allow_insecure", partner->media.allow_insecure);
        key_number(w, "max_streams", partner->media.max_streams);
        end_map(w);
    }
    if (partner->limits.set) {
        const mcsec_limits_rules_t *l = &partner->limits;
        scalar(w, "limits");
        begin_map(w, false);
        if (l->rate) {
            key_number(w, "rate", l->rate);
            key_number(w, "burst", l->burst);
        }
        if (l->invites)
            key_number(w, "invites", l->invites);
        scalar(w, "priority");
        begin_map(w, false);
        key_bool(w, "trusted", l->priority_trusted);
        key_number(w, "reserved_percent", l->reserved_percent);
        if (l->rate)
            key_number(w, "ceiling", l->ceiling);
        end_map(w);
        end_map(w);
    }
    if (partner->replay_quota)
        key_number(w, "replay_quota", partner->replay_quota);
    end_map(w);
}

static void dump_document(writer_t *w, const mcsec_policy_t *policy)
{
    yaml_event_t ev;
    emit(w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
    emit(w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
    begin_map(w, false);
    key_number(w, "version", policy->version);
    dump_system(w, &policy->system);
    dump_logging(w, &policy->logging);
    scalar(w, "partners");
    begin_seq(w, false);
    for (size_t i = 0; i < policy->partner_count; i++)
        dump_partner(w, &policy->partners[i]);
    end_seq(w);
    end_map(w);
    emit(w, &ev, yaml_document_end_event_initialize(&ev, 1));
    emit(w, &ev, yaml_stream_end_event_initialize(&ev));
}

mcsec_err_t mcsec_policy_dump(const mcsec_policy_t *policy, char **out)
{
    if (!policy || !out)
        return MCSEC_ERR_ARG;
    *out = NULL;
    out_buf_t buf = {NULL, 0, 0, false};
    writer_t w = {.failed = false};
    if (!yaml_emitter_initialize(&w.emitter))
        return MCSEC_ERR_NOMEM;
    yaml_emitter_set_output(&w.emitter, write_handler, &buf);
    yaml_emitter_set_unicode(&w.emitter, 1);
    yaml_emitter_set_width(&w.emitter, 100);
    dump_document(&w, policy);
    if (!w.failed && !yaml_emitter_flush(&w.emitter))
        w.failed = true;
    yaml_emitter_delete(&w.emitter);
    if (w.failed || !buf.text) {
        free(buf.text);
        return MCSEC_ERR_NOMEM;
    }
    *out = buf.text;
    return MCSEC_OK;
}
