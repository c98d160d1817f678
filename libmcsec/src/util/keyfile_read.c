/* Secret and key files: see keyfile_internal.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hex_internal.h"
#include "keyfile_internal.h"

int mcsec_keyfile_open(int dir_fd, const char *name, int extra_flags, unsigned forbidden_mode,
                       struct stat *st, mcsec_keyfile_fail_t *fail, int *open_errno)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | extra_flags);
    if (fd < 0) {
        *fail = MCSEC_KEYFILE_CANNOT_OPEN;
        if (open_errno)
            *open_errno = errno;
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        *fail = MCSEC_KEYFILE_NOT_REGULAR;
        return -1;
    }
    if ((unsigned)st->st_mode & 07777u & forbidden_mode) {
        close(fd);
        *fail = MCSEC_KEYFILE_MODE;
        return -1;
    }
    *fail = MCSEC_KEYFILE_OK;
    return fd;
}

ssize_t mcsec_keyfile_read_upto(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int mcsec_keyfile_open_secret(const char *path, const char *what, int max_size, struct stat *st,
                              mcsec_err_t *rc, char *why, size_t why_size)
{
    mcsec_keyfile_fail_t fail;
    int err = 0;
    int fd = mcsec_keyfile_open(AT_FDCWD, path, O_NONBLOCK, 077u, st, &fail, &err);
    switch (fail) {
    case MCSEC_KEYFILE_OK:
        break;
    case MCSEC_KEYFILE_CANNOT_OPEN:
        mcsec_keyfile_say(why, why_size, "%s: cannot open (%s)", path,
                          err == ENOENT ? "not found" : "not readable");
        *rc = MCSEC_ERR_IO;
        return -1;
    case MCSEC_KEYFILE_NOT_REGULAR:
        mcsec_keyfile_say(why, why_size, "%s: not a regular file", path);
        *rc = MCSEC_ERR_IO;
        return -1;
    case MCSEC_KEYFILE_MODE:
        mcsec_keyfile_say(why, why_size,
                          "%s: %s is accessible by group or others (mode %04o); chmod 600", path,
                          what, (unsigned)st->st_mode & 07777u);
        *rc = MCSEC_ERR_PERM;
        return -1;
    }
    if (st->st_size > max_size) {
        close(fd);
        mcsec_keyfile_say(why, why_size, "%s: larger than %d octets", path, max_size);
        *rc = MCSEC_ERR_IO;
        return -1;
    }
    *rc = MCSEC_OK;
    return fd;
}

void mcsec_keyfile_say(char *why, size_t why_size, const char *fmt, ...)
{
    if (!why || why_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
}

bool mcsec_keyfile_hex_decode(const char *p, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = mcsec_hex_digit((unsigned char)p[2 * i]);
        int lo = mcsec_hex_digit((unsigned char)p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool mcsec_keyfile_lines_next(mcsec_keyfile_lines_t *it, const char **line, size_t *line_len)
{
    if (it->pos >= it->len)
        return false;
    const char *start = it->text + it->pos;
    const char *nl = memchr(start, '\n', it->len - it->pos);
    size_t n = nl ? (size_t)(nl - start) : it->len - it->pos;
    it->lineno++;
    it->pos += n + (nl ? 1 : 0);
    *line = start;
    *line_len = n;
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int mcsec_keyfile_fields(const char *line, size_t len, int max, const char **field,
                         size_t *field_len)
{
    int count = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && is_blank(line[i]))
            i++;
        if (i == len)
            break;
        if (count == max)
            break;
        size_t start = i;
        while (i < len && !is_blank(line[i]))
            i++;
        field[count] = line + start;
        field_len[count] = i - start;
        count++;
    }
    if (count > 0 && field[0][0] == '#')
        return 0;
    return count;
}
