/* Whole writes for the mcsecctl commands that make key files: see
 * mcsecctl.h. */
#include <errno.h>
#include <unistd.h>

#include "mcsecctl.h"

/* See mcsecctl.h. */
int mcsecctl_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}
