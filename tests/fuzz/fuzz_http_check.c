/* libFuzzer target: arbitrary bytes as an HTTP request stream (framing
 * scanner, fed in two pieces split by the first octet), as a request
 * target, as header lines (parsed-list checks, allow-list), as identity
 * values through both policy checks, and as a body for the host rewrite. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/http_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *ours[] = {"a.mcx.example", "*.a.mcx.example"};
    static char *theirs[] = {"b.mcx.example"};
    static char *methods[] = {"GET", "PUT"};
    static char *prefixes[] = {"/xcap-root/", "/cms"};
    static char *types[] = {"application/xml"};
    static const char *internal[] = {"gms.a.internal", "10.0.0.5:8080"};
    mcsec_partner_t partner = {0};
    mcsec_policy_t policy = {0};
    partner.name = "system-b";
    partner.domains = (mcsec_strlist_t){theirs, 1};
    partner.http.enabled = true;
    partner.http.methods = (mcsec_strlist_t){methods, 2};
    partner.http.path_prefixes = (mcsec_strlist_t){prefixes, 2};
    partner.http.content_types = (mcsec_strlist_t){types, 1};
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
    if (mcsec_http_check_target(whole, &path) != MCSEC_REASON_NONE)
        path = whole;

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

    mcsec_str_t ids[16];
    for (size_t i = 0; i < count; i++)
        ids[i] = fields[i].value;
    mcsec_http_request_t req = {.method = {"PUT", 3},
                                .path = path,
                                .host = count ? fields[0].value : whole,
                                .asserted_ids = ids,
                                .asserted_id_count = count,
                                .content_type = count > 1 ? fields[1].value : whole,
                                .body_len = size,
                                .has_body = size > 0,
                                .header_bytes = size};
    mcsec_verdict_t verdict;
    mcsec_check_http_ingress(&policy, 0, &req, &verdict);
    mcsec_check_http_egress(&policy, &req, &verdict);
    mcsec_http_upstream_for(&partner, path);
    mcsec_http_rewritable_type(whole);

    char *out = NULL;
    size_t out_len = 0;
    if (mcsec_http_rewrite_hosts(whole, internal, 2, "border.a.mcx.example", &out, &out_len,
                                 NULL) == MCSEC_OK)
        free(out);
    return 0;
}
