/* A refused final reply turned into "502 Bad Gateway" in place
 * (docs/replies.md).
 *
 * Called from the core onreply_route (mcsec_reply_check()) for a final
 * reply (200-699) from or to a partner that the border refused. The reply
 * is rewritten before tm sees it: status 502, reason "Bad Gateway", every
 * header except Via, From, To, Call-ID, CSeq and Content-Length removed,
 * the body removed (Content-Length becomes 0 when tm builds the relayed
 * reply), lumps the stages queued before the refusal discarded. tm then
 * handles it as the 502 of that branch, at once: it relays it (or runs the
 * failure route), and for an INVITE acknowledges it hop by hop, so the
 * sender of the refused reply stops retransmitting and no branch is left
 * to time out or to be cancelled. Nothing of the refused reply but the
 * dialog identifiers crosses. */
#ifndef MCSEC_REPLY_502_H
#define MCSEC_REPLY_502_H

#include "core/parser/msg_parser.h"

/* Rewrites msg (a parsed reply, status >= 200); 0, or -1 when a lump
 * cannot be added (the caller drops the reply instead). */
int mcsec_reply_502(struct sip_msg *msg);

#endif
