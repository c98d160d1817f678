/* mcsecctl spk protect|unprotect|derive: shared-SPK protection of one
 * mcptt-info document (or, with --mime, of a whole SIP body; --signed-types
 * names the further XML part types the signature covers, as a partner's
 * spk.signed_types does: docs/spk.md, docs/protectable-types.md). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mcsec/spk/kdf.h"
#include "mcsec/spk/keystore.h"
#include "mcsec/spk/xmlprot.h"
#include "mcsecctl.h"

typedef struct {
    const char *key_file;
    const char *identity;
    const char *elements;     /* comma separated, NULL = default list */
    const char *signed_types; /* comma separated content types, NULL = none */
    const char *fc;
    const char *spk_id;
    bool mime;
    bool optional;
} spk_args_t;

static int parse_args(int argc, char **argv, spk_args_t *args, const char *usage)
{
    memset(args, 0, sizeof(*args));
    for (int i = 1; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--key-file") == 0       ? &args->key_file
                            : strcmp(argv[i], "--identity") == 0     ? &args->identity
                            : strcmp(argv[i], "--elements") == 0     ? &args->elements
                            : strcmp(argv[i], "--signed-types") == 0 ? &args->signed_types
                            : strcmp(argv[i], "--fc") == 0           ? &args->fc
                            : strcmp(argv[i], "--spk-id") == 0       ? &args->spk_id
                                                                     : NULL;
        if (slot && i + 1 < argc) {
            *slot = argv[++i];
        } else if (strcmp(argv[i], "--mime") == 0) {
            args->mime = true;
        } else if (strcmp(argv[i], "--optional") == 0) {
            args->optional = true;
        } else {
            fprintf(stderr, "usage: mcsecctl spk %s %s\n", argv[0], usage);
            return MCSECCTL_USAGE;
        }
    }
    if (!args->key_file || !args->identity) {
        fprintf(stderr, "usage: mcsecctl spk %s %s\n", argv[0], usage);
        return MCSECCTL_USAGE;
    }
    return MCSECCTL_OK;
}

/* Whether type is an XML content type as spk.signed_types accepts it
 * (docs/policy-reference.md): type/subtype without parameters or
 * wildcards, application/xml, text/xml or a +xml type; lower-cased here as
 * the policy loader does. */
static bool signed_type_ok(char *type)
{
    for (char *c = type; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    const char *slash = strchr(type, '/');
    size_t n = strlen(type);
    if (!slash || slash == type || !slash[1] || strchr(slash + 1, '/') ||
        strpbrk(type, " \t;*=\"") != NULL)
        return false;
    return (n > 4 && strcmp(type + n - 4, "+xml") == 0) || strcmp(type, "application/xml") == 0 ||
           strcmp(type, "text/xml") == 0;
}

/* Splits the comma-separated list text (modified in place) into list
 * (capacity max); false on an empty item or more than max items. */
static bool split_list(char *text, char **list, size_t max, size_t *count)
{
    *count = 0;
    for (char *p = text;; p++) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!*p || *count == max)
            return false;
        list[(*count)++] = p;
        if (!comma)
            return true;
        p = comma;
    }
}

static mcsec_keystore_t *load_keys(const char *path)
{
    char why[512] = "";
    mcsec_keystore_t *keys = NULL;
    mcsec_err_t rc = mcsec_keystore_load_spk(path, &keys, why, sizeof(why));
    if (rc != MCSEC_OK)
        fprintf(stderr, "%s\n", why[0] ? why : mcsec_err_str(rc));
    return keys;
}

/* Reads all of stdin, at most MCSEC_XMLPROT_MAX_BODY + 4096 octets. */
static uint8_t *read_stdin(size_t *len)
{
    size_t cap = MCSEC_XMLPROT_MAX_BODY + 4096;
    uint8_t *data = malloc(cap + 1);
    if (!data)
        return NULL;
    *len = fread(data, 1, cap + 1, stdin);
    if (ferror(stdin) || *len > cap) {
        fprintf(stderr, "mcsecctl: input unreadable or larger than %zu octets\n", cap);
        free(data);
        return NULL;
    }
    data[*len] = '\0';
    return data;
}

/* Splits a MIME entity ("Content-Type: ..." lines, blank line, body) read
 * from stdin; CRLF or LF line ends. */
static bool split_entity(uint8_t *in, size_t len, char **content_type, uint8_t **body,
                         size_t *body_len)
{
    char *p = (char *)in, *end = (char *)in + len;
    *content_type = NULL;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return false;
        char *line_end = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
        if (line_end == p) {
            *body = (uint8_t *)nl + 1;
            *body_len = (size_t)(end - (nl + 1));
            return *content_type != NULL;
        }
        *line_end = '\0';
        if (strncasecmp(p, "Content-Type:", 13) == 0)
            *content_type = p + 13 + strspn(p + 13, " \t");
        p = nl + 1;
    }
    return false;
}

static void report(const mcsec_xmlprot_result_t *result, mcsec_err_t rc)
{
    if (result->reason != MCSEC_REASON_NONE)
        fprintf(stderr, "%s: %s\n", mcsec_reason_code(result->reason), result->detail);
    else
        fprintf(stderr, "mcsecctl: %s\n", mcsec_err_str(rc));
}

static int run(int argc, char **argv, bool protect)
{
    spk_args_t args;
    int status = parse_args(argc, argv, &args,
                            protect ? "--key-file F --identity URI [--elements LIST] "
                                      "[--signed-types LIST] [--mime]"
                                    : "--key-file F --identity URI [--signed-types LIST] "
                                      "[--mime] [--optional]");
    if (status != MCSECCTL_OK)
        return status;
    char *types[MCSEC_XMLPROT_MAX_PARTS];
    size_t type_count = 0;
    char *signed_types = args.signed_types ? strdup(args.signed_types) : NULL;
    if (args.signed_types) {
        bool ok =
            signed_types && split_list(signed_types, types, MCSEC_XMLPROT_MAX_PARTS, &type_count);
        for (size_t i = 0; ok && i < type_count; i++)
            ok = signed_type_ok(types[i]);
        if (!ok) {
            fprintf(stderr,
                    "mcsecctl: --signed-types takes at most %d XML content types "
                    "(application/xml, text/xml or type/subtype+xml), comma separated\n",
                    MCSEC_XMLPROT_MAX_PARTS);
            free(signed_types);
            return MCSECCTL_USAGE;
        }
    }
    mcsec_keystore_t *keys = load_keys(args.key_file);
    if (!keys) {
        free(signed_types);
        return MCSECCTL_FAIL;
    }
    const char *list[64];
    char *elements = args.elements ? strdup(args.elements) : NULL;
    mcsec_xmlprot_conf_t conf = {.keys = keys,
                                 .identity = args.identity,
                                 .signed_types = type_count ? (const char *const *)types : NULL,
                                 .signed_type_count = type_count};
    if (elements) {
        size_t n = 0;
        for (char *save = NULL, *tok = strtok_r(elements, ",", &save); tok && n < 64;
             tok = strtok_r(NULL, ",", &save))
            list[n++] = tok;
        conf.elements = list;
        conf.element_count = n;
    }
    mcsec_xmlprot_t *prot = NULL;
    mcsec_err_t rc = mcsec_xmlprot_create(&conf, &prot);
    mcsec_keystore_destroy(keys);
    size_t len = 0;
    uint8_t *in = rc == MCSEC_OK ? read_stdin(&len) : NULL;
    mcsec_body_t out = {0};
    mcsec_xmlprot_result_t result = {MCSEC_REASON_NONE, "", 0, false};
    status = MCSECCTL_FAIL;
    if (rc != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s\n", mcsec_err_str(rc));
    } else if (in && args.mime) {
        char *ct;
        uint8_t *body;
        size_t body_len;
        if (!split_entity(in, len, &ct, &body, &body_len)) {
            fprintf(stderr, "mcsecctl: --mime input needs 'Content-Type:' and a blank line\n");
        } else {
            rc = protect ? mcsec_xmlprot_protect_body(prot, ct, body, body_len, &out, &result)
                         : mcsec_xmlprot_unprotect_body(prot, ct, body, body_len, !args.optional,
                                                        &out, &result);
            if (rc == MCSEC_OK)
                printf("Content-Type: %s\r\n\r\n", out.content_type);
        }
    } else if (in) {
        rc = protect ? mcsec_xmlprot_protect_doc(prot, in, len, &out, &result)
                     : mcsec_xmlprot_unprotect_doc(prot, in, len, !args.optional, &out, &result);
    }
    if (in && rc != MCSEC_OK)
        report(&result, rc);
    else if (out.data && fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0)
        status = MCSECCTL_OK;
    mcsec_body_free(&out);
    free(in);
    free(elements);
    free(signed_types);
    mcsec_xmlprot_destroy(prot);
    return status;
}

static int spk_protect(int argc, char **argv)
{
    return run(argc, argv, true);
}

static int spk_unprotect(int argc, char **argv)
{
    return run(argc, argv, false);
}

/* Prints a derived XML protection key: for operators checking that both
 * sides derive the same keys. */
static int spk_derive(int argc, char **argv)
{
    spk_args_t args;
    int status =
        parse_args(argc, argv, &args, "--key-file F --identity URI --fc 0x51|0x52 [--spk-id HEX]");
    if (status != MCSECCTL_OK)
        return status;
    unsigned long fc = args.fc ? strtoul(args.fc, NULL, 0) : 0;
    if (fc != MCSEC_KDF_FC_XPK_CONF && fc != MCSEC_KDF_FC_XPK_INTEG) {
        fprintf(stderr, "mcsecctl: --fc must be 0x51 or 0x52\n");
        return MCSECCTL_USAGE;
    }
    mcsec_keystore_t *keys = load_keys(args.key_file);
    if (!keys)
        return MCSECCTL_FAIL;
    uint32_t spk_id = 0;
    const uint8_t *spk = NULL;
    if (args.spk_id) {
        spk_id = (uint32_t)strtoul(args.spk_id, NULL, 16);
        spk = mcsec_keystore_find(keys, spk_id);
    } else {
        mcsec_keystore_current(keys, &spk_id, &spk);
    }
    uint8_t key[MCSEC_XPK_KEY_LEN];
    if (!spk || mcsec_kdf_xpk(spk, MCSEC_SPK_LEN, (uint8_t)fc, spk_id, args.identity,
                              strlen(args.identity), key) != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: no such key or derivation failed\n");
        mcsec_keystore_destroy(keys);
        return MCSECCTL_FAIL;
    }
    for (size_t i = 0; i < sizeof(key); i++)
        printf("%02x", key[i]);
    printf("\n");
    OPENSSL_cleanse(key, sizeof(key));
    mcsec_keystore_destroy(keys);
    return MCSECCTL_OK;
}

static const mcsecctl_cmd_t spk_cmds[] = {
    {"protect",
     "--key-file F --identity URI [--elements LIST] [--signed-types LIST] [--mime] < in > out",
     "encrypt the listed mcptt-info elements (with --mime: protect a whole "
     "body: encrypt, sign the info parts and the parts of a --signed-types "
     "type (comma separated, as the policy's spk.signed_types), "
     "multipart/mixed)",
     spk_protect},
    {"unprotect",
     "--key-file F --identity URI [--signed-types LIST] [--mime] [--optional] < in > out",
     "verify and decrypt; the signature must cover the info parts and the "
     "parts of a --signed-types type; exit 1 with the reason code (spk.*) on "
     "stderr on failure",
     spk_unprotect},
    {"derive", "--key-file F --identity URI --fc 0x51|0x52 [--spk-id HEX]",
     "print a derived XML protection key in hex (interoperability checks)", spk_derive},
};

const mcsecctl_group_t mcsecctl_spk_group = {"spk", spk_cmds,
                                             (unsigned)(sizeof(spk_cmds) / sizeof(spk_cmds[0]))};
