/* mcsecctl: the operator CLI over libmcsec. Each command group (policy,
 * later key, spk, ear, kms, ipsec) is a table of subcommands; main() only
 * dispatches. Exit codes: 0 success, 1 the checked thing is bad or the
 * operation failed, 2 usage error. */
#ifndef MCSECCTL_H
#define MCSECCTL_H

enum { MCSECCTL_OK = 0, MCSECCTL_FAIL = 1, MCSECCTL_USAGE = 2 };

/* One subcommand: argv[0] is the subcommand name itself. */
typedef struct {
    const char *name;
    const char *args;    /* usage synopsis of the arguments */
    const char *summary; /* one line for --help */
    int (*run)(int argc, char **argv);
} mcsecctl_cmd_t;

/* A command group such as "policy". */
typedef struct {
    const char *name;
    const mcsecctl_cmd_t *cmds;
    unsigned cmd_count;
} mcsecctl_group_t;

/* The policy group (mcsecctl_policy.c). */
extern const mcsecctl_group_t mcsecctl_policy_group;
/* The spk and gmk groups (mcsecctl_spk.c, mcsecctl_gmk.c). */
extern const mcsecctl_group_t mcsecctl_spk_group;
extern const mcsecctl_group_t mcsecctl_gmk_group;
/* The kms and ear groups (mcsecctl_kms.c, mcsecctl_ear.c). */
extern const mcsecctl_group_t mcsecctl_kms_group;
extern const mcsecctl_group_t mcsecctl_ear_group;
/* The key group (mcsecctl_key.c): topology key files. */
extern const mcsecctl_group_t mcsecctl_key_group;
/* The ipsec group (mcsecctl_ipsec.c): `ipsec render`, `ipsec exporter`
 * (mcsecctl_ipsec_exporter.c; runs until SIGTERM). */
extern const mcsecctl_group_t mcsecctl_ipsec_group;
int mcsecctl_ipsec_exporter(int argc, char **argv);

/* The partner group (mcsecctl_partner.c): `partner add`. */
extern const mcsecctl_group_t mcsecctl_partner_group;

/* Subcommands whose arguments are all "--name VALUE" pairs
 * (mcsecctl_opts.c): mcsecctl_opt() is the VALUE after the first argv[i]
 * equal to name (i >= 1), NULL when absent; mcsecctl_opts_known() is 1 when
 * every argument from argv[1] on is a pair whose name is in the
 * NULL-terminated names, else 0 after one line on stderr. */
const char *mcsecctl_opt(int argc, char **argv, const char *name);
int mcsecctl_opts_known(int argc, char **argv, const char *const *names);

/* `mcsecctl policy pair A.yaml B.yaml` (mcsecctl_pair.c); argv[0] is "pair".
 * Exit 0 when the two policies agree, 1 when not (one line per disagreement
 * on stderr) or when one does not load, 2 usage. */
int mcsecctl_policy_pair(int argc, char **argv);

/* Runs fn(arg) as the user name (mcsecctl_asuser.c): in a forked child
 * that takes the user's groups, gid and uid (so every open() is judged
 * with that user's credentials), returning the child's exit status; fn
 * itself when we already are that user. MCSECCTL_FAIL after one line on
 * stderr when the user is unknown or we cannot become it (not root). */
int mcsecctl_as_user(const char *name, int (*fn)(void *arg), void *arg);

/* The reload group (mcsecctl_reload.c): `mcsecctl reload`, a group that is
 * one command (its single subcommand has the name ""). */
extern const mcsecctl_group_t mcsecctl_reload_group;

/* Writes all n octets of p to fd, retrying after EINTR and short writes
 * (mcsecctl_io.c). 0, or -1 with errno set. */
int mcsecctl_write_all(int fd, const char *p, size_t n);

#endif
