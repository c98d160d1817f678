/* Shared by the parts of the deep check (mcsec/config/config_check.h):
 * the run's state and how a problem becomes a diagnostic. */
#ifndef MCSEC_CONFIG_CHECK_INTERNAL_H
#define MCSEC_CONFIG_CHECK_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "mcsec/config/config_check.h"
#include "mcsec/policy/policy.h"

/* One run of the check. */
typedef struct {
    const mcsec_policy_t *policy;
    const mcsec_config_check_opts_t *opts; /* never NULL inside the run */
    int64_t now;
    mcsec_diag_list_t *diags;
    mcsec_err_t rc; /* MCSEC_OK until the first problem */
} mcsec_ck_t;

/* A position in the policy file (0, 0 = the file as a whole). */
typedef struct {
    unsigned line, col;
} mcsec_ck_pos_t;

/* Appends "file:line[:col]: message"; records the failure in ck->rc. */
void mcsec_ck_say(mcsec_ck_t *ck, const char *file, mcsec_ck_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends a warning to ck->opts->warnings (dropped when NULL); the check
 * still passes. */
void mcsec_ck_warn(mcsec_ck_t *ck, const char *file, mcsec_ck_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A key file the library refused with `why` (which is about that file's
 * content): the diagnostic is the key file's own "PATH[:LINE]: what: msg",
 * the line taken from why ("PATH:LINE: msg" of the SPK and topology
 * readers, "line N: msg" of the KMS file reader) where it has one. */
void mcsec_ck_say_keyfile(mcsec_ck_t *ck, const char *path, const char *why, const char *what);

/* The position of system.keys (the system section when it has none). */
mcsec_ck_pos_t mcsec_ck_system_keys_pos(const mcsec_ck_t *ck);

/* The certificate checks (config_check_tls.c). */
void mcsec_ck_tls(mcsec_ck_t *ck);

/* The private key at a PKCS#11 URI, through OpenSSL's "pkcs11" engine,
 * logged in with the PIN of pin_file; NULL with why set when it cannot be
 * loaded (config_check_pkcs11.c). */
EVP_PKEY *mcsec_ck_token_key(const char *uri, const char *pin_file, char *why, size_t why_size);

/* True when key signs and pub verifies the signature. */
bool mcsec_ck_key_signs(EVP_PKEY *key, EVP_PKEY *pub);

#endif
