/* Key file references: path resolution, existence and permissions of key
 * files and of ECCSI signing key directories (one key directory, or one
 * per key period in period-N subdirectories, mcsec/ibc/keyset.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/keyfile_internal.h"
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

/* See policy.h. */
mcsec_err_t mcsec_policy_base_dir(const char *path, char *out, size_t size)
{
    if (!path || !out || size == 0)
        return MCSEC_ERR_ARG;
    char *absolute = realpath(path, NULL);
    if (!absolute)
        return errno == ENOMEM ? MCSEC_ERR_NOMEM : MCSEC_ERR_IO;
    char *slash = strrchr(absolute, '/');
    if (slash == absolute)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    size_t len = strlen(absolute);
    mcsec_err_t rc = MCSEC_OK;
    if (len >= size)
        rc = MCSEC_ERR_ARG;
    else
        memcpy(out, absolute, len + 1);
    free(absolute);
    return rc;
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

/* Opens name (relative to dir_fd) and checks it is a regular file, for a
 * secret with no access by group or others, otherwise not writable by them;
 * path is for messages. */
static mcsec_err_t check_file(int dir_fd, const char *name, const char *path, bool secret,
                              char *why, size_t why_size)
{
    struct stat st;
    mcsec_keyfile_fail_t fail;
    int err = 0;
    int fd = mcsec_keyfile_open(dir_fd, name, O_NONBLOCK, secret ? 077u : 022u, &st, &fail, &err);
    if (fd >= 0) {
        close(fd);
        return MCSEC_OK;
    }
    unsigned mode = (unsigned)st.st_mode & 07777u;
    switch (fail) {
    case MCSEC_KEYFILE_CANNOT_OPEN:
        snprintf(why, why_size, "key file '%s' %s", path, open_failure(err));
        return MCSEC_ERR_IO;
    case MCSEC_KEYFILE_MODE:
        if (secret)
            snprintf(why, why_size,
                     "key file '%s' is readable by group or others (mode %04o); chmod 600", path,
                     mode);
        else
            snprintf(why, why_size,
                     "key file '%s' is writable by group or others (mode %04o); chmod 644", path,
                     mode);
        return MCSEC_ERR_PERM;
    default:
        snprintf(why, why_size, "key file '%s' is not a regular file", path);
        return MCSEC_ERR_IO;
    }
}

mcsec_err_t mcsec_pol_keyfile_check(const char *path, bool secret, char *why, size_t why_size)
{
    return check_file(AT_FDCWD, path, path, secret, why, why_size);
}

/* One key directory (dir open): mode and its four files; with top, the
 * single-period layout's files only when it is used (a signer file there,
 * or no period-N subdirectory), kms.pub always, and each period-N
 * subdirectory like a key directory. */
static mcsec_err_t check_keydir_fd(int dir, const char *path, bool top, char *why, size_t why_size)
{
    static const struct {
        const char *name;
        bool secret;
    } files[] = {{"ssk", true}, {"pvt", false}, {"kms.pub", false}, {"signer", false}};
    struct stat st;
    if (fstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(why, why_size, "key directory '%s' is not a directory", path);
        return MCSEC_ERR_IO;
    }
    unsigned mode = (unsigned)st.st_mode & 07777u;
    if (mode & 022u) {
        snprintf(why, why_size,
                 "key directory '%s' is writable by group or others (mode %04o); chmod 700", path,
                 mode);
        return MCSEC_ERR_PERM;
    }
    bool only_kms = false;
    bool sep = path[0] && path[strlen(path) - 1] != '/';
    if (top && fstatat(dir, "signer", &st, 0) != 0) {
        /* Period subdirectories, each checked like a key directory
         * (mcsec/ibc/keyset.h); without any, the four files are due here. */
        int again = dup(dir);
        DIR *d = again >= 0 ? fdopendir(again) : NULL;
        if (!d) {
            if (again >= 0)
                close(again);
            snprintf(why, why_size, "key directory '%s' cannot be listed", path);
            return MCSEC_ERR_IO;
        }
        mcsec_err_t rc = MCSEC_OK;
        bool any = false;
        for (struct dirent *e = readdir(d); rc == MCSEC_OK && e; e = readdir(d)) {
            if (strncmp(e->d_name, "period-", 7) != 0)
                continue;
            char sub[4096];
            snprintf(sub, sizeof(sub), "%s%s%s", path, sep ? "/" : "", e->d_name);
            int fd = openat(dir, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
            if (fd < 0) {
                snprintf(why, why_size, "key directory '%s' %s", sub, open_failure(errno));
                rc = MCSEC_ERR_IO;
            } else {
                rc = check_keydir_fd(fd, sub, false, why, why_size);
                close(fd);
            }
            any = true;
        }
        closedir(d);
        if (rc != MCSEC_OK)
            return rc;
        only_kms = any;
    }
    mcsec_err_t rc = MCSEC_OK;
    for (size_t i = 0; rc == MCSEC_OK && i < sizeof(files) / sizeof(files[0]); i++) {
        if (only_kms && strcmp(files[i].name, "kms.pub") != 0)
            continue;
        char file[4096];
        snprintf(file, sizeof(file), "%s%s%s", path, sep ? "/" : "", files[i].name);
        /* openat() on the checked directory: the files are the ones in it,
         * whatever happens to the path meanwhile. */
        rc = check_file(dir, files[i].name, file, files[i].secret, why, why_size);
    }
    return rc;
}

mcsec_err_t mcsec_pol_keydir_check(const char *path, char *why, size_t why_size)
{
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    if (dir < 0) {
        if (errno == ENOTDIR)
            snprintf(why, why_size, "key directory '%s' is not a directory", path);
        else
            snprintf(why, why_size, "key directory '%s' %s", path, open_failure(errno));
        return MCSEC_ERR_IO;
    }
    mcsec_err_t rc = check_keydir_fd(dir, path, true, why, why_size);
    close(dir);
    return rc;
}
