/* sip_msg -> mcsec_sip_request_t: see mcsec_sipview.h. */
#include <string.h>

#include "core/config.h"
#include "core/dprint.h"
#include "core/parser/parse_ppi_pai.h"
#include "core/parser/parse_uri.h"
#include "core/trim.h"

#include "mcsec_sipview.h"

/* Wraps a Kamailio str as an mcsec_str_t. */
static mcsec_str_t view_of(const str *s)
{
    mcsec_str_t v = {s->s, s->s != NULL && s->len > 0 ? (size_t)s->len : 0};
    return v;
}

/* Next hop of a parsed URI: host without IPv6 brackets, port or default. */
static void set_next_hop(const struct sip_uri *uri, mcsec_sip_request_t *req)
{
    str host = uri->host;
    if (host.len >= 2 && host.s[0] == '[' && host.s[host.len - 1] == ']') {
        host.s++;
        host.len -= 2;
    }
    req->next_hop_ip = view_of(&host);
    if (uri->port_no != 0) {
        req->next_hop_port = uri->port_no;
    } else {
        req->next_hop_port = uri->type == SIPS_URI_T ? SIPS_PORT : SIP_PORT;
    }
}

/* Collects every P-Asserted-Identity header body; -1 when one does not
 * parse or there are too many. */
static int fill_asserted_ids(struct sip_msg *msg, mcsec_sipview_t *view)
{
    if (msg->pai == NULL) {
        return 0;
    }
    if (parse_pai_header(msg) < 0) {
        return -1;
    }
    size_t count = 0;
    for (struct hdr_field *hf = msg->pai; hf != NULL; hf = next_sibling_hdr(hf)) {
        if (count == MCSEC_SIPVIEW_MAX_PAI) {
            return -1;
        }
        str body = hf->body;
        trim(&body);
        view->asserted_ids[count++] = view_of(&body);
    }
    view->req.asserted_ids = view->asserted_ids;
    view->req.asserted_id_count = count;
    return 0;
}

/* Fills view from msg; see the header. */
int mcsec_sipview_fill(struct sip_msg *msg, bool egress, mcsec_sipview_t *view)
{
    memset(view, 0, sizeof(*view));
    mcsec_sip_request_t *req = &view->req;

    int ip_len = ip_addr2sbuf(&msg->rcv.src_ip, view->src_ip, sizeof(view->src_ip) - 1);
    view->src_ip[ip_len > 0 ? ip_len : 0] = '\0';
    req->src_ip.ptr = view->src_ip;
    req->src_ip.len = strlen(view->src_ip);
    req->src_port = msg->rcv.src_port;

    bool reply = msg->first_line.type == SIP_REPLY;
    if (!reply && msg->first_line.type != SIP_REQUEST) {
        return -1;
    }
    if (parse_headers(msg, HDR_EOH_F, 0) < 0) {
        return -1;
    }
    if (!reply) {
        req->method = view_of(&msg->first_line.u.request.method);
        if (parse_sip_msg_uri(msg) < 0) {
            return -1;
        }
        req->ruri = view_of(GET_RURI(msg));
    }
    if (fill_asserted_ids(msg, view) != 0) {
        return -1;
    }
    if (msg->content_type != NULL) {
        str content_type = msg->content_type->body;
        trim(&content_type);
        req->content_type = view_of(&content_type);
    }
    char *body = get_body(msg);
    if (body != NULL && body >= msg->buf && body <= msg->buf + msg->len) {
        req->body_len = (size_t)(msg->buf + msg->len - body);
        req->body = (const uint8_t *)body;
    }
    /* Any Content-Encoding (long or compact "e" form, as the parser
     * types it): the check refuses it on a request with a body. */
    for (struct hdr_field *hf = msg->headers; hf != NULL; hf = hf->next) {
        if (hf->type == HDR_CONTENTENCODING_T) {
            str value = hf->body;
            trim(&value);
            req->content_encoding = view_of(&value);
            if (req->content_encoding.len == 0) {
                req->content_encoding = view_of(&hf->name);
            }
            break;
        }
    }
    if (egress && !reply) {
        if (msg->dst_uri.s != NULL && msg->dst_uri.len > 0) {
            struct sip_uri dst;
            if (parse_uri(msg->dst_uri.s, msg->dst_uri.len, &dst) < 0) {
                return -1;
            }
            set_next_hop(&dst, req);
        } else {
            set_next_hop(&msg->parsed_uri, req);
        }
    }
    return 0;
}
