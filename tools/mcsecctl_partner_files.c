/* The key files `mcsecctl partner add` makes for a new partner
 * (mcsecctl_partner.h): a directory of its own (0700), the shared SPK file
 * (0600, a fresh line or a copy of the one the partner sent), copies of
 * the partner's CA and kms.pub (0644), all owned by --owner when given.
 * Every file is created with O_EXCL: nothing existing is ever
 * overwritten. The SPK line format is docs/spk.md's. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mcsecctl.h"
#include "mcsecctl_partner.h"

/* Creates path (never an existing one) with mode and content; 0 or -1
 * after one line on stderr. */
static int create_file(const char *path, mode_t mode, const char *content, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        fprintf(stderr, "mcsecctl: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = fchmod(fd, mode) == 0 && mcsecctl_write_all(fd, content, len) == 0 && fsync(fd) == 0
                 ? 0
                 : -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "mcsecctl: cannot write %s: %s\n", path, strerror(errno));
    return rc;
}

/* Reads a whole (small) file into a malloc'd string; NULL after one line
 * on stderr. */
char *mcsecctl_partner_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mcsecctl: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap >= (1u << 24))
            break;
        char *bigger = realloc(buf, 2 * cap + 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    bool bad = ferror(f) || (buf && n == cap);
    fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "mcsecctl: cannot read %s (too large or unreadable)\n", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Copies src into a new file path with mode. */
static int copy_file(const char *src, const char *path, mode_t mode)
{
    size_t len = 0;
    char *text = mcsecctl_partner_read(src, &len);
    if (!text)
        return -1;
    int rc = create_file(path, mode, text, len);
    OPENSSL_cleanse(text, len);
    free(text);
    return rc;
}

/* A fresh SPK line: "3" and 7 hex digits of SPK-ID, 32 hex digits of key
 * (the recipe of docs/spk.md). */
static int fresh_spk(const char *path)
{
    unsigned char rnd[4 + 16];
    char line[64];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        fprintf(stderr, "mcsecctl: no random bytes for the SPK\n");
        return -1;
    }
    size_t n = (size_t)snprintf(
        line, sizeof(line), "3%07x ",
        (unsigned)((rnd[0] << 24 | rnd[1] << 16 | rnd[2] << 8 | rnd[3]) & 0x0fffffffu));
    for (size_t i = 4; i < sizeof(rnd); i++)
        n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x", rnd[i]);
    line[n++] = '\n';
    int rc = create_file(path, 0600, line, n);
    OPENSSL_cleanse(rnd, sizeof(rnd));
    OPENSSL_cleanse(line, sizeof(line));
    return rc;
}

static int join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "mcsecctl: path too long: %s/%s\n", dir, name);
        return -1;
    }
    return 0;
}

/* See mcsecctl_partner.h. */
int mcsecctl_partner_make_files(const mcsecctl_partner_args_t *args, mcsecctl_partner_files_t *out)
{
    memset(out, 0, sizeof(*out));
    struct passwd *pw = NULL;
    if (args->owner) {
        pw = getpwnam(args->owner);
        if (!pw) {
            fprintf(stderr, "mcsecctl: --owner: no user named '%s'\n", args->owner);
            return -1;
        }
    }
    if (mkdir(args->keys_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "mcsecctl: cannot create %s: %s\n", args->keys_dir, strerror(errno));
        return -1;
    }
    char base[PATH_MAX];
    if (!realpath(args->keys_dir, base)) {
        fprintf(stderr, "mcsecctl: %s: %s\n", args->keys_dir, strerror(errno));
        return -1;
    }
    if (join(out->dir, sizeof(out->dir), base, args->name) != 0)
        return -1;
    if (mkdir(out->dir, 0700) != 0) {
        fprintf(stderr, "mcsecctl: cannot create %s: %s%s\n", out->dir, strerror(errno),
                errno == EEXIST ? " (a partner of that name was added before)" : "");
        out->dir[0] = '\0';
        return -1;
    }
    out->made_dir = true;
    if (join(out->spk, sizeof(out->spk), out->dir, "spk") != 0 ||
        join(out->ca, sizeof(out->ca), out->dir, "ca.pem") != 0 ||
        (args->kms && join(out->kms, sizeof(out->kms), out->dir, "kms.pub") != 0))
        return -1;
    if ((args->spk_from ? copy_file(args->spk_from, out->spk, 0600) : fresh_spk(out->spk)) != 0) {
        out->spk[0] = '\0';
        return -1;
    }
    if (copy_file(args->ca, out->ca, 0644) != 0) {
        out->ca[0] = '\0';
        return -1;
    }
    if (args->kms && copy_file(args->kms, out->kms, 0644) != 0) {
        out->kms[0] = '\0';
        return -1;
    }
    if (pw) {
        const char *paths[] = {out->dir, out->spk, out->ca, out->kms};
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
            if (paths[i][0] && chown(paths[i], pw->pw_uid, pw->pw_gid) != 0) {
                fprintf(stderr, "mcsecctl: cannot give %s to %s: %s\n", paths[i], args->owner,
                        strerror(errno));
                return -1;
            }
        }
    }
    return 0;
}

/* See mcsecctl_partner.h. */
void mcsecctl_partner_remove_files(const mcsecctl_partner_files_t *files)
{
    const char *paths[] = {files->spk, files->ca, files->kms};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (paths[i][0])
            (void)unlink(paths[i]);
    if (files->made_dir)
        (void)rmdir(files->dir);
}
