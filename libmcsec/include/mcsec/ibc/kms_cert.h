/* The TS 33.180 Annex D KMS certificate (the KmsCertificate element of a
 * KMS's init or key provisioning response, or a file holding just it) as
 * a KMS public file (eccsi.h, docs/profile.md section 4), and the
 * xsd:dateTime values it carries.
 *
 * Contract: pure parsing with libxml2 (no network, no entity expansion,
 * no DTD loading); the first KmsCertificate element in document order is
 * read, in any namespace. Every field it has is kept: KmsUri, CertUri,
 * Issuer, ValidFrom, ValidTo, UserIdFormat, UserKeyPeriod, UserKeyOffset,
 * PubEncKey, PubAuthKey, ParameterSet. Refused (MCSEC_ERR_INVALID, with
 * a one-line why): Revoked true, now outside [ValidFrom, ValidTo], a
 * PubAuthKey not on P-256, a missing KmsUri, UserKeyPeriod, ValidFrom,
 * ValidTo or PubAuthKey. An XML signature around the certificate
 * (SignedKmsCertificate) is not verified here: the certificate is trusted
 * as the channel it came through is, like a kms.pub (docs/ear.md). */
#ifndef MCSEC_KMS_CERT_H
#define MCSEC_KMS_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/util/status.h"

/* Parses xml (len octets) at time now into *out. MCSEC_ERR_PARSE for XML
 * that is not well formed or has no KmsCertificate, or a field that is
 * not what its type says; MCSEC_ERR_INVALID as above. */
mcsec_err_t mcsec_kms_cert_parse(const char *xml, size_t len, int64_t now, mcsec_kms_pub_t *out,
                                 char *why, size_t why_size);

/* xsd:dateTime "YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM|-HH:MM]" (no zone:
 * UTC) to Unix seconds (fractions dropped). MCSEC_ERR_PARSE otherwise. */
mcsec_err_t mcsec_kms_time_parse(const char *text, int64_t *out);

/* Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" (out at least 21 octets;
 * years 0000-9999). MCSEC_ERR_ARG outside them or for a short out. */
mcsec_err_t mcsec_kms_time_format(int64_t t, char *out, size_t out_size);

#endif
