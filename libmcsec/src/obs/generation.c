/* Policy generation numbers kept in a state file (mcsec/obs/generation.h). */
#include "mcsec/obs/generation.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 0 when absent; MCSEC_ERR_PARSE when the file holds anything else than
 * digits and an optional line feed. */
static mcsec_err_t read_number(const char *path, uint64_t *out)
{
    *out = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? MCSEC_OK : MCSEC_ERR_IO;
    char buf[32];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0)
        return MCSEC_ERR_IO;
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (n == 0 || n > 19)
        return MCSEC_ERR_PARSE;
    uint64_t v = 0;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return MCSEC_ERR_PARSE;
        v = v * 10 + (uint64_t)(buf[i] - '0');
    }
    *out = v;
    return MCSEC_OK;
}

static mcsec_err_t write_number(const char *path, uint64_t value)
{
    char tmp[4096];
    int len = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (len < 0 || (size_t)len >= sizeof(tmp))
        return MCSEC_ERR_IO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return MCSEC_ERR_IO;
    char text[32];
    int n = snprintf(text, sizeof(text), "%" PRIu64 "\n", value);
    bool ok = write(fd, text, (size_t)n) == n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return MCSEC_ERR_IO;
    }
    return MCSEC_OK;
}

mcsec_err_t mcsec_generation_next(const char *path, uint64_t *out)
{
    uint64_t last = 0;
    mcsec_err_t rc = read_number(path, &last);
    *out = (rc == MCSEC_OK && last < UINT64_MAX) ? last + 1 : 1;
    if (rc != MCSEC_OK)
        return rc;
    return write_number(path, *out);
}
