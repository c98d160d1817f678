/* mcsecctl reload [--ctl unix:PATH]: mcsec.reload over the IS proxy's
 * control socket with an exit status systemd can use (ExecReload).
 *
 * kamcmd (Debian's kamailio package) speaks binrpc and prints a refused
 * RPC as "error: NNN - text" but exits 0 all the same, so `systemctl
 * reload` would report a refused policy as success. This runs
 * `kamcmd -s PATH mcsec.reload`, passes its output on, and exits 1 when
 * kamcmd failed or printed an error line (the module refused the policy
 * and kept the running generation; the lines say why), 0 when the new
 * generation is running. MCSEC_KAMCMD names another kamcmd (tests). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcsecctl.h"

#define DEFAULT_CTL "unix:/run/mcsec-is-proxy/kamailio_ctl"
#define OUTPUT_MAX 65536

/* Runs kamcmd with its stdout and stderr on one pipe; the output goes to
 * out (NUL terminated). Returns the exit status, -1 when it did not run. */
static int run_kamcmd(const char *ctl, char *out, size_t out_size)
{
    out[0] = '\0';
    const char *kamcmd = getenv("MCSEC_KAMCMD");
    if (!kamcmd || !kamcmd[0])
        kamcmd = "kamcmd";
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp(kamcmd, kamcmd, "-s", ctl, "mcsec.reload", (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", kamcmd, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    size_t used = 0;
    for (;;) {
        char buf[4096];
        ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n < out_size - 1 - used ? (size_t)n : out_size - 1 - used;
        memcpy(out + used, buf, take);
        used += take;
    }
    out[used] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* kamcmd's fault line: "error: NNN - ..." at the start of a line. */
static int has_error_line(const char *text)
{
    for (const char *line = text; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, "error:", 6) == 0 || strncmp(line, "ERROR:", 6) == 0)
            return 1;
    }
    return 0;
}

static int reload(int argc, char **argv)
{
    static const char *const names[] = {"--ctl", NULL};
    if (!mcsecctl_opts_known(argc, argv, names)) {
        fprintf(stderr, "usage: mcsecctl reload [--ctl unix:PATH]\n");
        return MCSECCTL_USAGE;
    }
    const char *ctl = mcsecctl_opt(argc, argv, "--ctl");
    if (!ctl)
        ctl = DEFAULT_CTL;
    char *out = malloc(OUTPUT_MAX);
    if (!out) {
        fprintf(stderr, "mcsecctl: out of memory\n");
        return MCSECCTL_FAIL;
    }
    int rc = run_kamcmd(ctl, out, OUTPUT_MAX);
    int refused = rc != 0 || has_error_line(out) || out[0] == '\0';
    fputs(out, refused ? stderr : stdout);
    if (refused) {
        if (rc != 0)
            fprintf(stderr, "mcsecctl: reload via %s failed (kamcmd exit %d)\n", ctl, rc);
        else
            fprintf(stderr, "mcsecctl: reload refused; the running policy stays\n");
    }
    free(out);
    return refused ? MCSECCTL_FAIL : MCSECCTL_OK;
}

static const mcsecctl_cmd_t reload_cmds[] = {
    {"", "[--ctl unix:PATH]",
     "mcsec.reload of the running IS proxy (default " DEFAULT_CTL
     "); exit 1 when the policy was refused (the running generation stays)",
     reload},
};

const mcsecctl_group_t mcsecctl_reload_group = {
    "reload", reload_cmds, (unsigned)(sizeof(reload_cmds) / sizeof(reload_cmds[0]))};
