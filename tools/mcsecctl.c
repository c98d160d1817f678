/* mcsecctl entry point: finds the command group and subcommand in the
 * tables and runs it. New groups are one line in `groups`. `--help` after
 * a command or subcommand prints its usage from the same tables (never
 * reaches the subcommand, which would take it for an argument);
 * `--version` prints the project version (CMake's project(VERSION)). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mcsec_version.h"
#include "mcsecctl.h"

static const mcsecctl_group_t *const groups[] = {
    &mcsecctl_policy_group, &mcsecctl_spk_group,    &mcsecctl_gmk_group,
    &mcsecctl_kms_group,    &mcsecctl_ear_group,    &mcsecctl_key_group,
    &mcsecctl_ipsec_group,  &mcsecctl_reload_group, &mcsecctl_partner_group};

#define GROUP_COUNT (sizeof(groups) / sizeof(groups[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: mcsecctl COMMAND SUBCOMMAND [ARGS...]\n"
                 "       mcsecctl COMMAND [SUBCOMMAND] --help\n"
                 "       mcsecctl --help | --version\n\ncommands:\n");
    for (size_t g = 0; g < GROUP_COUNT; g++)
        for (unsigned c = 0; c < groups[g]->cmd_count; c++) {
            const mcsecctl_cmd_t *cmd = &groups[g]->cmds[c];
            fprintf(out, "  %s%s%s %s\n      %s\n", groups[g]->name, cmd->name[0] ? " " : "",
                    cmd->name, cmd->args, cmd->summary);
        }
    fprintf(out, "\nexit status: 0 success, 1 failure (problems printed on stderr as\n"
                 "FILE:LINE:COL: message), 2 usage error\n");
}

static bool is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* The usage of one group's subcommands (all when cmd is NULL). */
static void group_usage(FILE *out, const mcsecctl_group_t *group, const mcsecctl_cmd_t *cmd)
{
    for (unsigned c = 0; c < group->cmd_count; c++) {
        const mcsecctl_cmd_t *each = &group->cmds[c];
        if (cmd == NULL || cmd == each)
            fprintf(out, "usage: mcsecctl %s%s%s %s\n    %s\n", group->name,
                    each->name[0] ? " " : "", each->name, each->args, each->summary);
    }
}

static const mcsecctl_group_t *find_group(const char *name)
{
    for (size_t g = 0; g < GROUP_COUNT; g++)
        if (strcmp(groups[g]->name, name) == 0)
            return groups[g];
    return NULL;
}

static const mcsecctl_cmd_t *find_cmd(const mcsecctl_group_t *group, const char *name)
{
    for (unsigned c = 0; c < group->cmd_count; c++)
        if (strcmp(group->cmds[c].name, name) == 0)
            return &group->cmds[c];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (is_help(argv[1]) || strcmp(argv[1], "help") == 0)) {
        usage(stdout);
        return MCSECCTL_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("mcsecctl %s\n", MCSEC_VERSION_FULL);
        return MCSECCTL_OK;
    }
    const mcsecctl_group_t *group = argc >= 2 ? find_group(argv[1]) : NULL;
    if (group && group->cmd_count == 1 && group->cmds[0].name[0] == '\0') {
        /* A group that is one command (`mcsecctl reload [...]`). */
        for (int i = 2; i < argc; i++) {
            if (is_help(argv[i])) {
                group_usage(stdout, group, NULL);
                return MCSECCTL_OK;
            }
        }
        return group->cmds[0].run(argc - 1, argv + 1);
    }
    if (group && argc == 3 && is_help(argv[2])) {
        group_usage(stdout, group, NULL);
        return MCSECCTL_OK;
    }
    if (argc < 3) {
        if (group)
            group_usage(stderr, group, NULL);
        else
            usage(stderr);
        return MCSECCTL_USAGE;
    }
    if (!group) {
        fprintf(stderr, "mcsecctl: unknown command '%s' (see mcsecctl --help)\n", argv[1]);
        return MCSECCTL_USAGE;
    }
    const mcsecctl_cmd_t *cmd = find_cmd(group, argv[2]);
    if (!cmd) {
        fprintf(stderr, "mcsecctl: unknown subcommand '%s %s' (see mcsecctl %s --help)\n", argv[1],
                argv[2], argv[1]);
        return MCSECCTL_USAGE;
    }
    for (int i = 3; i < argc; i++) {
        if (is_help(argv[i])) {
            group_usage(stdout, group, cmd);
            return MCSECCTL_OK;
        }
    }
    return cmd->run(argc - 2, argv + 2);
}
