/* Media through the border (docs/media.md): the SDP rules a session meets
 * before the media relay allocates anything, the check of the SDP the
 * relay wrote (anchored), and finding and replacing the SDP part of a
 * body. The SDP itself is read by mcsec/media/sdp.h.
 *
 * Each check takes the clear SDP (after the SPK stage) and returns
 * MCSEC_REASON_NONE or a media.* reason, with a short detail (line number
 * and what) for the log; it allocates one mcsec_sdp_t on the heap and frees
 * it before returning (policy.unavailable when that fails). */
#ifndef MCSEC_MEDIA_MEDIA_H
#define MCSEC_MEDIA_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/policy/policy.h"
#include "mcsec/util/reason.h"
#include "mcsec/util/status.h"

/* The rules of partner's media section on an SDP from the partner
 * (from_partner) or from our core to it:
 *   - the SDP reads (media.malformed);
 *   - at most MCSEC_SDP_MAX_MEDIA m-lines and at most media.max_streams
 *     with a port other than 0 (media.too_many_streams);
 *   - every m-line with a port other than 0: a plain RTP profile only with
 *     allow_insecure (media.insecure_profile), "<media> <proto>" in allow,
 *     compared without regard to case (media.line_not_allowed); a port of 0
 *     is a disabled or rejected stream (RFC 3264 5.1, 6) and meets neither
 *     rule nor the count;
 *   - from the partner only: every address of o=, c=, a=rtcp and candidates
 *     (outside disabled streams) is one of the partner's relay_addresses or
 *     the unspecified address (hold, RFC 3264 8.4), and every port of m=,
 *     a=rtcp and candidates in the partner's range
 *     (media.third_party_address).
 * From our core, addresses are not judged: the relay replaces them and
 * mcsec_media_check_anchored() checks the result. */
mcsec_reason_t mcsec_media_check_rules(const mcsec_partner_t *partner, const uint8_t *sdp,
                                       size_t len, bool from_partner, char *detail,
                                       size_t detail_size);

/* The SDP the relay wrote for the side it goes to (egress: the partner,
 * else our core): every address of o=, c=, a=rtcp and candidates is our
 * relay's address on that side (system.media outside_address or
 * inside_address) or the unspecified address, every port of m=, a=rtcp
 * and candidates in our range, no candidate raddr but the unspecified
 * address, and no internal address (our SIP core and inside peers, the
 * relay's other side, system.http.internal_hosts; towards our core: the
 * partner's relay addresses) anywhere in the text. media.malformed when it
 * does not read, media.not_anchored otherwise. The line rules are not run
 * again. */
mcsec_reason_t mcsec_media_check_anchored(const mcsec_policy_t *policy,
                                          const mcsec_partner_t *partner, const uint8_t *sdp,
                                          size_t len, bool egress, char *detail,
                                          size_t detail_size);

/* The key lines of an SDP are end to end (MIKEY-SAKKE a=key-mgmt, RFC
 * 4567, TS 33.180; SDES a=crypto, RFC 4568): the relay's SDP (after) must
 * carry exactly the a=crypto and a=key-mgmt lines of the SDP it was given
 * (before), octet for octet, as many of each, in any order and at any
 * level. MCSEC_REASON_NONE or media.keys_altered (a line added, removed or
 * changed), media.malformed when either does not read as lines (more than
 * MCSEC_SDP_MAX_LINES). */
mcsec_reason_t mcsec_media_check_keys(const uint8_t *before, size_t before_len,
                                      const uint8_t *after, size_t after_len, char *detail,
                                      size_t detail_size);

/* Finds the SDP of a body: the body itself when content_type (ct_len
 * octets) is application/sdp, else the one application/sdp leaf of a
 * multipart body (mcsec/mime/mime.h walks it). Returns 1 with *offset and
 * *sdp_len (the part's content within body), 0 when there is no SDP, -1
 * with *fault (static text) when the body does not walk, holds more than
 * one SDP part, or the SDP part carries a Content-Length field (it could
 * not be replaced consistently). */
int mcsec_media_sdp_find(const char *content_type, size_t ct_len, const uint8_t *body, size_t len,
                         size_t *offset, size_t *sdp_len, const char **fault);

/* A new body: body with the sdp_len octets at offset replaced by sdp
 * (new_len octets); everything else stays octet for octet. *out is
 * malloc'd (free()). MCSEC_OK, MCSEC_ERR_ARG or MCSEC_ERR_NOMEM. */
mcsec_err_t mcsec_media_sdp_splice(const uint8_t *body, size_t len, size_t offset, size_t sdp_len,
                                   const uint8_t *sdp, size_t new_len, uint8_t **out,
                                   size_t *out_len);

#endif
