/* libFuzzer target: arbitrary bytes through the MIME walker (mcsec/mime/mime.h)
 * and the UTF-8 rule for the leaves read as XML. The input is a Content-Type value, a
 * line feed, then the body; every visited part's views must lie inside the
 * body (checked here, so ASan and this check together prove "never read
 * past len"). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/mime/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *body;
    size_t len;
    size_t visits;
} ctx_t;

static int visit(const mcsec_mime_part_t *part, void *arg)
{
    ctx_t *ctx = arg;
    if (part->body_len > 0 &&
        (part->body < ctx->body || part->body + part->body_len > ctx->body + ctx->len))
        abort();
    if (part->depth > MCSEC_MIME_MAX_DEPTH || ++ctx->visits > MCSEC_MIME_MAX_PARTS)
        abort();
    bool as_xml = mcsec_mime_reads_as_xml(part);
    if (part->container ? as_xml : (mcsec_mime_is_xml(part->type) && !as_xml))
        abort(); /* every XML-typed leaf, no container, is read as XML */
    if (as_xml)
        (void)mcsec_mime_xml_not_utf8(part->charset, part->body, part->body_len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl == NULL)
        return 0;
    size_t ct_len = (size_t)(nl - data);
    /* Copies on the heap, exactly sized, so ASan sees any overread. */
    char *ct = malloc(ct_len ? ct_len : 1);
    size_t len = size - ct_len - 1;
    uint8_t *body = malloc(len ? len : 1);
    if (ct == NULL || body == NULL)
        abort();
    memcpy(ct, data, ct_len);
    memcpy(body, nl + 1, len);
    ctx_t ctx = {body, len, 0};
    const char *fault = NULL;
    (void)mcsec_mime_walk(ct, ct_len, body, len, visit, &ctx, &fault);
    (void)mcsec_mime_xml_not_utf8(NULL, body, len);
    free(ct);
    free(body);
    return 0;
}
