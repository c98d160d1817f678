/* libFuzzer target: arbitrary bytes as an HTTP request stream (framing
 * scanner, fed in two pieces split by the first octet), as a request
 * target, as header lines (parsed-list checks, allow-list), as asserted
 * and intended identity values (up to 16 fields: past the shared limit)
 * through both policy checks, as a body for the encoding checks, the host
 * rewrite and the search for what the rewrite cannot reach. Invariants
 * abort: a target that passes has no path parameter and no dot segment; a
 * request with more identity fields than MCSEC_MAX_ASSERTED_IDS never
 * passes; the rewrite never leaves a whole internal host name. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/http/http_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *ours[] = {"a.mcx.example", "*.a.mcx.example"};
    static char *theirs[] = {"b.mcx.example"};
    static char *methods[] = {"GET", "PUT"};
    static char *prefixes[] = {"/xcap-root/", "/cms"};
    static char *types[] = {"application/xml", "multipart/mixed"};
    static const char *internal[] = {"gms.a.internal", "10.0.0.5:8080"};
    mcsec_partner_t partner = {0};
    mcsec_policy_t policy = {0};
    partner.name = "system-b";
    partner.domains = (mcsec_strlist_t){theirs, 1};
    partner.http.enabled = true;
    partner.http.methods = (mcsec_strlist_t){methods, 2};
    partner.http.path_prefixes = (mcsec_strlist_t){prefixes, 2};
    partner.http.content_types = (mcsec_strlist_t){types, 2};
    partner.http.max_body = 100;
    partner.http.max_header_bytes = 1000;
    policy.system.domains = (mcsec_strlist_t){ours, 2};
    policy.partners = &partner;
    policy.partner_count = 1;

    mcsec_http_framing_t scan;
    mcsec_http_framing_init(&scan, 512);
    size_t split = size > 0 ? data[0] % (size + 1) : 0;
    mcsec_http_framing_feed(&scan, data, split);
    mcsec_http_framing_feed(&scan, data + split, size - split);

    mcsec_str_t whole = {(const char *)data, size};
    mcsec_str_t path = {"", 0};
    if (mcsec_http_check_target(whole, &path) != MCSEC_REASON_NONE) {
        path = whole;
    } else {
        /* No path parameter, escaped or not, and no dot segment, even as
         * a servlet container reads "..;x". */
        if (memchr(path.ptr, ';', path.len))
            abort();
        for (size_t i = 0; i + 2 < path.len; i++)
            if (path.ptr[i] == '%' && path.ptr[i + 1] == '3' &&
                (path.ptr[i + 2] == 'b' || path.ptr[i + 2] == 'B'))
                abort();
        for (size_t i = 0; i + 1 < path.len; i++)
            if (path.ptr[i] == '/' && path.ptr[i + 1] == '.' &&
                (i + 2 == path.len || path.ptr[i + 2] == '/' ||
                 (path.ptr[i + 2] == '.' && (i + 3 == path.len || path.ptr[i + 3] == '/'))))
                abort();
    }

    /* Header lines "name:value" separated by LF. */
    mcsec_http_header_t fields[16];
    size_t count = 0;
    const char *p = (const char *)data, *end = p + size;
    while (p < end && count < 16) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        const char *colon = memchr(p, ':', (size_t)(line_end - p));
        if (colon) {
            fields[count].name = (mcsec_str_t){p, (size_t)(colon - p)};
            fields[count].value = (mcsec_str_t){colon + 1, (size_t)(line_end - colon - 1)};
            mcsec_http_header_allowed(fields[count].name, MCSEC_HTTP_REQUEST_HEADERS, "MCX-EAR");
            count++;
        }
        p = nl ? nl + 1 : end;
    }
    mcsec_http_check_headers(fields, count);

    /* Lines up to the first empty one are asserted identities, the rest
     * intended ones: both lists can exceed the limit. */
    mcsec_str_t ids[16];
    for (size_t i = 0; i < count; i++)
        ids[i] = fields[i].value;
    size_t asserted = size > 1 ? data[1] % (count + 1) : count;
    mcsec_http_request_t req = {.method = {"PUT", 3},
                                .path = path,
                                .host = count ? fields[0].value : whole,
                                .asserted_ids = ids,
                                .asserted_id_count = asserted,
                                .intended_ids = ids + asserted,
                                .intended_id_count = count - asserted,
                                .content_type = count > 1 ? fields[1].value : whole,
                                .body_len = size,
                                .has_body = size > 0,
                                .header_bytes = size};
    mcsec_verdict_t verdict;
    mcsec_check_http_ingress(&policy, 0, &req, &verdict);
    if (verdict.reason == MCSEC_REASON_NONE &&
        (asserted > MCSEC_MAX_ASSERTED_IDS || count - asserted > MCSEC_MAX_ASSERTED_IDS))
        abort();
    mcsec_check_http_egress(&policy, &req, &verdict);
    if (verdict.reason == MCSEC_REASON_NONE &&
        (asserted > MCSEC_MAX_ASSERTED_IDS || count - asserted > MCSEC_MAX_ASSERTED_IDS))
        abort();
    mcsec_http_check_content_encoding(ids, count);
    char detail[96];
    mcsec_http_check_body_text(count > 1 ? fields[1].value : whole, data, size, detail,
                               sizeof(detail));
    mcsec_http_check_body_types(&partner, count > 1 ? fields[1].value : whole, data, size, detail,
                                sizeof(detail));
    mcsec_http_upstream_for(&partner, path);
    mcsec_http_rewritable_type(whole);

    char *out = NULL;
    size_t out_len = 0;
    bool found = false;
    mcsec_http_names_internal_host(whole, internal, 2, &found);
    if (mcsec_http_rewrite_hosts(whole, internal, 2, "border.a.mcx.example", &out, &out_len,
                                 NULL) == MCSEC_OK) {
        /* What is left is no whole internal name the rewrite could have
         * seen: one more rewrite changes nothing. */
        char *again = NULL;
        size_t again_len = 0;
        bool changed = false;
        if (mcsec_http_rewrite_hosts((mcsec_str_t){out, out_len}, internal, 2,
                                     "border.a.mcx.example", &again, &again_len,
                                     &changed) == MCSEC_OK) {
            if (changed)
                abort();
            free(again);
        }
        mcsec_http_names_internal_host((mcsec_str_t){out, out_len}, internal, 2, &found);
        free(out);
    }
    return 0;
}
