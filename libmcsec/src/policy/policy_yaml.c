/* Typed access to libyaml document nodes, reporting every mismatch with
 * the node's position. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

unsigned mcsec_pol_line(const yaml_node_t *node)
{
    return (unsigned)node->start_mark.line + 1;
}

unsigned mcsec_pol_col(const yaml_node_t *node)
{
    return (unsigned)node->start_mark.column + 1;
}

void mcsec_pol_problem(mcsec_pol_ctx_t *ctx, const yaml_node_t *node, mcsec_err_t status,
                       const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    unsigned line = node ? mcsec_pol_line(node) : 0;
    unsigned col = node ? mcsec_pol_col(node) : 0;
    mcsec_err_t rc = mcsec_diag_addf(ctx->diags, ctx->file, line, col, "%s", message);
    if (ctx->status == MCSEC_OK)
        ctx->status = rc == MCSEC_OK ? status : rc;
}

/* Word for a node type in "expected X (found Y)" messages. */
static const char *type_word(const yaml_node_t *node)
{
    switch (node->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_SCALAR_NODE:
        return "a scalar";
    default:
        return "nothing";
    }
}

/* True for an empty plain scalar or one of YAML's null spellings. */
static bool scalar_is_null(const yaml_node_t *node)
{
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *text = (const char *)node->data.scalar.value;
    return node->data.scalar.length == 0 || strcmp(text, "~") == 0 || strcmp(text, "null") == 0 ||
           strcmp(text, "Null") == 0 || strcmp(text, "NULL") == 0;
}

yaml_node_t *mcsec_pol_node(mcsec_pol_ctx_t *ctx, yaml_node_item_t item)
{
    return yaml_document_get_node(ctx->doc, item);
}

/* Suggests the allowed key closest to an unknown one, or NULL. */
static const char *closest_key(const char *key, const mcsec_pol_key_t *keys, size_t key_count)
{
    const char *best = NULL;
    size_t best_distance = 3;
    for (size_t i = 0; i < key_count; i++) {
        size_t d = mcsec_pol_edit_distance(key, keys[i].key, 2);
        if (d < best_distance) {
            best_distance = d;
            best = keys[i].key;
        }
    }
    return best;
}

bool mcsec_pol_map(mcsec_pol_ctx_t *ctx, yaml_node_t *map, const char *what,
                   const mcsec_pol_key_t *keys, size_t key_count, yaml_node_t **values)
{
    for (size_t i = 0; i < key_count; i++)
        values[i] = NULL;
    if (map->type != YAML_MAPPING_NODE) {
        mcsec_pol_problem(ctx, map, MCSEC_ERR_INVALID, "expected a mapping for '%s' (found %s)",
                          what, type_word(map));
        return false;
    }
    yaml_node_t *key_nodes[32] = {0};
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(ctx->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(ctx->doc, pair->value);
        if (!key || !value)
            continue;
        if (key->type != YAML_SCALAR_NODE) {
            mcsec_pol_problem(ctx, key, MCSEC_ERR_INVALID, "keys in '%s' must be scalars", what);
            continue;
        }
        const char *name = (const char *)key->data.scalar.value;
        size_t i = 0;
        while (i < key_count && strcmp(keys[i].key, name) != 0)
            i++;
        if (i == key_count) {
            const char *hint = closest_key(name, keys, key_count);
            if (hint)
                mcsec_pol_problem(ctx, key, MCSEC_ERR_INVALID,
                                  "unknown key '%s' in '%s' (did you mean '%s'?)", name, what,
                                  hint);
            else
                mcsec_pol_problem(ctx, key, MCSEC_ERR_INVALID, "unknown key '%s' in '%s'", name,
                                  what);
            continue;
        }
        if (i < 32 && key_nodes[i]) {
            mcsec_pol_problem(ctx, key, MCSEC_ERR_INVALID,
                              "duplicate key '%s' in '%s' (first at line %u)", name, what,
                              mcsec_pol_line(key_nodes[i]));
            continue;
        }
        if (i < 32)
            key_nodes[i] = key;
        values[i] = value;
    }
    for (size_t i = 0; i < key_count; i++)
        if (keys[i].required && !values[i])
            mcsec_pol_problem(ctx, map, MCSEC_ERR_INVALID, "missing required key '%s' in '%s'",
                              keys[i].key, what);
    return true;
}

const char *mcsec_pol_scalar(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what)
{
    if (node->type != YAML_SCALAR_NODE) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "expected a scalar for '%s' (found %s)",
                          what, type_word(node));
        return NULL;
    }
    if (scalar_is_null(node) || node->data.scalar.length == 0) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "missing value for '%s'", what);
        return NULL;
    }
    if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "NUL character in '%s'", what);
        return NULL;
    }
    return (const char *)node->data.scalar.value;
}

bool mcsec_pol_string(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, char **out)
{
    const char *text = mcsec_pol_scalar(ctx, node, what);
    if (!text)
        return false;
    char *copy = strdup(text);
    if (!copy) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return false;
    }
    free(*out);
    *out = copy;
    return true;
}

bool mcsec_pol_integer(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, long long min,
                       long long max, long long *out)
{
    const char *text = mcsec_pol_scalar(ctx, node, what);
    if (!text)
        return false;
    const char *digits = text[0] == '-' || text[0] == '+' ? text + 1 : text;
    bool ok = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && *digits &&
              strspn(digits, "0123456789") == strlen(digits) && strlen(digits) <= 18;
    if (!ok) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "expected an integer for '%s' (found '%s')",
                          what, text);
        return false;
    }
    long long value = strtoll(text, NULL, 10);
    if (value < min || value > max) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'%s' must be from %lld to %lld (found %lld)", what, min, max, value);
        return false;
    }
    *out = value;
    return true;
}

bool mcsec_pol_boolean(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, bool *out)
{
    const char *text = mcsec_pol_scalar(ctx, node, what);
    if (!text)
        return false;
    if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0 || strcmp(text, "TRUE") == 0) {
            *out = true;
            return true;
        }
        if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0 ||
            strcmp(text, "FALSE") == 0) {
            *out = false;
            return true;
        }
    }
    mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                      "expected a boolean (true or false) for '%s' (found '%s')", what, text);
    return false;
}

bool mcsec_pol_sequence(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what,
                        yaml_node_item_t **items, size_t *count)
{
    if (node->type != YAML_SEQUENCE_NODE) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "expected a list for '%s' (found %s)", what,
                          type_word(node));
        return false;
    }
    *items = node->data.sequence.items.start;
    *count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    return true;
}
