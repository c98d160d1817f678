/* The SIP body of a request as the SPK stage reads and replaces it, through
 * Kamailio's parser and lumps (the pattern of textops' set_body).
 *
 * Reading gives views into the received buffer; replacing queues lumps, so
 * the change shows in the message tm builds for the next hop (Kamailio
 * fixes Content-Length when it builds that message) but not in msg->buf
 * within the same route. */
#ifndef MCSEC_SPK_BODY_H
#define MCSEC_SPK_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "core/parser/msg_parser.h"

#include "mcsec/spk/xmlprot.h"

#define MCSEC_SPK_MAX_CONTENT_TYPE 512

typedef struct {
    char content_type[MCSEC_SPK_MAX_CONTENT_TYPE]; /* header value, NUL terminated */
    const uint8_t *data;                           /* view into msg->buf */
    size_t len;
} mcsec_spk_sip_body_t;

/* Finds the body and Content-Type of msg (headers parsed to the end).
 * Returns 1 when there is a non-empty body, 0 when there is none, -1 when
 * it cannot be read (Content-Length beyond the message, Content-Type
 * missing for a body or longer than MCSEC_SPK_MAX_CONTENT_TYPE). */
int mcsec_spk_body_get(struct sip_msg *msg, mcsec_spk_sip_body_t *body);

/* The clear body of msg for the stages after SPK (GMK, body identities):
 * the SPK stage's copy when it rewrote msg (mcsec_spk_clear_body()), else
 * the message's own body. Same returns as mcsec_spk_body_get(). */
int mcsec_spk_clear_body_get(struct sip_msg *msg, mcsec_spk_sip_body_t *body);

/* Replaces the body of msg with replacement->data and, when it differs, the
 * Content-Type header with replacement->content_type (deleted and added
 * anew at the end of the headers); adds Content-Length when the message had
 * none. Returns 0, or -1 (out of pkg memory, lump failure). */
int mcsec_spk_body_replace(struct sip_msg *msg, const mcsec_body_t *replacement);

/* The body msg will be sent with, as the stages left it: the body the last
 * mcsec_spk_body_replace() on msg in this process inserted (the SPK
 * stage's, topology's), else the message's own. Same returns as
 * mcsec_spk_body_get(); -1 also when a replacement was recorded but its
 * lump is gone (never the message's own body then). */
int mcsec_body_out_get(struct sip_msg *msg, mcsec_spk_sip_body_t *body);

/* Makes data (len octets, Content-Type content_type, which must be the one
 * mcsec_body_out_get() gave) the body msg will be sent with: the content
 * of the lump the last replacement inserted is swapped when there is one,
 * so the message keeps one body replacement and the stages' edits (in
 * data) stay; else the body is replaced as mcsec_spk_body_replace() does.
 * Returns 0 or -1. */
int mcsec_body_out_set(struct sip_msg *msg, const char *content_type, const uint8_t *data,
                       size_t len);

#endif
