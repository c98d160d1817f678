/* The only URI resolver xmlsec gets: cid: URLs (RFC 2392) naming a body
 * part of the message being processed on this thread. Everything else
 * (file:, http:, ftp:, relative paths) finds no handler and fails. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlIO.h>
#include <xmlsec/io.h>

#include "xmlprot_internal.h"

static _Thread_local const xp_cid_part_t *current_parts;
static _Thread_local size_t current_count;

typedef struct {
    const uint8_t *data;
    size_t len;
    size_t pos;
} cid_reader_t;

void xp_cid_set_parts(const xp_cid_part_t *parts, size_t count)
{
    current_parts = parts;
    current_count = parts ? count : 0;
}

static const xp_cid_part_t *find_part(const char *uri)
{
    if (!uri || strncasecmp(uri, "cid:", 4) != 0)
        return NULL;
    const char *cid = uri + 4;
    size_t len = strlen(cid);
    for (size_t i = 0; i < current_count; i++)
        if (current_parts[i].cid_len == len && memcmp(current_parts[i].cid, cid, len) == 0)
            return &current_parts[i];
    return NULL;
}

static int cid_match(const char *uri)
{
    return find_part(uri) != NULL;
}

static void *cid_open(const char *uri)
{
    const xp_cid_part_t *part = find_part(uri);
    if (!part)
        return NULL;
    cid_reader_t *reader = calloc(1, sizeof(*reader));
    if (reader) {
        reader->data = part->data;
        reader->len = part->len;
    }
    return reader;
}

static int cid_read(void *context, char *buffer, int len)
{
    cid_reader_t *reader = context;
    if (!reader || len < 0)
        return -1;
    size_t n = reader->len - reader->pos;
    if (n > (size_t)len)
        n = (size_t)len;
    memcpy(buffer, reader->data + reader->pos, n);
    reader->pos += n;
    return (int)n;
}

static int cid_close(void *context)
{
    free(context);
    return 0;
}

int xp_cid_register(void)
{
    return xmlSecIORegisterCallbacks(cid_match, cid_open, cid_read, cid_close);
}
