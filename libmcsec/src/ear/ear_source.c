/* The EAR source binding (docs/ear.md, "Source binding"; contract in
 * mcsec/ear/ear.h, mcsec_ear_check_source): an EAR authenticates the
 * request of the entity that signed it, so its source ID must be the
 * request's asserted identity, or the sending border's identity when that
 * border signed on its servers' behalf (source role border proxy). Reads
 * only the views it is given; allocates nothing. */
#include <stdio.h>
#include <string.h>

#include "mcsec/ear/ear.h"
#include "sip/sip_uri.h"

static mcsec_str_t without_quotes(mcsec_str_t item)
{
    if (item.len >= 2 && item.ptr[0] == '"' && item.ptr[item.len - 1] == '"') {
        item.ptr++;
        item.len -= 2;
    }
    return item;
}

/* Whether uri is the addr-spec of an item of one asserted identity field.
 * A field that does not split is judged no further (the identity check of
 * both borders refuses it before the EAR stage). */
static bool field_names(mcsec_str_t field, bool quoted, mcsec_str_t uri)
{
    mcsec_str_t item;
    while (mcsec_split_next(&field, &item) == MCSEC_OK) {
        mcsec_str_t spec;
        if (quoted) {
            item = without_quotes(item);
        }
        if (mcsec_sip_addr_spec(item, &spec) == MCSEC_OK && mcsec_ear_uri_equal(spec, uri)) {
            return true;
        }
    }
    return false;
}

mcsec_reason_t mcsec_ear_check_source(const mcsec_ear_t *ear, const mcsec_ear_sender_t *sender,
                                      char *detail, size_t detail_size)
{
    if (ear != NULL && sender != NULL && ear->source_id.ptr != NULL) {
        for (size_t i = 0; sender->asserted_ids != NULL && i < sender->asserted_id_count; i++) {
            if (field_names(sender->asserted_ids[i], sender->quoted, ear->source_id)) {
                return MCSEC_REASON_NONE;
            }
        }
        if (ear->source_role == MCSEC_EAR_ROLE_BORDER_PROXY && sender->border_identity != NULL &&
            mcsec_ear_uri_equal(ear->source_id, (mcsec_str_t){sender->border_identity,
                                                              strlen(sender->border_identity)})) {
            return MCSEC_REASON_NONE;
        }
    }
    if (detail != NULL && detail_size > 0) {
        int shown = ear == NULL || ear->source_id.len > 80 ? 80 : (int)ear->source_id.len;
        snprintf(detail, detail_size,
                 "source ID %.*s is neither the asserted identity nor the sending border",
                 ear != NULL && ear->source_id.ptr != NULL ? shown : 0,
                 ear != NULL && ear->source_id.ptr != NULL ? ear->source_id.ptr : "");
    }
    return MCSEC_REASON_EAR_SOURCE_MISMATCH;
}
