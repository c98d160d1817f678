/* What the SIP-3 and HTTP-3 border checks share: see check_internal.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check_internal.h"
#include "sip_uri.h"

void mcsec_verdict_init(mcsec_verdict_t *verdict)
{
    verdict->reason = MCSEC_REASON_NONE;
    verdict->partner = NULL;
    verdict->partner_index = -1;
    verdict->detail[0] = '\0';
}

void mcsec_verdict_set(mcsec_verdict_t *verdict, mcsec_reason_t reason, const char *label,
                       mcsec_str_t value)
{
    int shown = value.len > 96 ? 96 : (int)value.len;
    verdict->reason = reason;
    snprintf(verdict->detail, sizeof(verdict->detail), "%s%.*s", label, shown,
             value.ptr != NULL ? value.ptr : "");
}

mcsec_str_t mcsec_media_type_of(mcsec_str_t content_type)
{
    mcsec_str_t media = content_type;
    const char *semicolon = media.ptr != NULL ? memchr(media.ptr, ';', media.len) : NULL;
    if (semicolon != NULL) {
        media.len = (size_t)(semicolon - media.ptr);
    }
    return mcsec_str_trim_blank(media);
}

bool mcsec_media_type_listed(const mcsec_strlist_t *types, mcsec_str_t media)
{
    for (size_t i = 0; i < types->count; i++) {
        const char *item = types->items[i];
        if (strlen(item) == media.len && strncasecmp(item, media.ptr, media.len) == 0) {
            return true;
        }
    }
    return false;
}

bool mcsec_mime_part_type_listed(const mcsec_strlist_t *types, const mcsec_mime_part_t *part)
{
    return part->depth == 0 ||
           mcsec_media_type_listed(types, (mcsec_str_t){part->type, strlen(part->type)});
}

mcsec_str_t mcsec_str_trim_blank(mcsec_str_t text)
{
    while (text.len > 0 && (text.ptr[0] == ' ' || text.ptr[0] == '\t')) {
        text.ptr++;
        text.len--;
    }
    while (text.len > 0 && (text.ptr[text.len - 1] == ' ' || text.ptr[text.len - 1] == '\t')) {
        text.len--;
    }
    return text;
}

bool mcsec_str_is(mcsec_str_t text, const char *word)
{
    size_t n = strlen(word);
    return text.len == n && (n == 0 || strncasecmp(text.ptr, word, n) == 0);
}

static mcsec_str_t without_quotes(mcsec_str_t item)
{
    if (item.len >= 2 && item.ptr[0] == '"' && item.ptr[item.len - 1] == '"') {
        item.ptr++;
        item.len -= 2;
    }
    return item;
}

id_class_t mcsec_classify_identity(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                                   const mcsec_str_t *asserted_ids, size_t count, bool unquote,
                                   mcsec_str_t *shown)
{
    mcsec_str_t sip_host = {NULL, 0};
    size_t sip_count = 0;
    for (size_t h = 0; h < count; h++) {
        mcsec_str_t list = asserted_ids[h];
        mcsec_str_t item;
        mcsec_err_t err;
        while ((err = mcsec_split_next(&list, &item)) == MCSEC_OK) {
            mcsec_str_t host;
            if (unquote) {
                item = without_quotes(item);
            }
            mcsec_err_t uri_err = mcsec_sip_uri_host(item, &host);
            if (uri_err == MCSEC_ERR_ARG) {
                continue; /* tel: and other schemes are not identities here */
            }
            *shown = item;
            if (uri_err != MCSEC_OK) {
                return ID_MALFORMED;
            }
            sip_host = host;
            sip_count++;
        }
        if (err == MCSEC_ERR_PARSE) {
            *shown = asserted_ids[h];
            return ID_MALFORMED;
        }
    }
    if (sip_count == 0) {
        return ID_NONE;
    }
    if (sip_count > 1) {
        return ID_MALFORMED;
    }
    if (mcsec_domain_list_match(&policy->system.domains, sip_host)) {
        return ID_OURS;
    }
    if (partner != NULL && mcsec_domain_list_match(&partner->domains, sip_host)) {
        return ID_PARTNER;
    }
    return ID_ELSEWHERE;
}

/* See check_internal.h. */
bool mcsec_check_identity(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                          const mcsec_str_t *asserted_ids, size_t count, bool unquote, bool ingress,
                          bool required, mcsec_verdict_t *verdict)
{
    mcsec_str_t shown = {"", 0};
    if (count > MCSEC_MAX_ASSERTED_IDS) {
        /* One rule for both borders: every field is judged or the request
         * refused, never the first few (mcsec/sip/check.h). */
        char text[48];
        int n = snprintf(text, sizeof(text), "%zu > %d", count, MCSEC_MAX_ASSERTED_IDS);
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_MALFORMED, "asserted identity fields ",
                          (mcsec_str_t){text, (size_t)n});
        return false;
    }
    switch (mcsec_classify_identity(policy, ingress ? partner : NULL, asserted_ids, count, unquote,
                                    &shown)) {
    case ID_MALFORMED:
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_MALFORMED, "bad asserted identity ", shown);
        return false;
    case ID_NONE:
        if (required) {
            mcsec_verdict_set(verdict, MCSEC_REASON_SRC_NO_IDENTITY, "no SIP identity asserted",
                              (mcsec_str_t){"", 0});
            return false;
        }
        return true;
    case ID_OURS:
        if (ingress) {
            mcsec_verdict_set(verdict, MCSEC_REASON_SRC_INTERNAL_ID_SPOOF, "identity ", shown);
            return false;
        }
        return true;
    case ID_PARTNER:
        return true; /* only reachable on ingress */
    case ID_ELSEWHERE:
        mcsec_verdict_set(verdict,
                          ingress ? MCSEC_REASON_SRC_FOREIGN_ID : MCSEC_REASON_SRC_NOT_INTERNAL,
                          "identity ", shown);
        return false;
    }
    return true;
}
