/* --as-user: run a check as the service user (mcsecctl.h). A forked child
 * drops to the user's supplementary groups, gid and uid before it opens
 * anything, so the kernel judges every file with exactly the credentials
 * the service will have (modes, owners, ACLs, directory search bits),
 * which access(2)-style guesses would only approximate. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcsecctl.h"

/* In the child: become pw; exits MCSECCTL_FAIL when any step fails. */
static void become(const struct passwd *pw)
{
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "mcsecctl: cannot become user '%s': %s (--as-user needs root)\n",
                pw->pw_name, strerror(errno));
        _exit(MCSECCTL_FAIL);
    }
    /* Fail closed: no way back to root, and really the user now. */
    if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || getgid() != pw->pw_gid ||
        (pw->pw_uid != 0 && setuid(0) == 0)) {
        fprintf(stderr, "mcsecctl: could not drop to user '%s' completely\n", pw->pw_name);
        _exit(MCSECCTL_FAIL);
    }
}

int mcsecctl_as_user(const char *name, int (*fn)(void *arg), void *arg)
{
    errno = 0;
    const struct passwd *pw = getpwnam(name);
    if (!pw) {
        fprintf(stderr, "mcsecctl: --as-user: no user '%s'\n", name);
        return MCSECCTL_FAIL;
    }
    if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
        return fn(arg);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mcsecctl: --as-user: fork: %s\n", strerror(errno));
        return MCSECCTL_FAIL;
    }
    if (pid == 0) {
        become(pw);
        int status = fn(arg);
        fflush(NULL);
        _exit(status);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "mcsecctl: --as-user: waitpid: %s\n", strerror(errno));
            return MCSECCTL_FAIL;
        }
    if (!WIFEXITED(status)) {
        fprintf(stderr, "mcsecctl: --as-user: the check as '%s' did not finish\n", name);
        return MCSECCTL_FAIL;
    }
    return WEXITSTATUS(status);
}
