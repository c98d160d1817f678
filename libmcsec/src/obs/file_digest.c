/* SHA-256 of a file or buffer as hex (mcsec/obs/file_digest.h). */
#include "mcsec/obs/file_digest.h"

#include <openssl/evp.h>
#include <stdio.h>

static void to_hex(const unsigned char *md, char hex[MCSEC_SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0x0f];
    }
    hex[MCSEC_SHA256_HEX_LEN] = '\0';
}

mcsec_err_t mcsec_sha256_hex(const void *data, size_t len, char hex[MCSEC_SHA256_HEX_LEN + 1])
{
    unsigned char md[32];
    unsigned int md_len = 0;
    if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) || md_len != sizeof(md))
        return MCSEC_ERR_NOMEM;
    to_hex(md, hex);
    return MCSEC_OK;
}

mcsec_err_t mcsec_file_sha256_hex(const char *path, char hex[MCSEC_SHA256_HEX_LEN + 1])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return MCSEC_ERR_IO;
    EVP_MD_CTX *md_ctx = EVP_MD_CTX_new();
    mcsec_err_t rc = MCSEC_ERR_NOMEM;
    if (md_ctx && EVP_DigestInit_ex(md_ctx, EVP_sha256(), NULL)) {
        unsigned char buf[8192];
        size_t n;
        rc = MCSEC_OK;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
            if (!EVP_DigestUpdate(md_ctx, buf, n)) {
                rc = MCSEC_ERR_NOMEM;
                break;
            }
        }
        if (rc == MCSEC_OK && ferror(f))
            rc = MCSEC_ERR_IO;
        unsigned char md[32];
        unsigned int md_len = 0;
        if (rc == MCSEC_OK && (!EVP_DigestFinal_ex(md_ctx, md, &md_len) || md_len != sizeof(md)))
            rc = MCSEC_ERR_NOMEM;
        if (rc == MCSEC_OK)
            to_hex(md, hex);
    }
    EVP_MD_CTX_free(md_ctx);
    fclose(f);
    return rc;
}
