/* Internal helpers for SIP header values (not part of the public API). */
#ifndef MCSEC_SIP_URI_INTERNAL_H
#define MCSEC_SIP_URI_INTERNAL_H

#include "mcsec/sip/check.h"

/* Takes the next comma-separated entry off *list (respecting quoted
 * strings and <...>), trimmed, into *item, and advances *list past it.
 * Returns MCSEC_ERR_ARG when *list is empty, MCSEC_ERR_PARSE (and empties
 * *list) on unbalanced quotes or angle brackets. */
mcsec_err_t mcsec_split_next(mcsec_str_t *list, mcsec_str_t *item);

#endif
