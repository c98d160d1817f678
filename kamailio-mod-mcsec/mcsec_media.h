/* Media through the border, the module's part (docs/media.md): the SDP
 * rules stage of mcsec_ingress(), mcsec_egress() and mcsec_reply_check(),
 * and the cfg functions mcsec_sdp_get() and mcsec_sdp_set() the cfg calls
 * around the media relay (rtpengine's read_sdp_pv/write_sdp_pv).
 *
 * The stage records, per process and tied to the message (id and pid), the
 * direction and partner of the message it passed; mcsec_sdp_get() and
 * mcsec_sdp_set() work only on a message the module checked and passed. */
#ifndef MCSEC_MEDIA_MOD_H
#define MCSEC_MEDIA_MOD_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"
#include "core/pvar.h"

#include "mcsec/policy/policy.h"
#include "mcsec/sip/check.h"

/* The SDP rules (mcsec_media_check_rules()) on the clear SDP of msg when
 * system.media is set and the partner of verdict has its media section:
 * from the partner (egress false) with its address rules. Records the
 * message for mcsec_sdp_get()/mcsec_sdp_set() when it passes (also with
 * media off). 0, or -1 with verdict->reason and detail. */
int mcsec_media_stage(struct sip_msg *msg, const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                      bool egress, bool reply);

/* Forgets the record of msg (a later stage refused it). */
void mcsec_media_forget(const struct sip_msg *msg);

/* mcsec_sdp_get(): sets dst to the SDP part of the body msg will be sent
 * with (after the module's body stages), without its SDES a=crypto lines:
 * they are held for this message (per process, by msg id and pid) and
 * mcsec_sdp_set() puts them back (mcsec/media/sdes_hold.h). 1, or -1 when
 * msg has no SDP or was not passed by the module. */
int mcsec_media_sdp_get(struct sip_msg *msg, pv_spec_t *dst);

/* mcsec_sdp_set(): puts the a=crypto lines mcsec_sdp_get() held back into
 * their sections of sdp (media.keys_altered when the relay changed the
 * m-lines), then checks it is anchored (mcsec_media_check_anchored())
 * and carries the key lines of the SDP it replaces (mcsec_media_check_keys(),
 * media.keys_altered), and makes it the SDP part of the body msg will be sent with, in the one
 * body replacement of the module (mcsec_body_out_set()). A request: 1, or
 * -1 refused (counted, logged, $mcsec(reason), the cfg answers with
 * route(REJECT)). A reply: 1 when it goes on (the new SDP in place, or
 * refused and turned into a 502 in place: $mcsec(reason) tells), -1 when
 * it is refused and must be dropped (a 1xx). */
int mcsec_media_sdp_set(struct sip_msg *msg, const str *sdp);

/* mcsec_reject() on a reply (onreply_route): the reply of the message the
 * stage recorded is refused with reason by the path of mcsec_reply_check()
 * (docs/replies.md). Same returns as mcsec_media_sdp_set() on a reply. */
int mcsec_media_reply_reject(struct sip_msg *msg, mcsec_reason_t reason);

/* The last line (SREV_NET_DATA_OUT, mcsec_topo_out.c): a message leaving
 * for partner_index with an SDP that is not anchored (the cfg did not run
 * the relay, or wrote around mcsec_sdp_set()) must not leave. obuf holds
 * the message as it goes (NUL at obuf[len]). 0: it may go (no SDP, media
 * off, or anchored); -1: drop it (counted and logged as
 * media.not_anchored). */
int mcsec_media_net_out_check(const mcsec_policy_t *policy, int partner_index, str *obuf);

/* True when the process's policy has system.media ($mcsec(media)). */
bool mcsec_media_enabled(void);

#endif
