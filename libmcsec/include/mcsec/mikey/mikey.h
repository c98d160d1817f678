/* MIKEY-SAKKE I_MESSAGEs (RFC 3830, RFC 6043, RFC 6509; TS 33.180 Annex E):
 * the parser the GMK transfer check (gmk_check.h) and mcsecctl use, and the
 * text forms the message travels in.
 *
 * Accepted layout (our strict profile of RFC 6509 section 4.2 and TS 33.180
 * Annex E; docs/profile.md section 7):
 *   HDR      version 1, data type 26 (SAKKE), V bit 0, PRF 0 or 1, CSB-ID,
 *            #CS and a CS ID map of type 0 (SRTP-ID), 1 (empty) or 2
 *            (GENERIC-ID)
 *   T        exactly one, first; TS type 0 (NTP-UTC) or 1 (NTP), 64 bits
 *   RAND     exactly one, second; 16..255 octets
 *   IDR, SP  any order: IDR roles 1 IDRi, 2 IDRr, 6 IDRkmsi, 7 IDRkmsr,
 *            8 IDRuidi, 9 IDRuidr, each at most once, ID types 0..2; URI
 *            roles hold 1..MCSEC_MIKEY_ID_MAX octets of printable ASCII, UID
 *            roles exactly 32 octets; at most MCSEC_MIKEY_MAX_SP SPs
 *   SAKKE    exactly one: parameter set 1, ID scheme 2 (3GPP hashed UID),
 *            SED of 273 octets (R = 04||x||y, 257 octets, then H, 16)
 *   EXT      general extensions (any type), at most MCSEC_MIKEY_MAX_EXT
 *   SIGN     last, type 2 (ECCSI), length 129; nothing may follow it
 * Anything else (other payload types, a CERT, a second T, a payload out of
 * this order, a length past the end, octets left over) is refused.
 *
 * Contract: the parser reads only the n octets it is given, allocates
 * nothing and fills views into the input (the input must outlive the parsed
 * message). Every count is bounded by the constants below, whatever the
 * lengths in the message say. */
#ifndef MCSEC_MIKEY_H
#define MCSEC_MIKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_MIKEY_VERSION 1
#define MCSEC_MIKEY_DATA_TYPE_SAKKE 26
#define MCSEC_MIKEY_MAX_LEN 4096 /* longer input is refused unread */
#define MCSEC_MIKEY_MAX_CS 8     /* crypto sessions in the CS ID map */
#define MCSEC_MIKEY_MAX_SP 4
#define MCSEC_MIKEY_MAX_EXT 4
#define MCSEC_MIKEY_ID_MAX 1024 /* IDR data octets for URI roles */
#define MCSEC_MIKEY_UID_LEN 32
#define MCSEC_MIKEY_SAKKE_SED_LEN 273 /* R (257) || H (16) */
#define MCSEC_MIKEY_SIGN_ECCSI 2
#define MCSEC_MIKEY_SIG_LEN 129 /* r || s || PVT */

/* Payload types (RFC 3830 6.1, RFC 6043, RFC 6509). */
enum {
    MCSEC_MIKEY_PT_LAST = 0,
    MCSEC_MIKEY_PT_SIGN = 4,
    MCSEC_MIKEY_PT_T = 5,
    MCSEC_MIKEY_PT_SP = 10,
    MCSEC_MIKEY_PT_RAND = 11,
    MCSEC_MIKEY_PT_IDR = 14,
    MCSEC_MIKEY_PT_EXT = 21,
    MCSEC_MIKEY_PT_SAKKE = 26,
};

/* IDR roles (RFC 6043 6.6; 8 and 9 from TS 33.180). */
enum {
    MCSEC_MIKEY_IDR_I = 1,
    MCSEC_MIKEY_IDR_R = 2,
    MCSEC_MIKEY_IDR_KMSI = 6,
    MCSEC_MIKEY_IDR_KMSR = 7,
    MCSEC_MIKEY_IDR_UIDI = 8,
    MCSEC_MIKEY_IDR_UIDR = 9,
};

/* Purpose tags: the top 4 bits of a key ID such as the CSB-ID (TS 33.180 clause 5). */
enum {
    MCSEC_KEY_PURPOSE_GMK = 0,
    MCSEC_KEY_PURPOSE_PCK = 1,
    MCSEC_KEY_PURPOSE_CSK = 2,
    MCSEC_KEY_PURPOSE_SPK = 3,
    MCSEC_KEY_PURPOSE_MKFC = 4,
};

typedef struct {
    const uint8_t *ptr;
    size_t len;
} mcsec_bytes_t;

typedef struct {
    bool present;
    uint8_t type; /* 0 NAI, 1 URI, 2 byte string */
    mcsec_bytes_t data;
} mcsec_mikey_idr_t;

typedef struct {
    uint8_t type;
    mcsec_bytes_t data;
} mcsec_mikey_ext_t;

typedef struct {
    /* HDR */
    uint8_t version;
    uint8_t data_type;
    uint8_t prf;
    uint32_t csb_id;
    uint8_t cs_count;
    uint8_t cs_map_type;
    mcsec_bytes_t cs_map_info;
    /* T */
    uint8_t ts_type;
    uint64_t ts_value; /* NTP: seconds in the top 32 bits, fraction below */
    mcsec_bytes_t rand;
    /* IDR, indexed by role (1..9; 0 and 3..5 never present) */
    mcsec_mikey_idr_t idr[10];
    size_t sp_count;
    /* SAKKE */
    uint8_t sakke_params;
    uint8_t sakke_id_scheme;
    mcsec_bytes_t sakke_data;
    mcsec_mikey_ext_t ext[MCSEC_MIKEY_MAX_EXT];
    size_t ext_count;
    /* SIGN: the signature covers signed (every octet before it). */
    uint8_t sign_type;
    mcsec_bytes_t signed_part;
    mcsec_bytes_t signature; /* MCSEC_MIKEY_SIG_LEN octets */
} mcsec_mikey_t;

/* Parses one I_MESSAGE into *out (zeroed first). MCSEC_ERR_PARSE for
 * anything outside the layout above, MCSEC_ERR_ARG for NULL pointers. */
mcsec_err_t mcsec_mikey_parse(const uint8_t *in, size_t n, mcsec_mikey_t *out);

/* The purpose tag of the CSB-ID. */
unsigned mcsec_mikey_purpose(const mcsec_mikey_t *msg);

/* T as Unix seconds (NTP era 0 until 2036, era 1 after: RFC 4330 3). */
int64_t mcsec_mikey_unix_time(const mcsec_mikey_t *msg);

/* Decodes one I_MESSAGE from the forms it travels in: raw octets (first
 * octet 0x01), standard base64 (padding optional, whitespace ignored),
 * the SDP key-mgmt form "mikey <base64>" (optionally after "a=key-mgmt:"),
 * or hex (the <GKTP> element's content; whitespace ignored). out gets the
 * octets (at most out_size; MCSEC_MIKEY_MAX_LEN always suffices).
 * MCSEC_ERR_PARSE when the text is none of these or decodes to more than
 * out_size octets. */
mcsec_err_t mcsec_mikey_decode_text(const uint8_t *in, size_t n, uint8_t *out, size_t out_size,
                                    size_t *out_len);

/* Hex only (GKTP content): whitespace ignored, an even number of digits of
 * either case. MCSEC_ERR_PARSE otherwise or when longer than out_size. */
mcsec_err_t mcsec_mikey_decode_hex(const uint8_t *in, size_t n, uint8_t *out, size_t out_size,
                                   size_t *out_len);

#endif
