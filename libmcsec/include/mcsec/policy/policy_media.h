/* The media part of the policy model (policy.h includes it): our media
 * relay (system.media) and each partner's (partners[].media), for media
 * anchored at the border (docs/media.md). Loaded by policy_load_media.c;
 * arrays and strings are malloc'd and freed with the policy. */
#ifndef MCSEC_POLICY_MEDIA_H
#define MCSEC_POLICY_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest partners[].media.max_streams. */
#define MCSEC_MEDIA_MAX_STREAMS_LIMIT 64
#define MCSEC_MEDIA_MAX_STREAMS_DEFAULT 8
#define MCSEC_MEDIA_RELAY_ADDRESSES_MAX 16

/* system.media: our relay (rtpengine). enabled false = no media anchoring:
 * SDP crosses as any other body part. Addresses carry no port (port 0). */
typedef struct {
    bool enabled;
    mcsec_addr_t outside_address; /* rtpengine towards partners (inside IPsec) */
    mcsec_addr_t inside_address;  /* rtpengine towards our core */
    uint16_t port_min, port_max;  /* our relay's port range, both sides */
} mcsec_media_system_t;

/* partners[].media (required for every partner when system.media is set). */
typedef struct {
    bool set;
    mcsec_addr_t *relay_addresses; /* the partner relay's (outside) addresses */
    size_t relay_address_count;
    uint16_t port_min, port_max; /* the partner relay's port range */
    mcsec_strlist_t allow;       /* "<media> <proto>", lower case, one space */
    bool allow_insecure;         /* plain RTP/AVP, RTP/AVPF may be listed in allow */
    uint32_t max_streams;        /* m-lines with a port other than 0 */
} mcsec_media_rules_t;

/* True for the plain RTP profiles media.allow_insecure governs: RTP/AVP
 * (RFC 3551) and RTP/AVPF (RFC 4585), compared without regard to case
 * (a peer must not get round the rule by writing "rtp/avp"). */
bool mcsec_media_proto_insecure(const char *proto, size_t len);

#endif
