/* Secret and key files, shared by the SPK, topology, KMS and policy key-file
 * code: open and check on the descriptor (no race between the check and the
 * read), bounded read, line and field splitting. Internal to libmcsec. */
#ifndef MCSEC_KEYFILE_INTERNAL_H
#define MCSEC_KEYFILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "mcsec/util/status.h"

/* Why mcsec_keyfile_open() refused a file. */
typedef enum {
    MCSEC_KEYFILE_OK = 0,
    MCSEC_KEYFILE_CANNOT_OPEN, /* open() failed; *open_errno says why */
    MCSEC_KEYFILE_NOT_REGULAR, /* fstat() failed or not a regular file */
    MCSEC_KEYFILE_MODE,        /* the mode has one of the forbidden bits */
} mcsec_keyfile_fail_t;

/* Opens name (relative to dir_fd, AT_FDCWD for a plain path) read-only,
 * close-on-exec, no controlling tty, plus extra_flags (O_NONBLOCK so that a
 * FIFO does not hang the open); fstat()s the descriptor into *st and refuses
 * anything but a regular file whose permission bits have none of
 * forbidden_mode (077 for a secret). Returns the descriptor, or -1 with
 * *fail (and, for CANNOT_OPEN, *open_errno) set and nothing left open. */
int mcsec_keyfile_open(int dir_fd, const char *name, int extra_flags, unsigned forbidden_mode,
                       struct stat *st, mcsec_keyfile_fail_t *fail, int *open_errno);

/* Reads from fd into buf until end of file or cap octets, retrying on
 * EINTR. Returns the octets read, or -1 on a read error. */
ssize_t mcsec_keyfile_read_upto(int fd, char *buf, size_t cap);

/* Opens a secret line file for the SPK and topology loaders, with their
 * messages in why ("<path>: cannot open (...)", "<path>: not a regular
 * file", "<path>: <what> is accessible by group or others (mode ...); chmod
 * 600", "<path>: larger than <max_size> octets"). Returns the descriptor,
 * or -1 with *rc set (MCSEC_ERR_IO or MCSEC_ERR_PERM). */
int mcsec_keyfile_open_secret(const char *path, const char *what, int max_size, struct stat *st,
                              mcsec_err_t *rc, char *why, size_t why_size);

/* printf into why when why is not NULL and why_size is not 0. */
void mcsec_keyfile_say(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Decodes exactly 2*n hex digits at p into out (either case). */
bool mcsec_keyfile_hex_decode(const char *p, size_t n, uint8_t *out);

/* Lines of a text in memory, numbered from 1. */
typedef struct {
    const char *text;
    size_t len;
    size_t pos;
    unsigned lineno;
} mcsec_keyfile_lines_t;

static inline void mcsec_keyfile_lines_init(mcsec_keyfile_lines_t *it, const char *text, size_t len)
{
    it->text = text;
    it->len = len;
    it->pos = 0;
    it->lineno = 0;
}

/* The next line (without its '\n'; a last line without '\n' counts) in
 * *line and *line_len, it->lineno its number. False at the end. */
bool mcsec_keyfile_lines_next(mcsec_keyfile_lines_t *it, const char **line, size_t *line_len);

/* Splits a line into blank-separated (space, tab, CR) fields, at most max:
 * returns max for max or more fields, 0 for a blank line or one whose first
 * field starts with '#' (a comment). */
int mcsec_keyfile_fields(const char *line, size_t len, int max, const char **field,
                         size_t *field_len);

#endif
