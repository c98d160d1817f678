/* Shared by the swanctl.conf and nftables renderers (ipsec_render*.c).
 * Not installed. */
#ifndef MCSEC_IPSEC_RENDER_INTERNAL_H
#define MCSEC_IPSEC_RENDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "mcsec/ipsec/ipsec.h"

/* A growing text; after an allocation failure every append is a no-op and
 * nomem stays set. */
typedef struct {
    char *text;
    size_t len, cap;
    bool nomem;
} ipsec_text_t;

void ipsec_text_printf(ipsec_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands the text over: MCSEC_OK and *out = text, or MCSEC_ERR_NOMEM (text
 * freed, *out NULL). */
mcsec_err_t ipsec_text_finish(ipsec_text_t *t, char **out);

/* Up to this many distinct service addresses per side. */
#define IPSEC_MAX_ADDRS 16

/* The service addresses (IP only, deduplicated) of one side. */
typedef struct {
    const mcsec_addr_t *items[IPSEC_MAX_ADDRS];
    size_t count;
} ipsec_addrs_t;

/* Our IKE key in a PKCS#11 token (ipsec_render_token.c): the CKA_ID in
 * hex, the slot or -1 for every slot of the module. */
typedef struct {
    char handle[2 * 128 + 1];
    long slot;
} ipsec_token_t;

/* Maps an RFC 7512 URI onto a token section; false with why set when the
 * URI has something strongSwan's pkcs11 plugin cannot be given. */
bool ipsec_token_parse(const char *uri, ipsec_token_t *tok, char *why, size_t why_size);

/* The swanctl.conf "secrets" section loading the key from the token. */
void ipsec_token_write(ipsec_text_t *t, const ipsec_token_t *tok);

/* What the renderers walk: our service addresses and the chosen partners. */
typedef struct {
    bool in_token; /* system.keys.key is a PKCS#11 URI */
    ipsec_token_t token;
    ipsec_addrs_t local;
    const mcsec_partner_t *partners[64];
    ipsec_addrs_t remote[64];
    size_t partner_count;
    /* Media (system.media, partners[].media; docs/media.md): our relay's
     * outside address (NULL when media anchoring is off) and each
     * partner's relay addresses (count 0: the partner has no media). */
    const mcsec_addr_t *media_local;
    ipsec_addrs_t media_remote[64];
} ipsec_plan_t;

/* Checks the policy for what the renderer needs (need_keys: certificate,
 * key and partner CAs too) and fills plan. Returns MCSEC_OK, or
 * MCSEC_ERR_INVALID / MCSEC_ERR_NOMEM with at least one diagnostic. */
mcsec_err_t ipsec_plan(const mcsec_policy_t *policy, const mcsec_ipsec_options_t *opts,
                       bool need_keys, ipsec_plan_t *plan, mcsec_diag_list_t *diags);

/* The start of both renderers: checks the arguments (setting *out to NULL
 * once out is known), allocates and fills the plan (need_keys as above).
 * Returns the plan, to free(), or NULL with *rc set (MCSEC_ERR_ARG,
 * MCSEC_ERR_NOMEM or what ipsec_plan() returned). */
ipsec_plan_t *ipsec_render_start(const mcsec_policy_t *policy, const mcsec_ipsec_options_t *opts,
                                 bool need_keys, char **out, mcsec_diag_list_t *diags,
                                 mcsec_err_t *rc);

/* Prefix length of a host address: 32 or 128. */
unsigned ipsec_host_prefix(const mcsec_addr_t *addr);

#endif
