/* IPsec between borders (NDS/IP Za, TS 33.210), rendered from the policy.
 *
 * The policy already says who we are (system.identity, keys.cert/keys.key),
 * where our gateway is (system.addresses.gateway) and which service addresses
 * sit behind it (system.addresses.is_proxy/http_proxy); for each partner it
 * names the same things plus the partner's CA (partners[].keys.ca). From that
 * we write strongSwan's swanctl.conf (one IKEv2 connection per partner) and
 * nftables rules that drop traffic between the service addresses unless it
 * came through the tunnel. docs/ipsec.md explains every setting.
 *
 * IKE identity of a border: the host part of its MC service ID URI
 * ("sip:border@b.mcx.example" -> FQDN "b.mcx.example"); its certificate must
 * carry it as a subjectAltName dNSName.
 *
 * Lifetime: the render functions return a malloc'd NUL-terminated string the
 * caller frees. Problems (missing gateway, certificate, CA, service address,
 * unknown partner) go into diags as "FILE[:LINE:COL]: message"; nothing is
 * printed. */
#ifndef MCSEC_IPSEC_H
#define MCSEC_IPSEC_H

#include <stddef.h>

#include "mcsec/policy/policy.h"
#include "mcsec/util/status.h"

/* Where ESP is done. kernel: XFRM (raw ESP, trap policies, nftables matches
 * on the IPsec secpath). libipsec: charon's userspace ESP behind a TUN
 * device (tunnel mode only, ESP in UDP 4500, no kernel policy). */
typedef enum { MCSEC_IPSEC_KERNEL = 0, MCSEC_IPSEC_LIBIPSEC = 1 } mcsec_ipsec_backend_t;

/* The TUN device kernel-libipsec creates; the nftables rules of the
 * libipsec back end accept partner traffic only on it. */
#define MCSEC_IPSEC_TUN_NAME "ipsec0"

/* The only proposals offered and accepted (no "default"). IKE: AES-GCM with
 * PRF-HMAC-SHA-2, or AES-256-CBC with HMAC-SHA-256; ECP-256/384. ESP:
 * AES-GCM with PFS on ECP-256/384 (used at every CHILD_SA rekey). */
#define MCSEC_IPSEC_IKE_PROPOSALS                                                                  \
    "aes256gcm16-aes128gcm16-prfsha384-prfsha256-ecp384-ecp256,aes256-sha256-ecp384-ecp256"
#define MCSEC_IPSEC_ESP_PROPOSALS "aes256gcm16-aes128gcm16-ecp384-ecp256"

/* swanctl loads private keys only from the private/ folder next to
 * swanctl.conf, so the rendered file names our key (system.keys.key) in a
 * last comment line "# mcsec-private-key: PATH" that ipsec/border-up.sh
 * links into CONFDIR/private/. */
#define MCSEC_IPSEC_KEY_COMMENT "mcsec-private-key:"
/* One comment line per CRL file of a partner (partners[].keys.crls):
 * "# mcsec-crl: PARTNER PATH". ipsec/load-crls.sh installs these files
 * into the x509crl/ folder next to swanctl.conf and loads them. */
#define MCSEC_IPSEC_CRL_COMMENT "mcsec-crl:"
/* When system.keys.key is a PKCS#11 URI (RFC 7512) there is no key comment:
 * the rendered file has a "secrets { token-border { handle, slot, module } }"
 * section, includes MCSEC_IPSEC_PIN_INCLUDE (relative to swanctl.conf: a
 * 0600 file that ipsec/border-up.sh writes with "pin" from the PIN file)
 * and names, in comment lines, the PIN file ("# mcsec-pin-file: PATH") and
 * the module charon loads under the name MCSEC_IPSEC_PKCS11_NAME
 * ("# mcsec-pkcs11-module: PATH", system.keys.pkcs11_module or
 * MCSEC_IPSEC_PKCS11_DEFAULT). */
#define MCSEC_IPSEC_PIN_COMMENT "mcsec-pin-file:"
#define MCSEC_IPSEC_MODULE_COMMENT "mcsec-pkcs11-module:"
#define MCSEC_IPSEC_PIN_INCLUDE "token-pin.conf"
#define MCSEC_IPSEC_PKCS11_NAME "mcsec"
#define MCSEC_IPSEC_PKCS11_DEFAULT "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"

typedef struct {
    mcsec_ipsec_backend_t backend;
    const char *partner; /* render only this partner; NULL = every partner */
} mcsec_ipsec_options_t;

/* Writes swanctl.conf for our border into *out (malloc'd, caller frees).
 * Every partner rendered must have a gateway, a CA (keys.ca) and at least
 * one service address; the system needs a gateway, keys.cert, keys.key and
 * at least one service address. Returns MCSEC_OK; MCSEC_ERR_INVALID with
 * diags filled when the policy lacks something or opts->partner names no
 * partner; MCSEC_ERR_ARG for NULL arguments; MCSEC_ERR_NOMEM. *out is NULL
 * on failure. */
mcsec_err_t mcsec_ipsec_render_swanctl(const mcsec_policy_t *policy,
                                       const mcsec_ipsec_options_t *opts, char **out,
                                       mcsec_diag_list_t *diags);

/* Writes an nftables script (`nft -f`) for the same partners: table
 * inet mcsec_ipsec, replaced as a whole on every load, that drops packets
 * to or from the partners' service addresses that did not cross the tunnel
 * (libipsec: not on MCSEC_IPSEC_TUN_NAME; kernel: no IPsec secpath/xfrm
 * route). Same errors as mcsec_ipsec_render_swanctl, except that
 * certificates are not needed. */
mcsec_err_t mcsec_ipsec_render_nft(const mcsec_policy_t *policy, const mcsec_ipsec_options_t *opts,
                                   char **out, mcsec_diag_list_t *diags);

/* The IKE identity of a border from its MC service ID URI: the host,
 * lower case ("sip:border@B.example;x=y" -> "b.example"). Only letters,
 * digits, '-' and '.' are accepted (it goes into swanctl.conf unquoted).
 * Returns MCSEC_OK, MCSEC_ERR_INVALID (no usable host) or MCSEC_ERR_ARG
 * (NULL, or out_size too small). */
mcsec_err_t mcsec_ipsec_identity(const char *uri, char *out, size_t out_size);

#endif
