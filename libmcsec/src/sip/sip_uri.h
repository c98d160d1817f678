/* Internal helpers for SIP header values (not part of the public API). */
#ifndef MCSEC_SIP_URI_INTERNAL_H
#define MCSEC_SIP_URI_INTERNAL_H

#include "mcsec/sip/check.h"

/* Takes the next comma-separated entry off *list (respecting quoted
 * strings and <...>), trimmed, into *item, and advances *list past it.
 * Returns MCSEC_ERR_ARG when *list is empty, MCSEC_ERR_PARSE (and empties
 * *list) on unbalanced quotes or angle brackets. */
mcsec_err_t mcsec_split_next(mcsec_str_t *list, mcsec_str_t *item);

/* The addr-spec of a name-addr ("Name" <sip:user@host>;params): the text
 * between '<' and '>'; a bare addr-spec as it is. MCSEC_ERR_PARSE on
 * unbalanced quotes or brackets, or text after '>' other than parameters. */
mcsec_err_t mcsec_sip_addr_spec(mcsec_str_t value, mcsec_str_t *spec);

#endif
