/* Our IKE key in a PKCS#11 token: maps system.keys.key, an RFC 7512 URI,
 * onto what strongSwan's pkcs11 plugin takes (swanctl.conf "secrets {
 * token-<name> { handle, slot, module, pin } }"): id= (CKA_ID) becomes the
 * handle in hex, slot-id= the slot. token=, object=, type=private and the
 * other token/slot/library attributes only describe the key: charon looks
 * for the CKA_ID in every slot of the module and uses the key whose public
 * key matches keys.cert. Anything it cannot map (no id=, a module or a PIN
 * in the URI, another object type, an unknown attribute, bad %-encoding)
 * is refused. docs/ipsec.md, "Key in a PKCS#11 token". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipsec_render_internal.h"

/* Attributes that identify the key without narrowing where charon looks. */
static const char *const described[] = {"token",
                                        "object",
                                        "manufacturer",
                                        "model",
                                        "serial",
                                        "library-description",
                                        "library-manufacturer",
                                        "library-version",
                                        "slot-description",
                                        "slot-manufacturer"};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* value[0..len) percent-decoded (RFC 7512 section 2.3) as lower-case hex
 * into out; false when the encoding is bad or out is too small. */
static bool id_to_hex(const char *value, size_t len, char *out, size_t out_size)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned byte = (unsigned char)value[i];
        if (value[i] == '%') {
            if (i + 2 >= len)
                return false;
            int hi = hex_digit(value[i + 1]), lo = hex_digit(value[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            byte = (unsigned)(hi * 16 + lo);
            i += 2;
        }
        if (n + 3 > out_size)
            return false;
        snprintf(out + n, out_size - n, "%02x", byte);
        n += 2;
    }
    return n > 0;
}

static bool parse_slot(const char *value, size_t len, long *slot)
{
    if (len == 0 || len > 9)
        return false;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (value[i] < '0' || value[i] > '9')
            return false;
        v = v * 10 + (value[i] - '0');
    }
    *slot = v;
    return true;
}

static bool is_described(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(described) / sizeof(described[0]); i++)
        if (strlen(described[i]) == len && strncasecmp(name, described[i], len) == 0)
            return true;
    return false;
}

bool ipsec_token_parse(const char *uri, ipsec_token_t *tok, char *why, size_t why_size)
{
    memset(tok, 0, sizeof(*tok));
    tok->slot = -1;
    if (strncasecmp(uri, "pkcs11:", 7) != 0) {
        snprintf(why, why_size, "not a pkcs11: URI");
        return false;
    }
    for (const char *p = uri + 7; *p;) {
        size_t len = strcspn(p, ";?&");
        const char *eq = memchr(p, '=', len);
        if (len > 0) {
            if (!eq) {
                snprintf(why, why_size, "attribute '%.*s' has no value", (int)len, p);
                return false;
            }
            size_t name_len = (size_t)(eq - p), value_len = len - name_len - 1;
            if (name_len == 2 && strncasecmp(p, "id", 2) == 0) {
                if (!id_to_hex(eq + 1, value_len, tok->handle, sizeof(tok->handle))) {
                    snprintf(why, why_size, "id= is empty, too long or badly %%-encoded");
                    return false;
                }
            } else if (name_len == 7 && strncasecmp(p, "slot-id", 7) == 0) {
                if (!parse_slot(eq + 1, value_len, &tok->slot)) {
                    snprintf(why, why_size, "slot-id= is not a decimal slot number");
                    return false;
                }
            } else if (name_len == 4 && strncasecmp(p, "type", 4) == 0) {
                if (value_len != 7 || strncasecmp(eq + 1, "private", 7) != 0) {
                    snprintf(why, why_size, "type= must be private");
                    return false;
                }
            } else if (!is_described(p, name_len)) {
                snprintf(why, why_size,
                         "attribute '%.*s' cannot be given to strongSwan's pkcs11 plugin "
                         "(the module is system.keys.pkcs11_module, the PIN "
                         "system.keys.key_pin_file)",
                         (int)name_len, p);
                return false;
            }
        }
        p += len;
        if (*p)
            p++;
    }
    if (!tok->handle[0]) {
        snprintf(why, why_size,
                 "no id= attribute: charon finds a token key by its CKA_ID (the handle)");
        return false;
    }
    return true;
}

void ipsec_token_write(ipsec_text_t *t, const ipsec_token_t *tok)
{
    ipsec_text_printf(t, "secrets {\n");
    ipsec_text_printf(t, "    token-border {\n");
    ipsec_text_printf(t, "        handle = %s\n", tok->handle);
    if (tok->slot >= 0)
        ipsec_text_printf(t, "        slot = %ld\n", tok->slot);
    ipsec_text_printf(t, "        module = %s\n", MCSEC_IPSEC_PKCS11_NAME);
    ipsec_text_printf(t, "    }\n");
    ipsec_text_printf(t, "}\n");
    /* The PIN stays out of this file: ipsec/border-up.sh writes it from
     * system.keys.key_pin_file into the 0600 file included here, which
     * adds "pin" to the section above (strongswan.conf(5), includes). */
    ipsec_text_printf(t, "include %s\n", MCSEC_IPSEC_PIN_INCLUDE);
}
