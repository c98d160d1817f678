/* Key file references: path resolution, existence and permissions. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_internal.h"

char *mcsec_pol_resolve_path(const char *base_dir, const char *path)
{
    if (path[0] == '/' || !base_dir || !*base_dir || strcmp(base_dir, ".") == 0)
        return strdup(path);
    size_t dir_len = strlen(base_dir);
    bool sep = base_dir[dir_len - 1] != '/';
    size_t size = dir_len + (sep ? 1 : 0) + strlen(path) + 1;
    char *resolved = malloc(size);
    if (resolved)
        snprintf(resolved, size, "%s%s%s", base_dir, sep ? "/" : "", path);
    return resolved;
}

/* Short reason for an open() failure; strerror() is not thread-safe. */
static const char *open_failure(int err)
{
    switch (err) {
    case ENOENT:
        return "not found";
    case EACCES:
        return "not readable (permission denied)";
    case ENOTDIR:
        return "not found (a path component is not a directory)";
    case ELOOP:
        return "not readable (symbolic link loop)";
    default:
        return "not readable";
    }
}

mcsec_err_t mcsec_pol_keyfile_check(const char *path, bool secret, char *why, size_t why_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, why_size, "key file '%s' %s", path, open_failure(errno));
        return MCSEC_ERR_IO;
    }
    struct stat st;
    int rc = fstat(fd, &st);
    close(fd);
    if (rc != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, why_size, "key file '%s' is not a regular file", path);
        return MCSEC_ERR_IO;
    }
    unsigned mode = (unsigned)st.st_mode & 07777u;
    if (secret && (mode & 077u)) {
        snprintf(why, why_size,
                 "key file '%s' is readable by group or others (mode %04o); chmod 600", path, mode);
        return MCSEC_ERR_PERM;
    }
    if (!secret && (mode & 022u)) {
        snprintf(why, why_size,
                 "key file '%s' is writable by group or others (mode %04o); chmod 644", path, mode);
        return MCSEC_ERR_PERM;
    }
    return MCSEC_OK;
}
