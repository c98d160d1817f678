/* The border's own ECCSI keys from a TS 33.180 Annex D KMS key
 * provisioning response (KmsKeyProv: one KmsKeySet per key period) as key
 * directories (eccsi.h) for the signing directory (keyset.h).
 *
 * Contract: libxml2 without DTD, entities or network. Each KmsKeySet in
 * document order gives one key directory: UserUri (must equal uri),
 * KeyPeriodNo, UserSigningKeySSK and UserPubTokenPVT, each either hex text
 * or wrapped under the transport key as an xenc:EncryptedKey whose
 * EncryptionMethod is AES key wrap (xmlenc#kw-aes128, #kw-aes256, RFC 3394)
 * or AES key wrap with padding (xmlenc11#kw-aes-128-pad, #kw-aes-256-pad,
 * RFC 5649), CipherData/CipherValue base64. The transport key's length
 * must fit the algorithm. UserDecryptKey (SAKKE) is not used and never
 * kept. Refused, with a one-line why: Revoked true, an unwrap that fails
 * its integrity check, a UserID that is not the UID (uid.h) of UserUri for
 * KeyPeriodNo under kms, keys failing the RFC 6507 5.1.2 check against
 * kms's KPAK. The XML signature of the response is not checked: the key
 * check proves the keys come from the KMS holding the KSAK. Secrets are
 * wiped from every buffer this code fills, on every path (libxml2's own
 * copies of the document are freed, not wiped: callers wipe their input
 * and keep such runs short-lived, as mcsecctl does). */
#ifndef MCSEC_KMS_KEYPROV_H
#define MCSEC_KMS_KEYPROV_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/util/status.h"

/* Parses xml into out[0 .. *count) (at most max key sets). MCSEC_ERR_PARSE
 * for XML or fields that do not parse or no KmsKeySet; MCSEC_ERR_INVALID
 * as above; MCSEC_ERR_ARG for NULLs. On failure out is wiped. */
mcsec_err_t mcsec_kms_keyprov_parse(const char *xml, size_t len, const mcsec_kms_pub_t *kms,
                                    const uint8_t *transport_key, size_t transport_key_len,
                                    const char *uri, mcsec_eccsi_keydir_t *out, size_t max,
                                    size_t *count, char *why, size_t why_size);

#endif
