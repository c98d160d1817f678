/* libFuzzer target: arbitrary header values through every hiding
 * transform (Via, Record-Route, Contact, Call-ID, rewritten headers,
 * Refer-To, Replaces) and arbitrary bodies through the mcptt-info element
 * hiding of multipart/mixed; whenever hiding succeeds, restoring must give
 * back exactly the input (abort otherwise), and the output must not contain
 * the input's bytes beyond what the transform keeps by contract. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/topo/topo.h"
#include "mcsec/spk/xmlprot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mcsec_topo_t *topo_once(void)
{
    static mcsec_topo_t *topo;
    if (!topo) {
        if (mcsec_xmlprot_global_init() != MCSEC_OK)
            abort();
        static const char keys_text[] =
            "07 0707070707070707070707070707070707070707070707070707070707070707\n";
        mcsec_topo_keys_t *keys = NULL;
        if (mcsec_topo_keys_parse(keys_text, sizeof(keys_text) - 1, "fuzz", 0, 0, &keys, NULL, 0) !=
            MCSEC_OK)
            abort();
        mcsec_topo_config_t cfg = {0};
        cfg.border_host = (mcsec_str_t){"[2001:db8::5]:5060", 18};
        cfg.prev_key_validity = 3600;
        if (mcsec_topo_create_with_keys(keys, &cfg, &topo, NULL, 0) != MCSEC_OK)
            abort();
    }
    return topo;
}

static void same(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen || memcmp(a, b, alen) != 0)
        abort();
}

/* Splits data at NUL bytes: field 0 is the Call-ID, the others values. */
static size_t split(const uint8_t *data, size_t size, mcsec_str_t *fields, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < max; i++) {
        if (i == size || data[i] == 0) {
            fields[n++] = (mcsec_str_t){(const char *)data + start, i - start};
            start = i + 1;
        }
    }
    return n;
}

static void check_vias(mcsec_topo_t *topo, const mcsec_str_t *vias, size_t n, mcsec_str_t callid,
                       char *out, size_t cap, char *back)
{
    size_t len = 0, count = 0;
    if (n == 0 || mcsec_topo_hide_vias(topo, vias, n, callid, out, cap, &len) != MCSEC_OK)
        return;
    mcsec_str_t token;
    if (!mcsec_topo_via_token((mcsec_str_t){out, len}, &token))
        abort();
    mcsec_str_t items[8];
    mcsec_topo_error_t err;
    if (mcsec_topo_restore_vias(topo, token, callid, back, token.len, items, 8, &count, &err) !=
            MCSEC_OK ||
        count != n)
        abort();
    for (size_t i = 0; i < n; i++)
        same(items[i].ptr, items[i].len, vias[i].ptr, vias[i].len);
}

static void check_route(mcsec_topo_t *topo, mcsec_str_t entry, mcsec_str_t callid, char *out,
                        size_t cap, char *back)
{
    size_t len = 0, back_len = 0;
    mcsec_topo_error_t err;
    if (mcsec_topo_hide_route(topo, MCSEC_TOPO_RR, entry, callid, out, cap, &len) != MCSEC_OK)
        return;
    if (mcsec_topo_restore_route(topo, MCSEC_TOPO_RR, (mcsec_str_t){out, len}, callid, back, len,
                                 &back_len, &err) != MCSEC_OK)
        abort();
    same(back, back_len, entry.ptr, entry.len);
}

static void check_contact(mcsec_topo_t *topo, mcsec_str_t contact, mcsec_str_t callid, char *out,
                          size_t cap, char *back)
{
    size_t len = 0, back_len = 0;
    mcsec_topo_error_t err;
    if (mcsec_topo_hide_contact(topo, contact, callid, out, cap, &len) != MCSEC_OK)
        return;
    if (mcsec_topo_restore_contact_uri(topo, (mcsec_str_t){out, len}, callid, back, len, &back_len,
                                       &err) != MCSEC_OK)
        abort();
    /* The restored URI is a substring of the input, and the text after the
     * token URI is the input's tail. */
    const char *gt = memchr(out, '>', len);
    size_t tail = len - (size_t)(gt + 1 - out);
    if (back_len == 0 || back_len > contact.len || tail > contact.len ||
        memcmp(gt + 1, contact.ptr + contact.len - tail, tail) != 0)
        abort();
}

static void check_callid(mcsec_topo_t *topo, mcsec_str_t callid, char *out, size_t cap, char *back)
{
    size_t len = 0, back_len = 0;
    mcsec_topo_error_t err;
    if (mcsec_topo_hide_callid(topo, callid, out, cap, &len) != MCSEC_OK)
        return;
    if (!mcsec_topo_callid_is_token(topo, (mcsec_str_t){out, len}) ||
        mcsec_topo_restore_callid(topo, (mcsec_str_t){out, len}, back, len, &back_len, &err) !=
            MCSEC_OK)
        abort();
    same(back, back_len, callid.ptr, callid.len);
}

/* rewrite_hosts: the size it asks for is the size it writes. */
static void check_rewrite(mcsec_topo_t *topo, mcsec_str_t v)
{
    static char *names[] = {"a.example", "*.a.example"};
    const mcsec_strlist_t domains = {names, 2};
    size_t need = 0, len = 0;
    bool changed = false;
    mcsec_err_t rc = mcsec_topo_rewrite_hosts(topo, v, &domains, NULL, 0, &need, &changed);
    if (rc == MCSEC_OK && need != 0)
        abort();
    char *buf = malloc(need + 1);
    if (!buf)
        return;
    if (mcsec_topo_rewrite_hosts(topo, v, &domains, buf, need, &len, &changed) != MCSEC_OK ||
        len != need || (!changed && (len != v.len || memcmp(buf, v.ptr, len) != 0)))
        abort();
    free(buf);
}

#define FUZZ_HOST "2001:db8::5"

/* Whether v names our border host (it may then hold tokens of ours that
 * fail, or that restore to something else than the input). */
static bool names_us(mcsec_str_t v)
{
    const size_t n = sizeof(FUZZ_HOST) - 1;
    for (size_t i = 0; i + n <= v.len; i++)
        if (memcmp(v.ptr + i, FUZZ_HOST, n) == 0)
            return true;
    return false;
}

/* Refer-To and Replaces: the size asked for is the size written; what was
 * hidden restores: exactly, for a Replaces or a bracketed Refer-To without
 * a headers part; otherwise (an escaped Call-ID comes back escaped in
 * canonical form) hiding the restored value gives the same output again. */
static void check_refer(mcsec_topo_t *topo, mcsec_str_t v, mcsec_str_t callid, bool refer_to,
                        char *out, size_t cap, char *back)
{
    static char *names[] = {"b.example", "*.b.example"};
    const mcsec_strlist_t domains = {names, 2};
    const mcsec_topo_refer_rule_t rule = {&domains, v.len % 2 == 1};
    size_t need = 0, len = 0, back_len = 0;
    bool changed = false;
    mcsec_err_t rc = refer_to ? mcsec_topo_hide_refer_to(topo, v, &rule, NULL, 0, &need, &changed)
                              : mcsec_topo_hide_replaces(topo, v, &rule, NULL, 0, &need, &changed);
    if (rc != MCSEC_ERR_ARG || need > cap)
        return;
    rc = refer_to ? mcsec_topo_hide_refer_to(topo, v, &rule, out, need, &len, &changed)
                  : mcsec_topo_hide_replaces(topo, v, &rule, out, need, &len, &changed);
    if (rc != MCSEC_OK || len != need)
        abort();
    if (!changed || names_us(v))
        return;
    mcsec_topo_error_t err;
    rc = refer_to ? mcsec_topo_restore_refer_to(topo, (mcsec_str_t){out, len}, callid, back, cap,
                                                &back_len, &changed, &err)
                  : mcsec_topo_restore_replaces(topo, (mcsec_str_t){out, len}, back, cap, &back_len,
                                                &changed, &err);
    if (rc != MCSEC_OK || !changed)
        abort();
    if (!refer_to || (v.len > 0 && v.ptr[0] == '<' && !memchr(v.ptr, '?', v.len))) {
        same(back, back_len, v.ptr, v.len);
    } else {
        char *again = malloc(cap);
        size_t again_len = 0;
        if (again && (mcsec_topo_hide_refer_to(topo, (mcsec_str_t){back, back_len}, &rule, again,
                                               cap, &again_len, &changed) != MCSEC_OK ||
                      !changed))
            abort();
        if (again)
            same(again, again_len, out, len);
        free(again);
    }
}

/* A multipart/mixed body with an mcptt-info part holding the input: what
 * egress hides, ingress restores. */
static void check_body(mcsec_topo_t *topo, mcsec_str_t v)
{
    static char *names[] = {"mcptt-request-uri", "associated-group-id"};
    const mcsec_strlist_t listed = {names, 2};
    static const char head[] = "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
                               "--b\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n";
    static const char tail[] = "\r\n--b--\r\n";
    size_t n = sizeof(head) - 1 + v.len + sizeof(tail) - 1;
    uint8_t *body = malloc(n);
    if (!body)
        return;
    memcpy(body, head, sizeof(head) - 1);
    memcpy(body + sizeof(head) - 1, v.ptr, v.len);
    memcpy(body + sizeof(head) - 1 + v.len, tail, sizeof(tail) - 1);
    uint8_t *hidden = NULL, *back = NULL;
    size_t hidden_len = 0, back_len = 0;
    mcsec_topo_error_t err;
    const char *type = "multipart/mixed;boundary=b";
    mcsec_err_t rc = mcsec_topo_hide_body_elements(topo, type, body, n, &listed, NULL,
                                                   MCSEC_TOPO_EGRESS, &hidden, &hidden_len, &err);
    if (rc == MCSEC_OK && hidden) {
        if (memcmp(hidden, head, sizeof(head) - 1) != 0 || hidden_len < sizeof(tail) - 1 ||
            memcmp(hidden + hidden_len - (sizeof(tail) - 1), tail, sizeof(tail) - 1) != 0)
            abort();
        rc = mcsec_topo_hide_body_elements(topo, type, hidden, hidden_len, &listed, NULL,
                                           MCSEC_TOPO_INGRESS, &back, &back_len, &err);
        if (!names_us(v) && (rc != MCSEC_OK || !back))
            abort();
    }
    free(back);
    free(hidden);
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcsec_topo_t *topo = topo_once();
    mcsec_str_t fields[6];
    size_t n = split(data, size, fields, 6);
    size_t cap = 2 * size + 512;
    char *out = malloc(cap);
    char *back = malloc(cap);
    if (!out || !back) {
        free(out);
        free(back);
        return 0;
    }
    mcsec_str_t callid = fields[0];
    check_vias(topo, fields + 1, n - 1, callid, out, cap, back);
    for (size_t i = 1; i < n; i++) {
        check_route(topo, fields[i], callid, out, cap, back);
        check_contact(topo, fields[i], callid, out, cap, back);
        (void)mcsec_topo_header_stripped(fields[i], NULL);
        check_rewrite(topo, fields[i]);
        check_refer(topo, fields[i], callid, true, out, cap, back);
        check_refer(topo, fields[i], callid, false, out, cap, back);
        check_body(topo, fields[i]);
    }
    check_callid(topo, callid, out, cap, back);
    free(out);
    free(back);
    return 0;
}
