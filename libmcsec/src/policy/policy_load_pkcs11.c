/* system.keys.key as a PKCS#11 URI (RFC 7512): taken as is, never a PIN
 * in it (the policy file is world-readable); the PIN comes from the 0600
 * file system.keys.key_pin_file (docs/policy-reference.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_internal.h"

bool mcsec_key_is_pkcs11(const char *key)
{
    return key && strncasecmp(key, "pkcs11:", 7) == 0;
}

/* True when the URI has the attribute name (path or query, RFC 7512
 * section 2.3: separated by ';', '?' or '&'). */
static bool has_attribute(const char *uri, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = uri + 7; *p;) {
        if (strncasecmp(p, name, len) == 0 && p[len] == '=')
            return true;
        p += strcspn(p, ";?&");
        if (*p)
            p++;
    }
    return false;
}

void mcsec_pol_load_keyref(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *what, char **out)
{
    const char *text = mcsec_pol_scalar(ctx, node, what);
    if (!text)
        return;
    if (!mcsec_key_is_pkcs11(text)) {
        mcsec_pol_load_keyfile(ctx, node, what, true, out);
        return;
    }
    if (has_attribute(text, "pin-value") || has_attribute(text, "pin-source")) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_PERM,
                          "'%s' carries a PIN (pin-value/pin-source): a PIN in the policy is a "
                          "secret in a world-readable file; put it in system.keys.key_pin_file",
                          what);
        return;
    }
    char *copy = strdup(text);
    if (!copy) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    free(*out);
    *out = copy;
}

/* See policy.h. */
mcsec_err_t mcsec_key_pin_read(const char *path, char *pin, size_t size, char *why, size_t why_size)
{
    if (!path || !pin || size < 2)
        return MCSEC_ERR_ARG;
    mcsec_err_t rc = mcsec_pol_keyfile_check(path, true, why, why_size);
    if (rc != MCSEC_OK)
        return rc;
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(why, why_size, "PIN file '%s' not readable", path);
        return MCSEC_ERR_IO;
    }
    size_t n = fread(pin, 1, size - 1, f);
    fclose(f);
    pin[n] = '\0';
    pin[strcspn(pin, "\r\n")] = '\0';
    if (!pin[0]) {
        snprintf(why, why_size, "PIN file '%s' is empty", path);
        return MCSEC_ERR_PARSE;
    }
    return MCSEC_OK;
}
