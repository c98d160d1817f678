/* Reading and replacing a request body: see mcsec_spk_body.h. */
#include <string.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/msg_translator.h"
#include "core/parser/parse_content.h"
#include "core/trim.h"
#include "core/ut.h"

#include "mcsec_log.h"
#include "mcsec_spk_body.h"
#include "mcsec_stages.h"

/* Finds body and Content-Type; see the header. */
int mcsec_spk_body_get(struct sip_msg *msg, mcsec_spk_sip_body_t *body)
{
    memset(body, 0, sizeof(*body));
    char *start = get_body(msg);
    if (start == NULL || start < msg->buf || start > msg->buf + msg->len) {
        return 0;
    }
    size_t available = (size_t)(msg->buf + msg->len - start);
    size_t len = available;
    if (msg->content_length != NULL) {
        long declared = get_content_length(msg);
        if (declared < 0 || (size_t)declared > available) {
            return -1;
        }
        len = (size_t)declared;
    }
    if (len == 0) {
        return 0;
    }
    if (msg->content_type == NULL) {
        return -1;
    }
    str value = msg->content_type->body;
    trim(&value);
    if (value.len <= 0 || (size_t)value.len >= sizeof(body->content_type) ||
        memchr(value.s, '\0', (size_t)value.len) != NULL) {
        return -1;
    }
    memcpy(body->content_type, value.s, (size_t)value.len);
    body->content_type[value.len] = '\0';
    body->data = (const uint8_t *)start;
    body->len = len;
    return 1;
}

/* Inserts a pkg copy of text after anchor; -1 on failure. */
static int insert_copy(struct lump *anchor, const char *text, size_t len)
{
    char *copy = pkg_malloc(len);
    if (copy == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: out of pkg memory");
        return -1;
    }
    memcpy(copy, text, len);
    if (insert_new_lump_after(anchor, copy, (int)len, 0) == NULL) {
        pkg_free(copy);
        return -1;
    }
    return 0;
}

/* Replaces the Content-Type header when the new value differs. */
static int replace_content_type(struct sip_msg *msg, struct lump *anchor, const char *value)
{
    size_t value_len = strlen(value);
    if (msg->content_type != NULL) {
        str old = msg->content_type->body;
        trim(&old);
        if ((size_t)old.len == value_len && memcmp(old.s, value, value_len) == 0) {
            return 0;
        }
        if (del_lump(msg, (int)(msg->content_type->name.s - msg->buf), msg->content_type->len, 0) ==
            NULL) {
            return -1;
        }
    }
    static const char name[] = "Content-Type: ";
    char line[sizeof(name) + MCSEC_SPK_MAX_CONTENT_TYPE + CRLF_LEN];
    if (value_len >= MCSEC_SPK_MAX_CONTENT_TYPE) {
        return -1;
    }
    size_t n = 0;
    memcpy(line, name, sizeof(name) - 1);
    n += sizeof(name) - 1;
    memcpy(line + n, value, value_len);
    n += value_len;
    memcpy(line + n, CRLF, CRLF_LEN);
    n += CRLF_LEN;
    return insert_copy(anchor, line, n);
}

/* Adds "Content-Length: N" for a message that had none (UDP); the value is
 * corrected when the message is built. */
static int add_content_length(struct sip_msg *msg, struct lump *anchor, size_t body_len)
{
    if (msg->content_length != NULL) {
        return 0;
    }
    int digits_len = 0;
    char *digits = int2str((unsigned long)body_len, &digits_len);
    char line[CONTENT_LENGTH_LEN + INT2STR_MAX_LEN + CRLF_LEN];
    size_t n = 0;
    memcpy(line, CONTENT_LENGTH, CONTENT_LENGTH_LEN);
    n += CONTENT_LENGTH_LEN;
    memcpy(line + n, digits, (size_t)digits_len);
    n += (size_t)digits_len;
    memcpy(line + n, CRLF, CRLF_LEN);
    n += CRLF_LEN;
    return insert_copy(anchor, line, n);
}

/* Replaces body and Content-Type; see the header. */
int mcsec_spk_body_replace(struct sip_msg *msg, const mcsec_body_t *replacement)
{
    mcsec_spk_sip_body_t old;
    if (replacement->len == 0 || replacement->content_type == NULL ||
        mcsec_spk_body_get(msg, &old) != 1) {
        return -1;
    }
    /* Earlier body changes of this message (none in our cfg) give way. */
    del_nonshm_lump(&msg->body_lumps);
    msg->body_lumps = NULL;
    if (del_lump(msg, (int)((const char *)old.data - msg->buf), (int)old.len, 0) == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: cannot delete the old body");
        return -1;
    }
    struct lump *headers_end = anchor_lump(msg, (int)(msg->unparsed - msg->buf), 0, 0);
    if (headers_end == NULL || add_content_length(msg, headers_end, replacement->len) != 0 ||
        replace_content_type(msg, headers_end, replacement->content_type) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: cannot rewrite the body headers");
        return -1;
    }
    struct lump *body_anchor = anchor_lump(msg, (int)((const char *)old.data - msg->buf), 0, 0);
    if (body_anchor == NULL ||
        insert_copy(body_anchor, (const char *)replacement->data, replacement->len) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: cannot insert the new body");
        return -1;
    }
    return 0;
}

/* See mcsec_spk_body.h. */
int mcsec_spk_clear_body_get(struct sip_msg *msg, mcsec_spk_sip_body_t *body)
{
    size_t len = 0;
    const char *content_type = NULL;
    const char *data = mcsec_spk_clear_body(msg, &len, &content_type);
    if (data == NULL) {
        return mcsec_spk_body_get(msg, body);
    }
    memset(body, 0, sizeof(*body));
    size_t ct_len = strlen(content_type);
    if (ct_len >= sizeof(body->content_type)) {
        return -1;
    }
    memcpy(body->content_type, content_type, ct_len + 1);
    body->data = (const uint8_t *)data;
    body->len = len;
    return len > 0 ? 1 : 0;
}
