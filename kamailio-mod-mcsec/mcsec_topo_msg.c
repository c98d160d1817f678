/* Parsing and rebuilding helpers of the topology adapter: see
 * mcsec_topo_msg.h. */
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"

#include "mcsec_log.h"
#include "mcsec_topo_msg.h"

/* Parses like topoh's th_prepare_msg: a SIP request or reply with every
 * header, From, To, Call-ID and a Via. */
int mcsec_topo_parse(struct sip_msg *msg, char *buf, int len)
{
    memset(msg, 0, sizeof(*msg));
    msg->buf = buf;
    msg->len = (unsigned int)len;
    if (parse_msg(buf, (unsigned int)len, msg) != 0) {
        return -1;
    }
    if (msg->first_line.type == SIP_REQUEST ? !IS_SIP(msg) : !IS_SIP_REPLY(msg)) {
        return -2;
    }
    if (parse_headers(msg, HDR_EOH_F, 0) == -1 || msg->via1 == NULL || msg->callid == NULL ||
        msg->via1->error != PARSE_OK) {
        return -3;
    }
    if (parse_from_header(msg) < 0 || parse_to_header(msg) < 0 || msg->to == NULL) {
        return -4;
    }
    return 0;
}

/* Frees the parsed headers. */
void mcsec_topo_unparse(struct sip_msg *msg)
{
    free_sip_msg(msg);
}

/* Allocates the arena. */
int mcsec_topo_edits_init(mcsec_topo_edits_t *edits, size_t arena_size)
{
    edits->count = 0;
    edits->failed = false;
    edits->arena_used = 0;
    edits->arena_size = arena_size;
    edits->arena = pkg_malloc(arena_size);
    if (edits->arena == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "memory", "out of private memory");
        return -1;
    }
    return 0;
}

/* Frees the arena. */
void mcsec_topo_edits_free(mcsec_topo_edits_t *edits)
{
    if (edits->arena != NULL) {
        pkg_free(edits->arena);
        edits->arena = NULL;
    }
}

/* Free space at the arena's end. */
char *mcsec_topo_edit_space(mcsec_topo_edits_t *edits, size_t *avail)
{
    *avail = edits->arena_size - edits->arena_used;
    return edits->arena + edits->arena_used;
}

/* Records an edit whose text was written at the arena's end. */
void mcsec_topo_edit_commit(mcsec_topo_edits_t *edits, int start, int end, size_t text_len)
{
    if (edits->count >= MCSEC_TOPO_MAX_EDITS || text_len > edits->arena_size - edits->arena_used ||
        start > end) {
        edits->failed = true;
        return;
    }
    mcsec_topo_edit_t *e = &edits->items[edits->count];
    e->start = start;
    e->end = end;
    e->text_off = (int)edits->arena_used;
    e->text_len = (int)text_len;
    e->seq = edits->count;
    edits->count++;
    edits->arena_used += text_len;
}

/* Copies text into the arena and records the edit. */
void mcsec_topo_edit_add(mcsec_topo_edits_t *edits, int start, int end, const char *text,
                         size_t len)
{
    size_t avail;
    char *space = mcsec_topo_edit_space(edits, &avail);
    if (len > avail) {
        edits->failed = true;
        return;
    }
    if (len > 0) {
        memcpy(space, text, len);
    }
    mcsec_topo_edit_commit(edits, start, end, len);
}

/* Resulting length. */
int mcsec_topo_edits_result_len(const mcsec_topo_edits_t *edits, int buf_len)
{
    long n = buf_len;
    for (int i = 0; i < edits->count; i++) {
        n += edits->items[i].text_len - (edits->items[i].end - edits->items[i].start);
    }
    return (int)n;
}

/* Orders by start, then insertions before replacements at one offset,
 * then insertion order. */
static bool edit_before(const mcsec_topo_edit_t *a, const mcsec_topo_edit_t *b)
{
    if (a->start != b->start) {
        return a->start < b->start;
    }
    bool a_insert = a->start == a->end;
    bool b_insert = b->start == b->end;
    if (a_insert != b_insert) {
        return a_insert;
    }
    return a->seq < b->seq;
}

/* Sorts (insertion sort: lists are short), checks, copies. */
int mcsec_topo_edits_apply(mcsec_topo_edits_t *edits, const char *buf, int buf_len, char *out,
                           int out_size)
{
    if (edits->failed) {
        return -1;
    }
    for (int i = 1; i < edits->count; i++) {
        mcsec_topo_edit_t key = edits->items[i];
        int j = i - 1;
        while (j >= 0 && edit_before(&key, &edits->items[j])) {
            edits->items[j + 1] = edits->items[j];
            j--;
        }
        edits->items[j + 1] = key;
    }
    int pos = 0;
    int o = 0;
    for (int i = 0; i < edits->count; i++) {
        const mcsec_topo_edit_t *e = &edits->items[i];
        if (e->start < pos || e->end > buf_len) {
            mcsec_logf(MCSEC_LOG_ERROR, "topo", "topo: overlapping edits at offset %d", e->start);
            return -1;
        }
        int keep = e->start - pos;
        if (o + keep + e->text_len >= out_size) {
            return -1;
        }
        memcpy(out + o, buf + pos, (size_t)keep);
        o += keep;
        memcpy(out + o, edits->arena + e->text_off, (size_t)e->text_len);
        o += e->text_len;
        pos = e->end;
    }
    if (o + (buf_len - pos) >= out_size) {
        return -1;
    }
    memcpy(out + o, buf + pos, (size_t)(buf_len - pos));
    o += buf_len - pos;
    out[o] = '\0';
    return o;
}

/* Blank, CR, LF, or (at the end) a comma. */
static bool is_trim(char c, bool end)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || (end && c == ',');
}

/* Trims. */
str mcsec_topo_trim(str s)
{
    while (s.len > 0 && is_trim(s.s[0], false)) {
        s.s++;
        s.len--;
    }
    while (s.len > 0 && is_trim(s.s[s.len - 1], true)) {
        s.len--;
    }
    return s;
}

/* From the body's "SIP/2.0" to just before the separator of the next body
 * in the same header, or to the header's end. */
str mcsec_topo_via_text(const struct hdr_field *hf, const struct via_body *vb)
{
    str text;
    text.s = vb->name.s;
    const char *end = vb->next != NULL ? vb->next->name.s : hf->body.s + hf->body.len;
    text.len = (int)(end - text.s);
    return mcsec_topo_trim(text);
}

/* Linear search over the parsed parameters. */
struct via_param *mcsec_topo_via_param(const struct via_body *vb, const char *name)
{
    size_t n = strlen(name);
    for (struct via_param *p = vb->param_lst; p != NULL; p = p->next) {
        if (p->name.len == (int)n && strncasecmp(p->name.s, name, n) == 0) {
            return p;
        }
    }
    return NULL;
}

/* Trimmed Call-ID body. */
str mcsec_topo_callid(const struct sip_msg *msg)
{
    str none = {NULL, 0};
    if (msg->callid == NULL) {
        return none;
    }
    return mcsec_topo_trim(msg->callid->body);
}

/* To-tag present. */
bool mcsec_topo_has_totag(struct sip_msg *msg)
{
    if (msg->to == NULL || (msg->to->parsed == NULL && parse_to_header(msg) < 0)) {
        return false;
    }
    return get_to(msg)->tag_value.len > 0;
}

/* See mcsec_topo_msg.h. */
mcsec_err_t mcsec_topo_edit_refer_headers(struct sip_msg *msg, mcsec_topo_edits_t *edits,
                                          mcsec_topo_refer_fn fn, void *arg, bool *failed_refer_to)
{
    for (struct hdr_field *hf = msg->headers; hf != NULL; hf = hf->next) {
        bool refer_to = hf->type == HDR_REFER_TO_T || mcsec_topo_hdr_is(hf, "Refer-To") ||
                        mcsec_topo_hdr_is(hf, "r");
        if (!refer_to && !mcsec_topo_hdr_is(hf, "Replaces")) {
            continue;
        }
        str value = mcsec_topo_trim(hf->body);
        size_t avail = 0;
        char *space = mcsec_topo_edit_space(edits, &avail);
        size_t len = 0;
        bool changed = false;
        mcsec_err_t rc = fn(arg, refer_to, mcsec_topo_mstr(value), space, avail, &len, &changed);
        if (rc != MCSEC_OK) {
            *failed_refer_to = refer_to;
            return rc;
        }
        if (changed) {
            int start = mcsec_topo_off(msg, value.s);
            mcsec_topo_edit_commit(edits, start, start + value.len, len);
        }
    }
    return MCSEC_OK;
}
