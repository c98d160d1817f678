/* mcsecctl partner add, shared by its two files: the arguments, the key
 * files it makes (mcsecctl_partner_files.c) and the command itself
 * (mcsecctl_partner.c). */
#ifndef MCSECCTL_PARTNER_H
#define MCSECCTL_PARTNER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* What `partner add` was asked for (NULL = not given). */
typedef struct {
    const char *policy;     /* --policy: our policy, the section goes into it */
    const char *name;       /* --name */
    const char *identity;   /* --identity: the partner border's URI */
    const char *domains;    /* --domains: comma-separated */
    const char *is_proxy;   /* --is-proxy: comma-separated addresses */
    const char *http_proxy; /* --http-proxy */
    const char *gateway;    /* --gateway */
    const char *auth;       /* --auth implicit|explicit */
    const char *spk_mode;   /* --spk-mode off|optional|required (default optional) */
    const char *ca;         /* --ca: the partner's CA certificate(s), PEM */
    const char *kms;        /* --kms: the partner KMS's kms.pub */
    const char *spk_from;   /* --spk-from: the shared SPK file the partner made */
    const char *keys_dir;   /* --keys-dir: the partner's files go to <dir>/<name> */
    const char *owner;      /* --owner: user the files are given to */
    const char *write;      /* --write: the policy with the section appended */
    const char *pair;       /* --pair: the partner's policy, for the pair check */
} mcsecctl_partner_args_t;

/* The files made: absolute paths, "" when not made. */
typedef struct {
    char dir[PATH_MAX];
    char spk[PATH_MAX];
    char ca[PATH_MAX];
    char kms[PATH_MAX];
    bool made_dir;
} mcsecctl_partner_files_t;

/* Makes <keys_dir>/<name>/ (0700; refused when it exists) with spk (0600),
 * ca.pem and kms.pub (0644), given to args->owner when set. 0, or -1 after
 * one line on stderr (what was made is in *out for
 * mcsecctl_partner_remove_files). */
int mcsecctl_partner_make_files(const mcsecctl_partner_args_t *args, mcsecctl_partner_files_t *out);

/* Removes what mcsecctl_partner_make_files made. */
void mcsecctl_partner_remove_files(const mcsecctl_partner_files_t *files);

/* A whole small file, malloc'd and NUL-terminated, its length in *len;
 * NULL after one line on stderr. */
char *mcsecctl_partner_read(const char *path, size_t *len);

#endif
