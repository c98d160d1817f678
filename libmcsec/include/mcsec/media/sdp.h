/* A strict line-level reader of SDP (RFC 8866, which obsoletes RFC 4566):
 * what the media rules (media.h) need of a session description, and no
 * more. It checks the line grammar (`<type>=<value>`, type a lower-case
 * letter, v= then o= then s= first, one c= per level, every active m-line
 * with a connection address) and collects every place that names a
 * transport address: o=, c= (session and media level), m= ports,
 * a=rtcp (RFC 3605), a=candidate (RFC 8839, also its raddr/rport) and
 * a=remote-candidates. Other attributes are not interpreted.
 *
 * Limits: lines of at most MCSEC_SDP_MAX_LINE octets, at most
 * MCSEC_SDP_MAX_LINES lines, MCSEC_SDP_MAX_MEDIA m-lines (more: too_many
 * is set and the rest is still read for syntax), MCSEC_SDP_MAX_ADDRS
 * addresses. Lines end in CRLF or a lone LF (RFC 8866 5 lets parsers
 * accept LF); a CR not followed by LF, NUL or any other control octet but
 * HTAB is refused.
 *
 * Contract: views only; nothing is allocated and nothing is read past len. */
#ifndef MCSEC_MEDIA_SDP_H
#define MCSEC_MEDIA_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_SDP_MAX_LINE 4096
#define MCSEC_SDP_MAX_LINES 1024
#define MCSEC_SDP_MAX_MEDIA 64
#define MCSEC_SDP_MAX_ADDRS 256
#define MCSEC_SDP_ADDR_TEXT 64

/* Where an address was found. */
typedef enum {
    MCSEC_SDP_AT_ORIGIN = 0,     /* o= unicast-address */
    MCSEC_SDP_AT_CONNECTION,     /* c= (session level when media is -1) */
    MCSEC_SDP_AT_RTCP,           /* a=rtcp port [address] */
    MCSEC_SDP_AT_CANDIDATE,      /* a=candidate connection-address port */
    MCSEC_SDP_AT_CANDIDATE_RADDR /* a=candidate ... raddr/rport */
} mcsec_sdp_at_t;

typedef struct {
    mcsec_sdp_at_t at;
    unsigned line; /* 1-based */
    int media;     /* index of the m-line it belongs to, -1 session level */
    int family;    /* AF_INET, AF_INET6; 0: a name or no address (a=rtcp port only) */
    uint8_t bin[16];
    char text[MCSEC_SDP_ADDR_TEXT]; /* the address as written (cut), "" when none */
    bool has_port;
    uint16_t port;
} mcsec_sdp_addr_t;

typedef struct {
    const char *media; /* token, view into the SDP */
    size_t media_len;
    const char *proto; /* proto (tokens joined by '/') */
    size_t proto_len;
    const char *fmts; /* the formats, SP separated (at least one) */
    size_t fmts_len;
    uint16_t port;       /* 0: a disabled stream (RFC 3264 5.1, 6) */
    uint16_t port_count; /* 1 unless "port/count" */
    unsigned line;
} mcsec_sdp_media_t;

typedef struct {
    mcsec_sdp_media_t media[MCSEC_SDP_MAX_MEDIA];
    size_t media_count;
    bool too_many; /* more m-lines than MCSEC_SDP_MAX_MEDIA */
    size_t media_total;
    mcsec_sdp_addr_t addrs[MCSEC_SDP_MAX_ADDRS];
    size_t addr_count;
} mcsec_sdp_t;

/* Reads sdp (len octets) into *out. MCSEC_OK, or MCSEC_ERR_PARSE with a
 * short text (line number and what) in why. */
mcsec_err_t mcsec_sdp_read(const uint8_t *sdp, size_t len, mcsec_sdp_t *out, char *why,
                           size_t why_size);

#endif
