/* Refused final reply -> 502 in place: see mcsec_reply_502.h. */
#include <stdbool.h>
#include <string.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/msg_translator.h"

#include "mcsec_reply_502.h"

static const char reason_502[] = "Bad Gateway";

/* The headers a 502 keeps: what matches it to the transaction and the
 * dialog (RFC 3261 8.2.6.2), and the length tm corrects. */
static bool header_kept(const struct hdr_field *hf)
{
    switch (hf->type) {
    case HDR_VIA_T:
    case HDR_FROM_T:
    case HDR_TO_T:
    case HDR_CALLID_T:
    case HDR_CSEQ_T:
    case HDR_CONTENTLENGTH_T:
        return true;
    default:
        return false;
    }
}

/* See mcsec_reply_502.h. */
int mcsec_reply_502(struct sip_msg *msg)
{
    if (msg->first_line.type != SIP_REPLY || msg->first_line.u.reply.statuscode < 200 ||
        msg->first_line.u.reply.status.len != 3 || msg->eoh == NULL) {
        return -1;
    }
    /* What the stages queued (an SPK body, say) belongs to the refused
     * reply. */
    del_nonshm_lump(&msg->add_rm);
    msg->add_rm = NULL;
    del_nonshm_lump(&msg->body_lumps);
    msg->body_lumps = NULL;

    struct lump *reason = del_lump(msg, (int)(msg->first_line.u.reply.reason.s - msg->buf),
                                   msg->first_line.u.reply.reason.len, 0);
    char *text = reason != NULL ? pkg_malloc(sizeof(reason_502) - 1) : NULL;
    if (text == NULL) {
        return -1;
    }
    memcpy(text, reason_502, sizeof(reason_502) - 1);
    if (insert_new_lump_after(reason, text, (int)sizeof(reason_502) - 1, 0) == NULL) {
        pkg_free(text);
        return -1;
    }
    for (struct hdr_field *hf = msg->headers; hf != NULL; hf = hf->next) {
        if (!header_kept(hf) && del_lump(msg, (int)(hf->name.s - msg->buf), hf->len, 0) == NULL) {
            return -1;
        }
    }
    char *body = get_body(msg);
    if (body != NULL && body >= msg->buf && body < msg->buf + msg->len &&
        del_lump(msg, (int)(body - msg->buf), (int)(msg->buf + msg->len - body), 0) == NULL) {
        return -1;
    }
    /* The status last, in the buffer as textopsx change_reply_status()
     * does: tm reads it from first_line. */
    msg->first_line.u.reply.statuscode = 502;
    memcpy(msg->first_line.u.reply.status.s, "502", 3);
    return 0;
}
