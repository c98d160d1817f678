/* The topology-hiding context: keys, one AES-SIV instance per key, config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "topo_internal.h"

static const char *const kind_names[MCSEC_TOPO_KIND_COUNT] = {
    "via", "rr", "path", "contact", "callid", "element", "dialog"};

const char *mcsec_topo_kind_name(mcsec_topo_kind_t kind)
{
    return (unsigned)kind < MCSEC_TOPO_KIND_COUNT ? kind_names[kind] : "unknown";
}

const char *mcsec_topo_fault_str(mcsec_topo_fault_t fault)
{
    switch (fault) {
    case MCSEC_TOPO_FAULT_NONE:
        return "no fault";
    case MCSEC_TOPO_FAULT_MALFORMED:
        return "malformed token";
    case MCSEC_TOPO_FAULT_UNKNOWN_KEY:
        return "unknown key ID";
    case MCSEC_TOPO_FAULT_KEY_RETIRED:
        return "key retired too long ago";
    case MCSEC_TOPO_FAULT_AUTH:
        return "authentication failed";
    case MCSEC_TOPO_FAULT_EXPIRED:
        return "token expired";
    }
    return "unknown fault";
}

int64_t topo_now(const mcsec_topo_t *topo)
{
    if (topo->config.clock)
        return topo->config.clock(topo->config.clock_arg);
    return (int64_t)time(NULL);
}

/* A border host goes verbatim into URIs, Via sent-by and Call-IDs: allow
 * host name, IPv4, [IPv6] and :port characters only. */
static bool host_ok(mcsec_str_t host)
{
    if (!host.ptr || host.len == 0 || host.len > 255)
        return false;
    for (size_t i = 0; i < host.len; i++) {
        char c = host.ptr[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == ':' || c == '[' || c == ']';
        if (!ok)
            return false;
    }
    return true;
}

void mcsec_topo_destroy(mcsec_topo_t *topo)
{
    if (!topo)
        return;
    for (size_t i = 0; i < MCSEC_TOPO_KEYS_MAX; i++)
        mcsec_siv_destroy(topo->siv[i]);
    mcsec_topo_keys_destroy(topo->keys);
    free(topo->host);
    free(topo);
}

mcsec_err_t mcsec_topo_create_with_keys(mcsec_topo_keys_t *keys, const mcsec_topo_config_t *config,
                                        mcsec_topo_t **out, char *why, size_t why_size)
{
    if (!out || !keys || !config || !host_ok(config->border_host)) {
        if (why && why_size)
            snprintf(why, why_size, "topology hiding: border host missing or not a host");
        mcsec_topo_keys_destroy(keys);
        if (out)
            *out = NULL;
        return MCSEC_ERR_ARG;
    }
    *out = NULL;
    mcsec_topo_t *topo = calloc(1, sizeof(*topo));
    if (!topo) {
        mcsec_topo_keys_destroy(keys);
        return MCSEC_ERR_NOMEM;
    }
    topo->keys = keys;
    topo->config = *config;
    topo->host = malloc(config->border_host.len + 1);
    if (!topo->host) {
        mcsec_topo_destroy(topo);
        return MCSEC_ERR_NOMEM;
    }
    memcpy(topo->host, config->border_host.ptr, config->border_host.len);
    topo->host[config->border_host.len] = '\0';
    topo->config.border_host = (mcsec_str_t){topo->host, config->border_host.len};
    for (size_t i = 0; i < mcsec_topo_keys_count(keys); i++) {
        mcsec_err_t rc = mcsec_siv_create(mcsec_topo_keys_at(keys, i)->key, &topo->siv[i]);
        if (rc != MCSEC_OK) {
            if (why && why_size)
                snprintf(why, why_size, "topology hiding: AES-128-SIV unavailable (%s)",
                         mcsec_err_str(rc));
            mcsec_topo_destroy(topo);
            return rc;
        }
    }
    *out = topo;
    return MCSEC_OK;
}

mcsec_err_t mcsec_topo_create(const char *key_path, const mcsec_topo_config_t *config,
                              mcsec_topo_t **out, char *why, size_t why_size)
{
    if (!out)
        return MCSEC_ERR_ARG;
    *out = NULL;
    mcsec_topo_keys_t *keys = NULL;
    mcsec_err_t rc = mcsec_topo_keys_load(key_path, &keys, why, why_size);
    if (rc != MCSEC_OK)
        return rc;
    return mcsec_topo_create_with_keys(keys, config, out, why, why_size);
}

mcsec_err_t topo_bad(mcsec_topo_error_t *err, mcsec_topo_fault_t fault)
{
    if (err) {
        err->reason = MCSEC_REASON_TOPO_BAD_TOKEN;
        err->fault = fault;
    }
    return MCSEC_ERR_INVALID;
}

void topo_put(char *out, size_t out_size, size_t *pos, const char *p, size_t n)
{
    if (out && *pos <= out_size && n <= out_size - *pos)
        memcpy(out + *pos, p, n);
    *pos += n;
}

bool topo_ieq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}
