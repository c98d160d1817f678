/* What the SIP-3 (check.c) and HTTP-3 (http_check.c) border checks share:
 * verdicts, media types and the classes of asserted identities. Internal
 * to libmcsec. */
#ifndef MCSEC_CHECK_INTERNAL_H
#define MCSEC_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "mcsec/sip/check.h"
#include "mcsec/mime/mime.h"

/* Identity classes of an asserted identity, relative to one partner. */
typedef enum {
    ID_NONE,      /* no sip/sips URI asserted */
    ID_MALFORMED, /* a value could not be parsed, or more than one SIP URI */
    ID_OURS,      /* host in our domains */
    ID_PARTNER,   /* host in the partner's domains */
    ID_ELSEWHERE, /* anyone else */
} id_class_t;

/* No reason, no partner (index -1), empty detail. */
void mcsec_verdict_init(mcsec_verdict_t *verdict);

/* Sets the reason and a log detail "<label><value>", the value cut to 96
 * octets so a hostile header cannot flood the log. */
void mcsec_verdict_set(mcsec_verdict_t *verdict, mcsec_reason_t reason, const char *label,
                       mcsec_str_t value);

/* type/subtype of a Content-Type value, without parameters or blanks. */
mcsec_str_t mcsec_media_type_of(mcsec_str_t content_type);

/* The content-type allow-list rule of both proxies, one rule for SIP
 * (partner.sip.content_types) and HTTP (partner.http.content_types); see
 * docs/policy-reference.md. A media type is listed when an entry equals
 * it without regard to case (RFC 2045 5.1). */
bool mcsec_media_type_listed(const mcsec_strlist_t *types, mcsec_str_t media);

/* The same rule for one part the MIME walker visits (mcsec/mime/mime.h): every
 * part below the body, each nested container and each leaf, must have its
 * type listed; a part without Content-Type is text/plain (RFC 2046 5.1,
 * as the walker reads it). The body itself (depth 0) passes here: the
 * request rules judge it from its header before the body is read. */
bool mcsec_mime_part_type_listed(const mcsec_strlist_t *types, const mcsec_mime_part_t *part);

/* text without leading and trailing blanks (SP, HTAB: RFC 9110 5.6.3 OWS). */
mcsec_str_t mcsec_str_trim_blank(mcsec_str_t text);

/* Whether text is word, without regard to ASCII case (field names, tokens). */
bool mcsec_str_is(mcsec_str_t text, const char *word);

/* Classifies every asserted identity (count header values, each a list).
 * RFC 3325 allows one SIP or SIPS URI (plus one tel URI); two SIP URIs are
 * malformed. With unquote, an item in double quotes is taken without them.
 * *shown is set to the identity that decided the class, for the log
 * detail. partner may be NULL. */
id_class_t mcsec_classify_identity(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                                   const mcsec_str_t *asserted_ids, size_t count, bool unquote,
                                   mcsec_str_t *shown);

/* The identity rule of both borders: more than MCSEC_MAX_ASSERTED_IDS
 * fields is sip.malformed (never judged in part); then classifies the
 * asserted identities (partner is used on ingress only) and refuses
 * malformed ones, a missing
 * one when required, ours arriving from a partner (ingress) and anyone
 * else's. Returns false with the verdict set when refused. */
bool mcsec_check_identity(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                          const mcsec_str_t *asserted_ids, size_t count, bool unquote, bool ingress,
                          bool required, mcsec_verdict_t *verdict);

#endif
