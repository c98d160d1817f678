/* One hex digit, shared by the parsers of libmcsec. Internal. */
#ifndef MCSEC_HEX_INTERNAL_H
#define MCSEC_HEX_INTERNAL_H

/* The value of the hex digit c (either case), or -1. */
static inline int mcsec_hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
