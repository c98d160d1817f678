/* Key file references: path resolution, existence and permissions of key
 * files and of ECCSI signing key directories. */
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

/* Checks the file open on fd (closes it); path is for messages. */
static mcsec_err_t check_open_file(int fd, const char *path, bool secret, char *why,
                                   size_t why_size)
{
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

mcsec_err_t mcsec_pol_keyfile_check(const char *path, bool secret, char *why, size_t why_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, why_size, "key file '%s' %s", path, open_failure(errno));
        return MCSEC_ERR_IO;
    }
    return check_open_file(fd, path, secret, why, why_size);
}

mcsec_err_t mcsec_pol_keydir_check(const char *path, char *why, size_t why_size)
{
    static const struct {
        const char *name;
        bool secret;
    } files[] = {{"ssk", true}, {"pvt", false}, {"kms.pub", false}, {"signer", false}};
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    if (dir < 0) {
        if (errno == ENOTDIR)
            snprintf(why, why_size, "key directory '%s' is not a directory", path);
        else
            snprintf(why, why_size, "key directory '%s' %s", path, open_failure(errno));
        return MCSEC_ERR_IO;
    }
    struct stat st;
    if (fstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        close(dir);
        snprintf(why, why_size, "key directory '%s' is not a directory", path);
        return MCSEC_ERR_IO;
    }
    unsigned mode = (unsigned)st.st_mode & 07777u;
    if (mode & 022u) {
        close(dir);
        snprintf(why, why_size,
                 "key directory '%s' is writable by group or others (mode %04o); chmod 700", path,
                 mode);
        return MCSEC_ERR_PERM;
    }
    mcsec_err_t rc = MCSEC_OK;
    for (size_t i = 0; rc == MCSEC_OK && i < sizeof(files) / sizeof(files[0]); i++) {
        char file[4096];
        bool sep = path[0] && path[strlen(path) - 1] != '/';
        snprintf(file, sizeof(file), "%s%s%s", path, sep ? "/" : "", files[i].name);
        /* openat() on the checked directory: the files are the ones in it,
         * whatever happens to the path meanwhile. */
        int fd = openat(dir, files[i].name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
            snprintf(why, why_size, "key file '%s' %s", file, open_failure(errno));
            rc = MCSEC_ERR_IO;
        } else {
            rc = check_open_file(fd, file, files[i].secret, why, why_size);
        }
    }
    close(dir);
    return rc;
}
