/* The GMK transfer check at the border (TS 33.180 11.1.2.2; docs/profile.md
 * section 7; docs/gmk.md): a Group Key Transport payload (MIKEY-SAKKE
 * I_MESSAGE, mikey.h) crossing between the primary GMS of one system and
 * the partner GMS of the other is checked for structure, addressing and
 * signature, without the group key (the border never decrypts it).
 *
 * The same check serves both directions: inbound, the initiator is the
 * partner's GMS under the partner's KMS and the responder our GMS under
 * ours; outbound, the roles are swapped.
 *
 * Contract: nothing is allocated for a single message (views into the
 * input); the body scanner parses XML with libxml2 under the same limits as
 * the SPK code (no DTD, no network, bounded size and depth) and frees it
 * before returning. The replay cache (replay.h) is the caller's, separate
 * from the EAR one; only messages that pass every other check are recorded.
 * Detail texts hold no key material. */
#ifndef MCSEC_GMK_CHECK_H
#define MCSEC_GMK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/mikey/mikey.h"
#include "mcsec/util/reason.h"
#include "mcsec/util/replay.h"

#define MCSEC_GMK_DEFAULT_MAX_AGE 86400 /* seconds */
#define MCSEC_GMK_MAX_AGE_LIMIT (366u * 86400u)
#define MCSEC_GMK_MAX_PAYLOADS 16 /* GKTP elements in one message */
#define MCSEC_GKTP_NS "urn:3gpp:ns:mcpttGKTP:1.0"

/* What the policy says about one transfer direction. Pointers are borrowed
 * for the call. */
typedef struct {
    const mcsec_kms_pub_t *signer_kms;    /* the initiator's KMS: URI, key period, offset */
    const mcsec_eccsi_pub_t *signer_kpak; /* the same KMS's KPAK, parsed */
    const mcsec_kms_pub_t *receiver_kms;  /* the responder's KMS (URI, period, offset) */
    const char *initiator;                /* the sending GMS's identity URI */
    const char *responder;                /* the receiving GMS's identity URI */
    bool push;                    /* a request that pushes keys: freshness and replay apply */
    int64_t now;                  /* Unix seconds */
    uint32_t max_age;             /* seconds |T - now| may reach; 0 = the default */
    mcsec_replay_cache_t *replay; /* required when push */
} mcsec_gmk_policy_t;

/* Checks one parsed message. Order: the signature first (so that any change
 * to a signed octet reports gmk.bad_signature, and every later verdict is
 * about what the signer really said), then the claims:
 *   gmk.malformed        no initiator identity (IDRi/IDRuidi) to verify under
 *   gmk.bad_signature    ECCSI signature over msg->signed_part does not
 *                        verify under the signer KMS's KPAK for the
 *                        initiator's UID (IDRuidi, else the UID of IDRi)
 *                        in the key period of T
 *   gmk.wrong_purpose    CSB-ID purpose tag is not GMK (0)
 *   gmk.wrong_kms        IDRkmsi / IDRkmsr (when present) are not the
 *                        signer's / receiver's KMS URIs
 *   gmk.wrong_sender     IDRi is not policy->initiator, or IDRuidi is not
 *                        its UID (signer KMS, key period of T)
 *   gmk.wrong_receiver   IDRr is not policy->responder, IDRuidr is not its
 *                        UID (receiver KMS), or neither is present
 *   gmk.stale            push: |T - now| > max_age
 *   gmk.replay           push: the same signed octets recorded before and
 *                        not yet expired (the ID is SHA-256 of the octets
 *                        before the signature, so a re-signed or
 *                        malleated signature is still the same message)
 *   ear.replay_cache_full  the cache cannot record: refused (503)
 *   policy.unavailable   policy incomplete (no KMS, no URIs, no cache)
 * Returns MCSEC_REASON_NONE when the message passes. */
mcsec_reason_t mcsec_gmk_check(const mcsec_mikey_t *msg, const mcsec_gmk_policy_t *policy,
                               char *detail, size_t detail_size);

/* Parses in (gmk.malformed when it does not parse) into *msg (may be NULL)
 * and checks it. */
mcsec_reason_t mcsec_gmk_check_octets(const uint8_t *in, size_t n, const mcsec_gmk_policy_t *policy,
                                      mcsec_mikey_t *msg, char *detail, size_t detail_size);

/* Finds every GKTP element (local name "GKTP", in the GKTP namespace or
 * inside mcptt-info) in a message body, MIME multipart/mixed included, and
 * checks each payload (hex content) as above; one failure rejects the
 * whole body. Replay is recorded only when all payloads passed. A body
 * with no GKTP element passes with *checked = 0. gmk.malformed when a part
 * that names GKTP cannot be parsed, a GKTP element has child elements or
 * no hex content, or there are more than MCSEC_GMK_MAX_PAYLOADS.
 * content_type is the body's Content-Type value (NUL terminated). */
mcsec_reason_t mcsec_gmk_check_body(const char *content_type, const uint8_t *body, size_t len,
                                    const mcsec_gmk_policy_t *policy, size_t *checked, char *detail,
                                    size_t detail_size);

/* Counts the GKTP elements of a body without checking them (for partners
 * whose gmk transfer is deny): MCSEC_REASON_NONE with *count, or
 * gmk.malformed when a part naming GKTP cannot be parsed. */
mcsec_reason_t mcsec_gmk_count_body(const char *content_type, const uint8_t *body, size_t len,
                                    size_t *count, char *detail, size_t detail_size);

#endif
