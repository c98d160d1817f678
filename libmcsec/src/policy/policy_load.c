/* Policy loader entry points: read the file, parse it with libyaml's
 * document API, walk the top level and run the cross-entry checks. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A policy is a small hand-written file; refuse anything absurd. */
#define POLICY_MAX_BYTES (4u * 1024u * 1024u)

void mcsec_pol_load_logging(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_logging_t *logging)
{
    static const char *const levels[] = {"error", "warning", "notice", "info", "debug"};
    static const mcsec_pol_key_t keys[] = {
        {"level", false}, {"log_passed", false}, {"format", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "logging", keys, COUNT(keys), v))
        return;
    const char *level = v[0] ? mcsec_pol_scalar(ctx, v[0], "logging.level") : NULL;
    if (level) {
        size_t i = 0;
        while (i < COUNT(levels) && strcmp(levels[i], level) != 0)
            i++;
        if (i < COUNT(levels))
            logging->level = (mcsec_log_level_t)i;
        else
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                              "invalid value '%s' for 'logging.level': expected error, warning, "
                              "notice, info or debug",
                              level);
    }
    if (v[1])
        mcsec_pol_boolean(ctx, v[1], "logging.log_passed", &logging->log_passed);
    const char *format = v[2] ? mcsec_pol_scalar(ctx, v[2], "logging.format") : NULL;
    if (format && strcmp(format, "logfmt") == 0)
        logging->format = MCSEC_LOG_FORMAT_LOGFMT;
    else if (format && strcmp(format, "json") == 0)
        logging->format = MCSEC_LOG_FORMAT_JSON;
    else if (format)
        mcsec_pol_problem(ctx, v[2], MCSEC_ERR_INVALID,
                          "invalid value '%s' for 'logging.format': expected logfmt or json",
                          format);
}

/* Walks the root mapping into policy. */
static void load_root(mcsec_pol_ctx_t *ctx, yaml_node_t *root, mcsec_policy_t *policy)
{
    static const mcsec_pol_key_t keys[] = {
        {"version", true}, {"system", true}, {"logging", false}, {"partners", true}};
    yaml_node_t *v[COUNT(keys)];
    mcsec_pol_domain_refs_t refs = {NULL, 0};
    policy->logging.level = MCSEC_LOG_NOTICE;
    policy->system.sip_transport = MCSEC_TRANSPORT_UDP;
    if (!mcsec_pol_map(ctx, root, "policy", keys, COUNT(keys), v))
        return;
    long long version;
    if (v[0] && mcsec_pol_integer(ctx, v[0], "version", 0, 1000000, &version)) {
        if (version != 1)
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                              "unsupported policy version %lld (this mcsec reads version 1)",
                              version);
        policy->version = (unsigned)version;
    }
    if (v[1])
        mcsec_pol_load_system(ctx, v[1], &policy->system, &refs);
    if (v[2])
        mcsec_pol_load_logging(ctx, v[2], &policy->logging);
    if (v[3])
        mcsec_pol_load_partners(ctx, v[3], policy, &refs);
    mcsec_pol_check_overlaps(ctx, policy, &refs);
    free(refs.items);
}

/* Reports libyaml's parse error at its problem mark. */
static void syntax_error(mcsec_pol_ctx_t *ctx, const yaml_parser_t *parser)
{
    const char *problem = parser->problem ? parser->problem : "unknown problem";
    unsigned line = (unsigned)parser->problem_mark.line + 1;
    unsigned col = (unsigned)parser->problem_mark.column + 1;
    mcsec_err_t rc;
    if (parser->error == YAML_MEMORY_ERROR)
        rc = mcsec_diag_addf(ctx->diags, ctx->file, 0, 0, "out of memory while parsing");
    else if (parser->context)
        rc = mcsec_diag_addf(ctx->diags, ctx->file, line, col,
                             "YAML syntax error: %s (%s at line %u, column %u)", problem,
                             parser->context, (unsigned)parser->context_mark.line + 1,
                             (unsigned)parser->context_mark.column + 1);
    else
        rc = mcsec_diag_addf(ctx->diags, ctx->file, line, col, "YAML syntax error: %s", problem);
    if (ctx->status == MCSEC_OK)
        ctx->status = rc != MCSEC_OK || parser->error == YAML_MEMORY_ERROR ? MCSEC_ERR_NOMEM
                                                                           : MCSEC_ERR_PARSE;
}

/* True when the parser holds a second document after the first (reported
 * as a problem: a policy is one document). */
static bool has_second_document(mcsec_pol_ctx_t *ctx, yaml_parser_t *parser)
{
    yaml_document_t next;
    if (!yaml_parser_load(parser, &next)) {
        syntax_error(ctx, parser);
        return true;
    }
    yaml_node_t *root = yaml_document_get_root_node(&next);
    if (root)
        mcsec_pol_problem(ctx, root, MCSEC_ERR_INVALID,
                          "a policy file holds one YAML document; found a second one");
    yaml_document_delete(&next);
    return root != NULL;
}

/* Orders the diagnostics from index first on by position (stable), so an
 * operator reads them top to bottom whatever order the checks ran in. */
static void sort_diags(mcsec_diag_list_t *diags, size_t first)
{
    for (size_t i = first + 1; i < diags->count; i++) {
        mcsec_diag_t moving = diags->items[i];
        size_t j = i;
        while (j > first && (diags->items[j - 1].line > moving.line ||
                             (diags->items[j - 1].line == moving.line &&
                              diags->items[j - 1].col > moving.col))) {
            diags->items[j] = diags->items[j - 1];
            j--;
        }
        diags->items[j] = moving;
    }
}

mcsec_err_t mcsec_policy_load_buffer(const char *yaml, size_t len, const char *name,
                                     const char *base_dir, mcsec_policy_t **out,
                                     mcsec_diag_list_t *diags)
{
    if (!out || !diags || (!yaml && len > 0))
        return MCSEC_ERR_ARG;
    *out = NULL;
    mcsec_pol_ctx_t ctx = {name ? name : "<memory>", base_dir, NULL, diags, MCSEC_OK};
    size_t first_diag = diags->count;
    if (len > POLICY_MAX_BYTES) {
        mcsec_pol_problem(&ctx, NULL, MCSEC_ERR_INVALID, "policy larger than %u bytes",
                          POLICY_MAX_BYTES);
        return ctx.status;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        mcsec_pol_problem(&ctx, NULL, MCSEC_ERR_NOMEM, "out of memory");
        return ctx.status;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)(yaml ? yaml : ""), len);
    if (!yaml_parser_load(&parser, &doc)) {
        syntax_error(&ctx, &parser);
        yaml_parser_delete(&parser);
        return ctx.status;
    }
    ctx.doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    mcsec_policy_t *policy = calloc(1, sizeof(*policy));
    if (!root) {
        mcsec_pol_problem(&ctx, NULL, MCSEC_ERR_INVALID, "the policy is empty");
    } else if (!policy || !(policy->source_path = strdup(ctx.file))) {
        mcsec_pol_problem(&ctx, root, MCSEC_ERR_NOMEM, "out of memory");
    } else if (!has_second_document(&ctx, &parser)) {
        load_root(&ctx, root, policy);
        if (ctx.status == MCSEC_OK && mcsec_pol_fill_empty_paths(policy) != MCSEC_OK)
            mcsec_pol_problem(&ctx, NULL, MCSEC_ERR_NOMEM, "out of memory");
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    sort_diags(diags, first_diag);
    if (ctx.status != MCSEC_OK) {
        mcsec_policy_free(policy);
        return ctx.status;
    }
    *out = policy;
    return MCSEC_OK;
}

/* Reads a whole file into a malloc'd buffer; reports problems itself. */
static char *read_file(mcsec_pol_ctx_t *ctx, const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        mcsec_pol_problem(ctx, NULL, MCSEC_ERR_IO, "cannot open policy file: %s",
                          errno == ENOENT ? "not found" : "not readable");
        return NULL;
    }
    size_t cap = 8192, used = 0;
    char *buf = malloc(cap);
    while (buf) {
        used += fread(buf + used, 1, cap - used, fp);
        if (used < cap || cap > POLICY_MAX_BYTES)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    bool failed = buf && ferror(fp);
    fclose(fp);
    if (!buf) {
        mcsec_pol_problem(ctx, NULL, MCSEC_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (failed) {
        free(buf);
        mcsec_pol_problem(ctx, NULL, MCSEC_ERR_IO, "cannot read policy file");
        return NULL;
    }
    *len = used;
    return buf;
}

mcsec_err_t mcsec_policy_load_file(const char *path, mcsec_policy_t **out, mcsec_diag_list_t *diags)
{
    if (!path || !out || !diags)
        return MCSEC_ERR_ARG;
    *out = NULL;
    mcsec_pol_ctx_t ctx = {path, NULL, NULL, diags, MCSEC_OK};
    size_t len = 0;
    char *text = read_file(&ctx, path, &len);
    if (!text)
        return ctx.status;
    /* Key paths resolve against the file's absolute directory: what
     * `policy show` prints is what every reader opens. */
    char base_dir[PATH_MAX];
    mcsec_err_t dir_rc = mcsec_policy_base_dir(path, base_dir, sizeof(base_dir));
    if (dir_rc != MCSEC_OK) {
        free(text);
        mcsec_pol_problem(&ctx, NULL, dir_rc, "cannot resolve the policy file's directory");
        return ctx.status;
    }
    mcsec_err_t rc = mcsec_policy_load_buffer(text, len, path, base_dir, out, diags);
    free(text);
    return rc;
}
