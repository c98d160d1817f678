/* The partner's rules on an answer (issue 16, "Responses are policed like
 * requests"; docs/http-proxy.md "Answers"): what a partner answers us, and
 * what our servers answer a partner, meets the same content-type list and
 * body size as the requests between the two (partner.http). Only the
 * policy is read; nothing is allocated. */
#include <stdio.h>

#include "mcsec/http/http_check.h"
#include "sip/check_internal.h"

mcsec_reason_t mcsec_http_check_answer(const mcsec_partner_t *partner, mcsec_str_t content_type,
                                       const uint8_t *body, size_t len, char *detail,
                                       size_t detail_size)
{
    if (detail && detail_size > 0)
        detail[0] = '\0';
    const mcsec_http_rules_t *http = &partner->http;
    mcsec_str_t media = mcsec_media_type_of(content_type);
    if (len == 0)
        return MCSEC_REASON_NONE; /* nothing is relayed but the status */
    if (media.len == 0) {
        if (detail && detail_size > 0)
            snprintf(detail, detail_size, "answer body without type");
        return MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED;
    }
    if (!mcsec_media_type_listed(&http->content_types, media)) {
        if (detail && detail_size > 0)
            snprintf(detail, detail_size, "answer content type %.*s", (int)media.len, media.ptr);
        return MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED;
    }
    if (len > http->max_body) {
        if (detail && detail_size > 0)
            snprintf(detail, detail_size, "answer body octets %zu > %zu", len, http->max_body);
        return MCSEC_REASON_HTTP_BODY_TOO_LARGE;
    }
    return mcsec_http_check_body_types(partner, content_type, body, len, detail, detail_size);
}
