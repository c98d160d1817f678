/* Shared inside the topology-hiding files: the context and the byte-level
 * token seal/open the transforms build on. Not part of the public API. */
#ifndef MCSEC_TOPO_INTERNAL_H
#define MCSEC_TOPO_INTERNAL_H

#include "mcsec/topo/topo.h"
#include "mcsec/topo/topo_token.h"

#define TOPO_FORMAT_V1 0x01u
#define TOPO_FORMAT_TIME 0x80u
#define TOPO_HEADER_MAX 5 /* format octet + issue minute */
#define TOPO_BIN_MAX (1 + MCSEC_SIV_TAG_LEN + TOPO_HEADER_MAX + MCSEC_TOPO_MAX_VALUE)
#define TOPO_AAD_MAX (16 + MCSEC_TOPO_MAX_VALUE) /* kind name, NUL, Call-ID */
#define TOPO_CLOCK_SKEW 60                       /* seconds a token's issue time may lie ahead */

struct mcsec_topo {
    mcsec_topo_keys_t *keys;
    mcsec_siv_t *siv[MCSEC_TOPO_KEYS_MAX]; /* by key index */
    mcsec_topo_config_t config;            /* border_host points to host */
    char *host;
};

int64_t topo_now(const mcsec_topo_t *topo);

/* Seals value (1..MCSEC_TOPO_MAX_VALUE octets) into token text. */
mcsec_err_t topo_seal(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                      const uint8_t *value, size_t value_len, char *out, size_t out_size,
                      size_t *out_len);

/* Exact token length topo_seal produces for value_len octets of kind. */
size_t topo_sealed_len(const mcsec_topo_t *topo, mcsec_topo_kind_t kind, size_t value_len);

/* Opens token text into value (value_size >= token.len suffices). Sets err
 * on every failure. */
mcsec_err_t topo_open(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                      mcsec_str_t token, uint8_t *value, size_t value_size, size_t *value_len,
                      mcsec_topo_error_t *err);

/* Sets err to topo.bad_token with fault and returns MCSEC_ERR_INVALID. */
mcsec_err_t topo_bad(mcsec_topo_error_t *err, mcsec_topo_fault_t fault);

/* Copies n octets to out + *pos when they fit and always advances *pos, so
 * a caller learns the size needed from a short (or NULL) buffer. */
void topo_put(char *out, size_t out_size, size_t *pos, const char *p, size_t n);

bool topo_ieq(const char *a, size_t alen, const char *b, size_t blen);

#endif
