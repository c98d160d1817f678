/* mcsecctl gmk guk-id: the GUK-ID a receiving entity derives from a GMK
 * (TS 33.180 5.2.3 end-point diversity). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mcsec/kdf.h"
#include "mcsecctl.h"

/* Decodes hex into out (at most out_size octets); returns the length or
 * -1. */
static long hex_decode(const char *hex, unsigned char *out, size_t out_size)
{
    size_t len = strlen(hex);
    if (len == 0 || len % 2 || len / 2 > out_size)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned value;
        if (sscanf(hex + 2 * i, "%2x", &value) != 1 ||
            !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
            return -1;
        out[i] = (unsigned char)value;
    }
    return (long)(len / 2);
}

static int gmk_guk_id(int argc, char **argv)
{
    const char *gmk_hex = NULL, *gmk_id_hex = NULL, *uri = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--gmk") == 0)
            gmk_hex = argv[i + 1];
        else if (strcmp(argv[i], "--gmk-id") == 0)
            gmk_id_hex = argv[i + 1];
        else if (strcmp(argv[i], "--uri") == 0)
            uri = argv[i + 1];
        else
            gmk_hex = NULL, i = argc;
    }
    unsigned char gmk[32], id[4];
    long gmk_len = gmk_hex ? hex_decode(gmk_hex, gmk, sizeof(gmk)) : -1;
    if (argc % 2 == 0 || gmk_len != 16 || !gmk_id_hex || hex_decode(gmk_id_hex, id, 4) != 4 ||
        !uri) {
        OPENSSL_cleanse(gmk, sizeof(gmk));
        fprintf(stderr, "usage: mcsecctl gmk guk-id --gmk HEX(16 octets) --gmk-id HEX(4 "
                        "octets) --uri URI\n");
        return MCSECCTL_USAGE;
    }
    uint32_t gmk_id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
    uint32_t guk_id = 0;
    mcsec_err_t rc = mcsec_kdf_guk_id(gmk, (size_t)gmk_len, gmk_id, uri, strlen(uri), &guk_id);
    OPENSSL_cleanse(gmk, sizeof(gmk));
    if (rc != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s\n", mcsec_err_str(rc));
        return MCSECCTL_FAIL;
    }
    printf("%08x\n", guk_id);
    return fflush(stdout) == 0 ? MCSECCTL_OK : MCSECCTL_FAIL;
}

static const mcsecctl_cmd_t gmk_cmds[] = {
    {"guk-id", "--gmk HEX --gmk-id HEX --uri URI",
     "print the GUK-ID the receiving entity URI derives from a GMK", gmk_guk_id},
};

const mcsecctl_group_t mcsecctl_gmk_group = {"gmk", gmk_cmds,
                                             (unsigned)(sizeof(gmk_cmds) / sizeof(gmk_cmds[0]))};
