/* mcsecctl key gen --topology: appends a fresh topology-hiding key (RAND_bytes)
 * as the new last line of a key file (created with mode 0600), after
 * checking the existing file with the same parser the border uses. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mcsec/topo/topo_keys.h"
#include "mcsecctl.h"

typedef struct {
    const char *out;
    int id;          /* -1: next free after the last key */
    long long since; /* -1: now */
} gen_args_t;

static int usage(void)
{
    fprintf(stderr, "usage: mcsecctl key gen --topology --out FILE [--id HEX2] [--since UNIX]\n");
    return MCSECCTL_USAGE;
}

static int parse_args(int argc, char **argv, gen_args_t *args)
{
    bool topology = false;
    args->out = NULL;
    args->id = -1;
    args->since = -1;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(argv[i], "--topology") == 0) {
            topology = true;
        } else if (strcmp(argv[i], "--out") == 0 && value) {
            args->out = value;
            i++;
        } else if (strcmp(argv[i], "--id") == 0 && value) {
            long id = strtol(value, &end, 16);
            if (strlen(value) != 2 || *end || id < 0 || id > 255)
                return 0;
            args->id = (int)id;
            i++;
        } else if (strcmp(argv[i], "--since") == 0 && value) {
            errno = 0;
            args->since = strtoll(value, &end, 10);
            if (errno || *end || !*value || args->since < 0 || args->since > 999999999999LL)
                return 0;
            i++;
        } else {
            return 0;
        }
    }
    return topology && args->out != NULL;
}

/* Reads the whole (small) file from offset 0 into a NUL-terminated buffer. */
static char *read_all(int fd, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return NULL;
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, text + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(text);
            return NULL;
        }
        got += (size_t)r;
    }
    text[size] = '\0';
    return text;
}

/* The ID for the new key: the requested one if free, else the one after the
 * last key's ID that is free. -1 when none is. */
static int pick_id(const mcsec_topo_keys_t *keys, int requested)
{
    size_t count = mcsec_topo_keys_count(keys);
    if (requested >= 0)
        return mcsec_topo_keys_find(keys, (uint8_t)requested) < 0 ? requested : -1;
    int start = count ? mcsec_topo_keys_at(keys, count - 1)->id + 1 : 1;
    for (int k = 0; k < 256; k++) {
        int id = (start + k) & 0xff;
        if (mcsec_topo_keys_find(keys, (uint8_t)id) < 0)
            return id;
    }
    return -1;
}

/* Appends "<id> <64 hex> since=<t>\n" (after a newline if the file lacks
 * one at its end). */
static int append_key(int fd, int id, long long since, int need_newline)
{
    uint8_t key[MCSEC_TOPO_KEY_LEN];
    char line[2 + 3 + 2 * MCSEC_TOPO_KEY_LEN + 32];
    if (RAND_bytes(key, sizeof(key)) != 1)
        return -1;
    size_t n = 0;
    if (need_newline)
        line[n++] = '\n';
    n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x ", id);
    for (size_t i = 0; i < sizeof(key); i++)
        n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x", key[i]);
    n += (size_t)snprintf(line + n, sizeof(line) - n, " since=%lld\n", since);
    int rc = n < sizeof(line) && mcsecctl_write_all(fd, line, n) == 0 && fsync(fd) == 0 ? 0 : -1;
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(line, sizeof(line));
    return rc;
}

/* Checks the opened file and appends; returns an exit status. */
static int gen_into(int fd, const gen_args_t *args)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "%s: not a regular file\n", args->out);
        return MCSECCTL_FAIL;
    }
    if (st.st_mode & 077) {
        fprintf(stderr, "%s: accessible by group or others (mode %04o); chmod 600\n", args->out,
                (unsigned)st.st_mode & 07777u);
        return MCSECCTL_FAIL;
    }
    if (st.st_size > MCSEC_TOPO_KEYS_MAX_FILE - 128) {
        fprintf(stderr, "%s: too large\n", args->out);
        return MCSECCTL_FAIL;
    }
    size_t size = (size_t)st.st_size;
    char *text = read_all(fd, size);
    if (!text) {
        fprintf(stderr, "%s: cannot read\n", args->out);
        return MCSECCTL_FAIL;
    }
    mcsec_topo_keys_t *keys = NULL;
    char why[256] = "";
    mcsec_err_t rc = mcsec_topo_keys_parse(text, size, args->out, (int64_t)st.st_mtime,
                                           MCSEC_TOPO_KEYS_ALLOW_EMPTY, &keys, why, sizeof(why));
    int need_newline = size > 0 && text[size - 1] != '\n';
    OPENSSL_cleanse(text, size);
    free(text);
    if (rc != MCSEC_OK) {
        fprintf(stderr, "%s\n", why[0] ? why : mcsec_err_str(rc));
        return MCSECCTL_FAIL;
    }
    long long since = args->since >= 0 ? args->since : (long long)time(NULL);
    int id = pick_id(keys, args->id);
    size_t count = mcsec_topo_keys_count(keys);
    const mcsec_topo_key_t *last = count ? mcsec_topo_keys_at(keys, count - 1) : NULL;
    int status = MCSECCTL_OK;
    if (id < 0) {
        fprintf(stderr, "%s: key ID %s already in use\n", args->out,
                args->id >= 0 ? "requested" : "space (256)");
        status = MCSECCTL_FAIL;
    } else if (last && last->has_since && last->since > since) {
        fprintf(stderr, "%s: --since %lld is earlier than the last key's since=%lld\n", args->out,
                since, (long long)last->since);
        status = MCSECCTL_FAIL;
    } else if (append_key(fd, id, since, need_newline) != 0) {
        fprintf(stderr, "%s: cannot write the new key\n", args->out);
        status = MCSECCTL_FAIL;
    } else {
        printf("%s: added topology key %02x (since=%lld), %zu key%s in the file\n", args->out, id,
               since, count + 1, count ? "s" : "");
    }
    mcsec_topo_keys_destroy(keys);
    return status;
}

static int key_gen(int argc, char **argv)
{
    gen_args_t args;
    if (!parse_args(argc, argv, &args))
        return usage();
    int fd = open(args.out, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot open (%s)\n", args.out, strerror(errno));
        return MCSECCTL_FAIL;
    }
    /* Two operators appending at once must not pick the same ID. */
    int status = flock(fd, LOCK_EX) == 0 ? gen_into(fd, &args) : MCSECCTL_FAIL;
    if (close(fd) != 0)
        status = MCSECCTL_FAIL;
    return status;
}

static const mcsecctl_cmd_t key_cmds[] = {
    {"gen", "--topology --out FILE [--id HEX2] [--since UNIX]",
     "append a fresh topology-hiding key (mode 0600 file) as the key for new tokens", key_gen},
};

const mcsecctl_group_t mcsecctl_key_group = {"key", key_cmds,
                                             (unsigned)(sizeof(key_cmds) / sizeof(key_cmds[0]))};
