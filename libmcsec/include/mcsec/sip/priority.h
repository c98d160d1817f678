/* Priority marks of a SIP request for admission control (mcsec/util/admit.h):
 * Resource-Priority values in the MC namespaces mcpttp and mcpttq
 * (RFC 8101, priority 0..15) under the RFC 4412 syntax, and the MC emergency
 * and imminent peril indications of an mcptt-info body (TS 24.379,
 * <mcpttinfo><mcptt-Params><emergency-ind>/<imminentperil-ind>).
 *
 * Strict: a header value that breaks RFC 4412's grammar, or an MC namespace
 * value outside 0..15 (leading zeros, signs and spaces inside a value
 * included), makes the whole value MALFORMED, which the caller treats as
 * no mark (a request is never shed or admitted for a mark it got wrong).
 * Values in other namespaces are skipped (RFC 4412 4.2: unknown namespaces
 * are ignored). */
#ifndef MCSEC_SIP_PRIORITY_H
#define MCSEC_SIP_PRIORITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    MCSEC_PRIO_NONE = 0,  /* no MC priority value */
    MCSEC_PRIO_MARKED,    /* at least one mcpttp.N / mcpttq.N, all well formed */
    MCSEC_PRIO_MALFORMED, /* grammar or range broken somewhere in the value */
} mcsec_prio_mark_t;

/* One Resource-Priority header value (the text after the colon). */
mcsec_prio_mark_t mcsec_resource_priority_mark(const char *value, size_t len);

/* True when an mcptt-info part of body (Content-Type value content_type,
 * ct_len octets) sets <emergency-ind> or <imminentperil-ind> to true
 * (TS 24.379); false for anything else, a body the MIME walker or the XML
 * parser refuses included. */
bool mcsec_mcptt_info_emergency(const char *content_type, size_t ct_len, const uint8_t *body,
                                size_t len);

#endif
