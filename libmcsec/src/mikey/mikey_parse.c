/* The MIKEY-SAKKE I_MESSAGE parser (layout in mcsec/mikey/mikey.h): a bounded
 * cursor over the input; every read first checks the octets remaining, and
 * every repeated item has a fixed upper count. Nothing is allocated. */
#include <string.h>

#include "mcsec/mikey/mikey.h"
#include "mcsec/ibc/uid.h"

#include "util/cursor_internal.h"

static bool take_u8(cursor_t *c, uint8_t *value)
{
    const uint8_t *octet;
    if (!cursor_take(c, 1, &octet)) {
        return false;
    }
    *value = octet[0];
    return true;
}

static bool take_u16(cursor_t *c, size_t *value)
{
    const uint8_t *octets;
    if (!cursor_take(c, 2, &octets)) {
        return false;
    }
    *value = ((size_t)octets[0] << 8) | octets[1];
    return true;
}

static bool take_view(cursor_t *c, size_t n, mcsec_bytes_t *view)
{
    const uint8_t *ptr;
    if (!cursor_take(c, n, &ptr)) {
        return false;
    }
    view->ptr = ptr;
    view->len = n;
    return true;
}

/* Printable ASCII without spaces: URIs and KMS names as 3GPP KMSs write
 * them. A UID compared octet by octet needs nothing more. */
static bool id_text_valid(const mcsec_bytes_t *id)
{
    if (id->len == 0 || id->len > MCSEC_MIKEY_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < id->len; i++) {
        if (id->ptr[i] <= 0x20 || id->ptr[i] >= 0x7F) {
            return false;
        }
    }
    return true;
}

/* CS ID map info (RFC 3830 6.1.1, RFC 6043 6.1.1): its extent only. */
static bool parse_cs_map(cursor_t *c, mcsec_mikey_t *out)
{
    const uint8_t *start = c->p;
    if (out->cs_count > MCSEC_MIKEY_MAX_CS) {
        return false;
    }
    const uint8_t *skip;
    switch (out->cs_map_type) {
    case 0: /* SRTP-ID: policy (1), SSRC (4), ROC (4) per CS */
        if (!cursor_take(c, (size_t)out->cs_count * 9, &skip)) {
            return false;
        }
        break;
    case 1: /* empty map */
        break;
    case 2: /* GENERIC-ID */
        for (unsigned i = 0; i < out->cs_count; i++) {
            uint8_t cs_id;
            uint8_t prot_type;
            uint8_t s_and_count;
            size_t session_len;
            uint8_t spi_len;
            if (!take_u8(c, &cs_id) || !take_u8(c, &prot_type) || !take_u8(c, &s_and_count) ||
                !cursor_take(c, s_and_count & 0x7Fu, &skip) || !take_u16(c, &session_len) ||
                !cursor_take(c, session_len, &skip) || !take_u8(c, &spi_len) ||
                !cursor_take(c, spi_len, &skip)) {
                return false;
            }
        }
        break;
    default:
        return false;
    }
    out->cs_map_info.ptr = start;
    out->cs_map_info.len = (size_t)(c->p - start);
    return true;
}

static bool parse_idr(cursor_t *c, mcsec_mikey_t *out)
{
    uint8_t role;
    uint8_t type;
    size_t len;
    mcsec_bytes_t data;
    if (!take_u8(c, &role) || !take_u8(c, &type) || !take_u16(c, &len) ||
        !take_view(c, len, &data) || type > 2) {
        return false;
    }
    switch (role) {
    case MCSEC_MIKEY_IDR_I:
    case MCSEC_MIKEY_IDR_R:
    case MCSEC_MIKEY_IDR_KMSI:
    case MCSEC_MIKEY_IDR_KMSR:
        if (!id_text_valid(&data)) {
            return false;
        }
        break;
    case MCSEC_MIKEY_IDR_UIDI:
    case MCSEC_MIKEY_IDR_UIDR:
        if (len != MCSEC_MIKEY_UID_LEN) {
            return false;
        }
        break;
    default:
        return false;
    }
    if (out->idr[role].present) {
        return false;
    }
    out->idr[role] = (mcsec_mikey_idr_t){true, type, data};
    return true;
}

static bool parse_sakke(cursor_t *c, mcsec_mikey_t *out)
{
    size_t len;
    if (!take_u8(c, &out->sakke_params) || !take_u8(c, &out->sakke_id_scheme) ||
        !take_u16(c, &len) || !take_view(c, len, &out->sakke_data)) {
        return false;
    }
    return out->sakke_params == 1 && out->sakke_id_scheme == 2 &&
           len == MCSEC_MIKEY_SAKKE_SED_LEN && out->sakke_data.ptr[0] == 0x04;
}

/* The order payloads must come in; IDR and SP share a phase. */
enum { PHASE_T = 1, PHASE_RAND, PHASE_IDS, PHASE_SAKKE, PHASE_EXT };

static int phase_of(uint8_t type)
{
    switch (type) {
    case MCSEC_MIKEY_PT_T:
        return PHASE_T;
    case MCSEC_MIKEY_PT_RAND:
        return PHASE_RAND;
    case MCSEC_MIKEY_PT_IDR:
    case MCSEC_MIKEY_PT_SP:
        return PHASE_IDS;
    case MCSEC_MIKEY_PT_SAKKE:
        return PHASE_SAKKE;
    case MCSEC_MIKEY_PT_EXT:
        return PHASE_EXT;
    default:
        return 0;
    }
}

/* One payload of type `type` whose first octet (next payload) is read into
 * *next. Payloads that may appear once are refused the second time through
 * the phase order (a phase is entered once and only moved forward). */
static bool parse_payload(cursor_t *c, uint8_t type, int *phase, uint8_t *next, mcsec_mikey_t *out)
{
    int this_phase = phase_of(type);
    bool single =
        type == MCSEC_MIKEY_PT_T || type == MCSEC_MIKEY_PT_RAND || type == MCSEC_MIKEY_PT_SAKKE;
    if (this_phase == 0 || this_phase < *phase || (single && this_phase == *phase)) {
        return false;
    }
    if (*phase < PHASE_T && type != MCSEC_MIKEY_PT_T) {
        return false; /* T comes first */
    }
    if (*phase < PHASE_RAND && this_phase > PHASE_RAND) {
        return false; /* then RAND */
    }
    *phase = this_phase;
    if (!take_u8(c, next)) {
        return false;
    }
    const uint8_t *octets;
    size_t len;
    uint8_t len8;
    switch (type) {
    case MCSEC_MIKEY_PT_T:
        if (!take_u8(c, &out->ts_type) || out->ts_type > 1 || !cursor_take(c, 8, &octets)) {
            return false;
        }
        out->ts_value = 0;
        for (size_t i = 0; i < 8; i++) {
            out->ts_value = (out->ts_value << 8) | octets[i];
        }
        return true;
    case MCSEC_MIKEY_PT_RAND:
        return take_u8(c, &len8) && len8 >= 16 && take_view(c, len8, &out->rand);
    case MCSEC_MIKEY_PT_IDR:
        return parse_idr(c, out);
    case MCSEC_MIKEY_PT_SP: {
        uint8_t policy_no;
        uint8_t prot_type;
        if (out->sp_count >= MCSEC_MIKEY_MAX_SP || !take_u8(c, &policy_no) ||
            !take_u8(c, &prot_type) || !take_u16(c, &len) || !cursor_take(c, len, &octets)) {
            return false;
        }
        out->sp_count++;
        return true;
    }
    case MCSEC_MIKEY_PT_SAKKE:
        return parse_sakke(c, out);
    default: { /* MCSEC_MIKEY_PT_EXT */
        mcsec_mikey_ext_t *ext = &out->ext[out->ext_count];
        if (out->ext_count >= MCSEC_MIKEY_MAX_EXT || !take_u8(c, &ext->type) ||
            !take_u16(c, &len) || !take_view(c, len, &ext->data)) {
            return false;
        }
        out->ext_count++;
        return true;
    }
    }
}

/* SIGN (RFC 3830 6.5): 4-bit type, 12-bit length, signature; last. */
static bool parse_sign(cursor_t *c, const uint8_t *start, mcsec_mikey_t *out)
{
    size_t type_and_len;
    if (!take_u16(c, &type_and_len)) {
        return false;
    }
    out->sign_type = (uint8_t)(type_and_len >> 12);
    size_t len = type_and_len & 0x0FFFu;
    out->signed_part.ptr = start;
    out->signed_part.len = (size_t)(c->p - start);
    return out->sign_type == MCSEC_MIKEY_SIGN_ECCSI && len == MCSEC_MIKEY_SIG_LEN &&
           take_view(c, len, &out->signature) && c->left == 0;
}

mcsec_err_t mcsec_mikey_parse(const uint8_t *in, size_t n, mcsec_mikey_t *out)
{
    if (out == NULL) {
        return MCSEC_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (in == NULL || n > MCSEC_MIKEY_MAX_LEN) {
        return in == NULL ? MCSEC_ERR_ARG : MCSEC_ERR_PARSE;
    }
    cursor_t c = {in, n};
    const uint8_t *csb;
    uint8_t next;
    uint8_t v_prf;
    if (!take_u8(&c, &out->version) || !take_u8(&c, &out->data_type) || !take_u8(&c, &next) ||
        !take_u8(&c, &v_prf) || !cursor_take(&c, 4, &csb) || !take_u8(&c, &out->cs_count) ||
        !take_u8(&c, &out->cs_map_type)) {
        return MCSEC_ERR_PARSE;
    }
    out->prf = v_prf & 0x7Fu;
    out->csb_id = ((uint32_t)csb[0] << 24) | ((uint32_t)csb[1] << 16) | ((uint32_t)csb[2] << 8) |
                  (uint32_t)csb[3];
    if (out->version != MCSEC_MIKEY_VERSION || out->data_type != MCSEC_MIKEY_DATA_TYPE_SAKKE ||
        (v_prf & 0x80u) != 0 || out->prf > 1 || !parse_cs_map(&c, out)) {
        return MCSEC_ERR_PARSE;
    }
    /* Each payload takes at least two octets, so the loop ends within n/2
     * rounds whatever the message says. */
    int phase = 0;
    while (next != MCSEC_MIKEY_PT_SIGN) {
        uint8_t type = next;
        if (!parse_payload(&c, type, &phase, &next, out)) {
            return MCSEC_ERR_PARSE;
        }
    }
    if (out->sakke_data.ptr == NULL || !parse_sign(&c, in, out)) {
        return MCSEC_ERR_PARSE;
    }
    return MCSEC_OK;
}

unsigned mcsec_mikey_purpose(const mcsec_mikey_t *msg)
{
    return (unsigned)(msg->csb_id >> 28);
}

int64_t mcsec_mikey_unix_time(const mcsec_mikey_t *msg)
{
    uint64_t ntp_seconds = msg->ts_value >> 32;
    /* Era 1 starts in 2036: small NTP seconds belong to it. */
    if (ntp_seconds < (UINT64_C(1) << 31)) {
        ntp_seconds += UINT64_C(1) << 32;
    }
    return (int64_t)ntp_seconds - (int64_t)MCSEC_NTP_UNIX_OFFSET;
}
