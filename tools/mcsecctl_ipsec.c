/* mcsecctl ipsec render: swanctl.conf or nftables rules from the policy,
 * always for every partner (swanctl --load-all and nft -f replace what
 * is loaded: a file with one partner would unload the others). --partner
 * NAME is a view for reading: printed as comments only, never written
 * with -o (docs/ipsec.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/ipsec/ipsec.h"
#include "mcsec/policy/policy.h"
#include "mcsecctl.h"

#define RENDER_USAGE                                                                               \
    "usage: mcsecctl ipsec render --policy FILE [--partner NAME] [--backend kernel|libipsec] "     \
    "[--nft] [-o OUT]\n"

static void print_diags(const mcsec_diag_list_t *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        char line[1024];
        mcsec_diag_format(&diags->items[i], line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }
}

/* The --partner view: every line of text as a comment under a heading
 * that says why, so that no file made from it can be loaded. NULL when
 * out of memory. */
static char *as_view(const char *partner, const char *text)
{
    static const char head[] = "# mcsecctl ipsec render --partner %s: a view for reading, every\n"
                               "# line commented out. Loading one partner's part would unload the\n"
                               "# others: render without --partner to write the file.\n";
    size_t lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    size_t size = sizeof(head) + strlen(partner) + strlen(text) + 2 * lines + 1;
    char *out = malloc(size);
    if (!out)
        return NULL;
    size_t n = (size_t)snprintf(out, size, head, partner);
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        n += (size_t)snprintf(out + n, size - n, "#%s%.*s\n", len ? " " : "", (int)len, p);
        p += len + (end ? 1 : 0);
    }
    return out;
}

/* Writes text to path (or stdout for NULL); returns an exit code. */
static int write_out(const char *path, const char *text)
{
    bool ok;
    if (!path) {
        ok = fputs(text, stdout) >= 0;
        ok = fflush(stdout) == 0 && ok;
    } else {
        FILE *f = fopen(path, "w");
        if (!f) {
            perror(path);
            return MCSECCTL_FAIL;
        }
        ok = fputs(text, f) >= 0;
        ok = fclose(f) == 0 && ok;
    }
    if (!ok)
        fprintf(stderr, "mcsecctl: cannot write %s\n", path ? path : "stdout");
    return ok ? MCSECCTL_OK : MCSECCTL_FAIL;
}

static int ipsec_render(int argc, char **argv)
{
    const char *policy_path = NULL, *out_path = NULL;
    mcsec_ipsec_options_t opts = {MCSEC_IPSEC_KERNEL, NULL};
    bool nft = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(arg, "--nft") == 0) {
            nft = true;
        } else if (strcmp(arg, "--policy") == 0 && has_value) {
            policy_path = argv[++i];
        } else if (strcmp(arg, "--partner") == 0 && has_value) {
            opts.partner = argv[++i];
        } else if ((strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) && has_value) {
            out_path = argv[++i];
        } else if (strcmp(arg, "--backend") == 0 && has_value) {
            const char *name = argv[++i];
            if (strcmp(name, "kernel") == 0)
                opts.backend = MCSEC_IPSEC_KERNEL;
            else if (strcmp(name, "libipsec") == 0)
                opts.backend = MCSEC_IPSEC_LIBIPSEC;
            else {
                fprintf(stderr, "mcsecctl: unknown back end '%s' (kernel or libipsec)\n", name);
                return MCSECCTL_USAGE;
            }
        } else {
            fprintf(stderr, "mcsecctl: unexpected argument '%s'\n" RENDER_USAGE, arg);
            return MCSECCTL_USAGE;
        }
    }
    if (!policy_path) {
        fprintf(stderr, RENDER_USAGE);
        return MCSECCTL_USAGE;
    }
    if (opts.partner && out_path) {
        fprintf(stderr, "mcsecctl: --partner is a view for reading and writes no file (loaded, "
                        "it would unload the other partners): render without --partner\n");
        return MCSECCTL_USAGE;
    }
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    mcsec_err_t rc = mcsec_policy_load_file(policy_path, &policy, &diags);
    char *text = NULL;
    if (rc == MCSEC_OK)
        rc = nft ? mcsec_ipsec_render_nft(policy, &opts, &text, &diags)
                 : mcsec_ipsec_render_swanctl(policy, &opts, &text, &diags);
    print_diags(&diags);
    if (rc != MCSEC_OK && diags.count == 0)
        fprintf(stderr, "%s: %s\n", policy_path, mcsec_err_str(rc));
    mcsec_diag_list_free(&diags);
    mcsec_policy_free(policy);
    if (rc == MCSEC_OK && opts.partner) {
        char *view = as_view(opts.partner, text);
        free(text);
        text = view;
        if (!text) {
            fprintf(stderr, "mcsecctl: out of memory\n");
            rc = MCSEC_ERR_NOMEM;
        }
    }
    int status = rc == MCSEC_OK ? write_out(out_path, text) : MCSECCTL_FAIL;
    free(text);
    return status;
}

static const mcsecctl_cmd_t ipsec_cmds[] = {
    {"render", "--policy FILE [--partner NAME] [--backend kernel|libipsec] [--nft] [-o OUT]",
     "write swanctl.conf (or with --nft the nftables rules) for our border, every partner; "
     "--partner NAME prints one partner's part as a commented view (no -o)",
     ipsec_render},
    {"exporter",
     "--policy FILE [--listen IP:PORT] [--uri VICI-URI] [--swanctl PATH] [--interval S]",
     "Prometheus exporter of the IPsec SAs (job mcsec_ipsec): GET /metrics on --listen (default "
     "127.0.0.1:9612) gives mcsec_ipsec_sa_up, mcsec_ipsec_child_sas and "
     "mcsec_ipsec_sa_last_rekey_timestamp_seconds per partner, read from `swanctl --list-sas "
     "--raw` "
     "(--uri: charon's VICI socket) at each scrape and every --interval s (default 30); logs "
     "alarm ipsec.sa_down once when a partner's SA goes down",
     mcsecctl_ipsec_exporter},
};

const mcsecctl_group_t mcsecctl_ipsec_group = {
    "ipsec", ipsec_cmds, (unsigned)(sizeof(ipsec_cmds) / sizeof(ipsec_cmds[0]))};
