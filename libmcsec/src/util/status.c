/* Text for status values (status.h). */
#include "mcsec/util/status.h"

const char *mcsec_err_str(mcsec_err_t err)
{
    switch (err) {
    case MCSEC_OK:
        return "ok";
    case MCSEC_ERR_NOMEM:
        return "out of memory";
    case MCSEC_ERR_IO:
        return "file could not be opened or read";
    case MCSEC_ERR_PARSE:
        return "input is not well formed";
    case MCSEC_ERR_INVALID:
        return "input violates a rule";
    case MCSEC_ERR_PERM:
        return "secret file is readable by group or others";
    case MCSEC_ERR_ARG:
        return "invalid argument";
    }
    return "unknown error";
}
