/* Helpers of the topology-hiding adapter: parsing a raw buffer the way the
 * network events see it, locating header pieces, and rebuilding a buffer
 * from a list of edits (replace octets [start, end) with a text).
 *
 * Edits keep offsets into the original buffer, so any number of them can be
 * collected from one parse and applied at once; texts live in an arena the
 * edit list owns (pkg memory). Nothing here decides what to hide. */
#ifndef MCSEC_TOPO_MSG_H
#define MCSEC_TOPO_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "core/parser/msg_parser.h"
#include "core/parser/parse_via.h"
#include "core/str.h"

#include "mcsec/sip/check.h"

#define MCSEC_TOPO_MAX_EDITS 160

/* ---- names the topology adapter puts on the wire and reads back --------- */

/* The internal header that marks a request from a partner whose tokens did
 * not decode (never sent to a partner; a partner's copy is removed). */
#define MCSEC_TOPO_FAULT_HDR "Mcsec-Topo-Fault"
/* The internal header that keeps the request-URI as the partner sent it
 * (our token URI) when SREV_NET_DATA_IN restored it: the EAR stage checks
 * the EAR's target against what the partner signed. Added only by us (a
 * partner's copy is removed), deleted by the ingress stage before the
 * request goes inside. */
#define MCSEC_TOPO_RURI_HDR "Mcsec-Topo-Ruri"
/* Via parameter (partner's Via) and Record-Route parameter (ours) that
 * carry the partner-side Call-ID token of a dialog. */
#define MCSEC_TOPO_CID_PARAM "mcsec-cid"

/* ---- edit lists ----------------------------------------------------------- */

typedef struct {
    int start, end; /* octets of the original buffer replaced */
    int text_off;   /* text offset in the arena */
    int text_len;
    int seq; /* insertion order: ties at one offset keep it */
} mcsec_topo_edit_t;

typedef struct {
    mcsec_topo_edit_t items[MCSEC_TOPO_MAX_EDITS];
    int count;
    char *arena; /* pkg memory */
    size_t arena_size, arena_used;
    bool failed; /* an edit did not fit: the list must not be applied */
} mcsec_topo_edits_t;

/* Parses buf (len octets, NUL at buf[len]) into msg as the network events
 * see it: first line, every header, From, To, Call-ID and the first Via
 * present. Returns 0, or -1 (msg must still go to mcsec_topo_unparse). */
int mcsec_topo_parse(struct sip_msg *msg, char *buf, int len);

/* Frees what mcsec_topo_parse allocated. */
void mcsec_topo_unparse(struct sip_msg *msg);

/* Starts an edit list with an arena of arena_size octets. 0 or -1. */
int mcsec_topo_edits_init(mcsec_topo_edits_t *edits, size_t arena_size);
void mcsec_topo_edits_free(mcsec_topo_edits_t *edits);

/* Free space at the end of the arena, to write a text into before
 * committing it with mcsec_topo_edit_commit(). */
char *mcsec_topo_edit_space(mcsec_topo_edits_t *edits, size_t *avail);

/* Adds the edit [start, end) -> the text_len octets just written at
 * mcsec_topo_edit_space(). Sets failed when the list or arena is full. */
void mcsec_topo_edit_commit(mcsec_topo_edits_t *edits, int start, int end, size_t text_len);

/* Adds the edit [start, end) -> a copy of text (len octets). */
void mcsec_topo_edit_add(mcsec_topo_edits_t *edits, int start, int end, const char *text,
                         size_t len);

/* Length of buf once the edits are applied (edits must not overlap). */
int mcsec_topo_edits_result_len(const mcsec_topo_edits_t *edits, int buf_len);

/* Applies the edits to buf into out (out_size >= result length + 1, NUL
 * added). Returns the new length, or -1 when edits overlap or do not fit. */
int mcsec_topo_edits_apply(mcsec_topo_edits_t *edits, const char *buf, int buf_len, char *out,
                           int out_size);

/* ---- reading a parsed message ------------------------------------------ */

/* s without leading and trailing blanks, CR, LF (and commas at the end). */
str mcsec_topo_trim(str s);

static inline mcsec_str_t mcsec_topo_mstr(str s)
{
    return (mcsec_str_t){s.s, s.len > 0 ? (size_t)s.len : 0};
}

/* Whether the header's name is name (case-insensitive). Inline: callers
 * pass literals, whose length the compiler then knows. */
static inline bool mcsec_topo_hdr_is(const struct hdr_field *hf, const char *name)
{
    size_t n = strlen(name);
    return hf->name.len == (int)n && strncasecmp(hf->name.s, name, n) == 0;
}

/* One rewrite of a Refer-To (refer_to true) or Replaces value into out
 * (out_size octets): MCSEC_OK with *changed and *out_len, or an error. */
typedef mcsec_err_t (*mcsec_topo_refer_fn)(void *arg, bool refer_to, mcsec_str_t value, char *out,
                                           size_t out_size, size_t *out_len, bool *changed);

/* Runs fn on the value of every Refer-To (also compact "r") and Replaces
 * header of msg and records the changed ones as edits. MCSEC_OK, or the
 * first error with *failed_refer_to telling which kind of header failed. */
mcsec_err_t mcsec_topo_edit_refer_headers(struct sip_msg *msg, mcsec_topo_edits_t *edits,
                                          mcsec_topo_refer_fn fn, void *arg, bool *failed_refer_to);

/* The text of one via-parm: vb (a body of Via header hf) from
 * "SIP/2.0/..." to its last parameter. */
str mcsec_topo_via_text(const struct hdr_field *hf, const struct via_body *vb);

/* The parameter name (case-insensitive) of a Via body, or NULL. */
struct via_param *mcsec_topo_via_param(const struct via_body *vb, const char *name);

/* The Call-ID value of a parsed message (trimmed); len 0 when absent. */
str mcsec_topo_callid(const struct sip_msg *msg);

/* Whether the To header has a tag. */
bool mcsec_topo_has_totag(struct sip_msg *msg);

/* Offset of p in msg's buffer. */
static inline int mcsec_topo_off(const struct sip_msg *msg, const char *p)
{
    return (int)(p - msg->buf);
}

#endif
