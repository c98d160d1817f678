/* SDES key lines (RFC 4568 a=crypto) held back from the media relay
 * (docs/media.md, "SDES through the relay"). rtpengine consumes every
 * a=crypto line it is given and re-keys the stream; the border must relay
 * SRTP untouched and never hold media keys (TS 33.180). So the relay gets
 * the SDP without its a=crypto lines (it then relays those SRTP packets
 * opaquely, as it does for MIKEY-SAKKE a=key-mgmt), and the lines are put
 * back, unchanged and in their original order, into the same sections of
 * the SDP the relay wrote.
 *
 * Sections: 0 is the session level (before the first m= line), i the i-th
 * media section. A held line goes back right after the last a= line of its
 * section in the relay's SDP (after the section's last line when it has no
 * a= line), ending as the line before it ends (CRLF or LF). Lines of the
 * same section keep their order. The relay's SDP must have the same
 * m-lines, in the same order, by <media> and <proto> (the ports and the
 * rest the relay rewrites); otherwise the lines cannot go back where they
 * were: media.keys_altered.
 *
 * Contract: views in; the held lines and every output are malloc'd copies
 * (mcsec_sdes_hold_clear() and free()). Lines end in CRLF or LF; more than
 * MCSEC_SDP_MAX_LINES lines is refused. */
#ifndef MCSEC_MEDIA_SDES_HOLD_H
#define MCSEC_MEDIA_SDES_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/reason.h"
#include "mcsec/util/status.h"

typedef struct {
    size_t offset; /* into text */
    size_t len;    /* the line without its end */
    size_t section;
} mcsec_sdes_line_t;

typedef struct {
    uint8_t *text; /* a copy of the SDP given */
    size_t text_len;
    mcsec_sdes_line_t *lines; /* the a=crypto lines, in order */
    size_t count;
    size_t *mline; /* offset in text of each m= line (sections - 1 of them) */
    size_t sections;
} mcsec_sdes_hold_t;

/* Clears *hold and frees what it holds; safe on a zeroed or cleared hold. */
void mcsec_sdes_hold_clear(mcsec_sdes_hold_t *hold);

/* Fills *hold (cleared first) with the a=crypto lines of sdp and writes in
 * *out (malloc'd, *out_len octets) sdp without them (each with its line
 * end); every other octet stays. MCSEC_OK, MCSEC_ERR_ARG, MCSEC_ERR_PARSE
 * (too many lines) or MCSEC_ERR_NOMEM (*hold cleared on error). */
mcsec_err_t mcsec_sdes_hold_strip(const uint8_t *sdp, size_t len, mcsec_sdes_hold_t *hold,
                                  uint8_t **out, size_t *out_len);

/* Puts the held lines back into the relay's sdp: MCSEC_REASON_NONE with
 * *out (malloc'd, *out_len octets; a plain copy when nothing is held),
 * media.keys_altered when the m-lines differ in number, order, media or
 * proto, media.malformed when sdp has too many lines, policy.unavailable
 * when out of memory; detail says which. */
mcsec_reason_t mcsec_sdes_hold_restore(const mcsec_sdes_hold_t *hold, const uint8_t *sdp,
                                       size_t len, uint8_t **out, size_t *out_len, char *detail,
                                       size_t detail_size);

#endif
