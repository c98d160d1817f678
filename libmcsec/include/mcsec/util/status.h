/* Status values returned by every libmcsec function that can fail.
 *
 * Contract: MCSEC_OK is zero, every error is negative. Functions never print;
 * they return a status and, where a caller needs to tell an operator what went
 * wrong, fill an error object the caller owns (see policy.h). */
#ifndef MCSEC_STATUS_H
#define MCSEC_STATUS_H

typedef enum {
    MCSEC_OK = 0,
    MCSEC_ERR_NOMEM = -1,   /* allocation failed */
    MCSEC_ERR_IO = -2,      /* a file could not be opened or read */
    MCSEC_ERR_PARSE = -3,   /* input is not well formed */
    MCSEC_ERR_INVALID = -4, /* input is well formed but violates a rule */
    MCSEC_ERR_PERM = -5,    /* a secret file is readable by group or others */
    MCSEC_ERR_ARG = -6,     /* the caller passed something the API forbids */
} mcsec_err_t;

/* Static English text for a status, for log lines. Never NULL. */
const char *mcsec_err_str(mcsec_err_t err);

#endif
