/* Reading and replacing a request body: see mcsec_spk_body.h. */
#include <limits.h>
#include <stdbool.h>
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

/* The body lump the last replacement inserted, per process, tied to its
 * message (id and pid, as Kamailio numbers received messages per
 * process), so that a later change of the body (mcsec_body_out_set())
 * edits that one lump instead of adding a second replacement. */
static struct {
    bool set;
    unsigned int msg_id;
    int msg_pid;
    struct lump *body; /* in msg->body_lumps, pkg */
    char content_type[MCSEC_SPK_MAX_CONTENT_TYPE];
} proc_out;

/* Inserts a pkg copy of text after anchor; the new lump, or NULL. */
static struct lump *insert_copy_lump(struct lump *anchor, const char *text, size_t len)
{
    char *copy = pkg_malloc(len);
    if (copy == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: out of pkg memory");
        return NULL;
    }
    memcpy(copy, text, len);
    struct lump *inserted = insert_new_lump_after(anchor, copy, (int)len, 0);
    if (inserted == NULL) {
        pkg_free(copy);
    }
    return inserted;
}

/* Inserts a pkg copy of text after anchor; -1 on failure. */
static int insert_copy(struct lump *anchor, const char *text, size_t len)
{
    return insert_copy_lump(anchor, text, len) != NULL ? 0 : -1;
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
    struct lump *inserted =
        body_anchor != NULL
            ? insert_copy_lump(body_anchor, (const char *)replacement->data, replacement->len)
            : NULL;
    if (inserted == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: cannot insert the new body");
        return -1;
    }
    size_t ct_len = strlen(replacement->content_type);
    proc_out.set = ct_len < sizeof(proc_out.content_type);
    if (proc_out.set) {
        proc_out.msg_id = msg->id;
        proc_out.msg_pid = msg->pid;
        proc_out.body = inserted;
        memcpy(proc_out.content_type, replacement->content_type, ct_len + 1);
    }
    return 0;
}

/* True when l is in the lump list starting at root (the lumps and what
 * hangs before and after each). */
static bool lump_in(const struct lump *root, const struct lump *l)
{
    for (const struct lump *top = root; top != NULL; top = top->next) {
        for (const struct lump *a = top; a != NULL; a = a->after) {
            if (a == l) {
                return true;
            }
        }
        for (const struct lump *b = top->before; b != NULL; b = b->before) {
            if (b == l) {
                return true;
            }
        }
    }
    return false;
}

/* True when l is still among msg's lumps (body anchors live in
 * body_lumps; a 502 rewrite, for one, drops them all). */
static bool lump_present(const struct sip_msg *msg, const struct lump *l)
{
    return lump_in(msg->body_lumps, l) || lump_in(msg->add_rm, l);
}

/* The recorded body lump of msg in *l: 1 with it, 0 when no replacement
 * of msg was recorded (its own body goes on), -1 when one was but its
 * lump is gone (fail closed: the own body is not what would be sent). */
static int out_lump(const struct sip_msg *msg, struct lump **l)
{
    *l = NULL;
    if (!proc_out.set || msg->id != proc_out.msg_id || msg->pid != proc_out.msg_pid) {
        return 0;
    }
    if (!lump_present(msg, proc_out.body)) {
        return -1;
    }
    *l = proc_out.body;
    return 1;
}

/* See mcsec_spk_body.h. */
int mcsec_body_out_get(struct sip_msg *msg, mcsec_spk_sip_body_t *body)
{
    struct lump *l = NULL;
    int rc = out_lump(msg, &l);
    if (rc <= 0) {
        return rc == 0 ? mcsec_spk_body_get(msg, body) : -1;
    }
    memset(body, 0, sizeof(*body));
    memcpy(body->content_type, proc_out.content_type, sizeof(body->content_type));
    body->data = (const uint8_t *)l->u.value;
    body->len = (size_t)l->len;
    return body->len > 0 ? 1 : 0;
}

/* See mcsec_spk_body.h. */
int mcsec_body_out_set(struct sip_msg *msg, const char *content_type, const uint8_t *data,
                       size_t len)
{
    struct lump *l = NULL;
    int rc = out_lump(msg, &l);
    if (rc < 0 || len == 0 || len > INT_MAX) {
        return -1;
    }
    if (rc == 0) {
        mcsec_body_t replacement = {(char *)content_type, (uint8_t *)data, len};
        return mcsec_spk_body_replace(msg, &replacement);
    }
    char *copy = pkg_malloc(len);
    if (copy == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "out of pkg memory");
        return -1;
    }
    memcpy(copy, data, len);
    pkg_free(l->u.value);
    l->u.value = copy;
    l->len = (int)len;
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
