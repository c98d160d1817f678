/* nftables rules that keep traffic with the partners' service addresses
 * inside the tunnel. With kernel-libipsec a missing SA means the packets
 * take the ordinary route in clear, so this is what makes "no SA" mean
 * "no traffic"; with kernel XFRM it is a second line behind the policies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipsec_render_internal.h"

/* Writes "elements = { a, b }" of one family of sets[0..partner_count)
 * (the partners' service or media relay addresses); returns false when
 * empty. */
static bool write_set(ipsec_text_t *t, const ipsec_plan_t *plan, const ipsec_addrs_t *sets,
                      int family, const char *name)
{
    size_t n = 0;
    for (size_t p = 0; p < plan->partner_count; p++)
        for (size_t i = 0; i < sets[p].count; i++)
            if (sets[p].items[i]->family == family) {
                if (n++ == 0)
                    ipsec_text_printf(t, "    set %s {\n        type %s\n        elements = { ",
                                      name, family == AF_INET6 ? "ipv6_addr" : "ipv4_addr");
                else
                    ipsec_text_printf(t, ", ");
                ipsec_text_printf(t, "%s", sets[p].items[i]->ip);
            }
    if (n)
        ipsec_text_printf(t, " }\n    }\n");
    return n > 0;
}

/* Our relay's outside port range talks to partner relays only
 * (docs/media.md): what leaves it for, or reaches it from, any other
 * address is dropped; has_set: the partners' relays of its family exist
 * as a set. */
static void write_media_local(ipsec_text_t *t, const char *hook, const mcsec_policy_t *policy,
                              bool has_set)
{
    const mcsec_media_system_t *m = &policy->system.media;
    bool v6 = m->outside_address.family == AF_INET6;
    const char *proto = v6 ? "ip6" : "ip";
    const char *set = v6 ? "partner_media6" : "partner_media4";
    char range[16], peer_out[48] = "", peer_in[48] = "";
    snprintf(range, sizeof(range), "%u-%u", (unsigned)m->port_min, (unsigned)m->port_max);
    if (has_set) {
        snprintf(peer_out, sizeof(peer_out), "%s daddr != @%s ", proto, set);
        snprintf(peer_in, sizeof(peer_in), "%s saddr != @%s ", proto, set);
    }
    if (strcmp(hook, "output") == 0)
        ipsec_text_printf(t, "        %s saddr %s udp sport %s %scounter drop\n", proto,
                          m->outside_address.ip, range, peer_out);
    else if (strcmp(hook, "input") == 0)
        ipsec_text_printf(t, "        %s daddr %s udp dport %s %scounter drop\n", proto,
                          m->outside_address.ip, range, peer_in);
}

/* The drop rules of one direction for one family. */
static void write_rules(ipsec_text_t *t, const char *hook, const char *proto, const char *set,
                        bool libipsec)
{
    bool out = strcmp(hook, "output") == 0;
    bool in = strcmp(hook, "input") == 0;
    if (libipsec) {
        if (!in)
            ipsec_text_printf(t, "        %s daddr @%s oifname != \"%s\" counter drop\n", proto,
                              set, MCSEC_IPSEC_TUN_NAME);
        if (!out)
            ipsec_text_printf(t, "        %s saddr @%s iifname != \"%s\" counter drop\n", proto,
                              set, MCSEC_IPSEC_TUN_NAME);
    } else {
        if (!in)
            ipsec_text_printf(t, "        %s daddr @%s rt ipsec missing counter drop\n", proto,
                              set);
        if (!out)
            ipsec_text_printf(t, "        %s saddr @%s meta ipsec missing counter drop\n", proto,
                              set);
    }
}

mcsec_err_t mcsec_ipsec_render_nft(const mcsec_policy_t *policy, const mcsec_ipsec_options_t *opts,
                                   char **out, mcsec_diag_list_t *diags)
{
    mcsec_err_t rc;
    ipsec_plan_t *plan = ipsec_render_start(policy, opts, false, out, diags, &rc);
    if (!plan)
        return rc;
    bool libipsec = opts->backend == MCSEC_IPSEC_LIBIPSEC;
    ipsec_text_t t = {NULL, 0, 0, false};
    ipsec_text_printf(&t,
                      "#!/usr/sbin/nft -f\n"
                      "# nftables rules of border %s, rendered by `mcsecctl ipsec render --nft`\n"
                      "# from %s (back end: %s). Traffic to or from a partner's service\n"
                      "# addresses that did not cross the tunnel is dropped.\n",
                      policy->system.name, policy->source_path ? policy->source_path : "<memory>",
                      libipsec ? "libipsec" : "kernel");
    /* Declaring the table first makes the delete succeed on a first load. */
    ipsec_text_printf(&t, "table inet mcsec_ipsec\ndelete table inet mcsec_ipsec\n"
                          "table inet mcsec_ipsec {\n");
    bool v4 = write_set(&t, plan, plan->remote, AF_INET, "partner_svc4");
    bool v6 = write_set(&t, plan, plan->remote, AF_INET6, "partner_svc6");
    bool media = plan->media_local != NULL;
    bool m4 = media && write_set(&t, plan, plan->media_remote, AF_INET, "partner_media4");
    bool m6 = media && write_set(&t, plan, plan->media_remote, AF_INET6, "partner_media6");
    static const char *const hooks[] = {"input", "output", "forward"};
    for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++) {
        ipsec_text_printf(&t,
                          "    chain %s {\n        type filter hook %s priority filter; "
                          "policy accept;\n",
                          hooks[h], hooks[h]);
        if (v4)
            write_rules(&t, hooks[h], "ip", "partner_svc4", libipsec);
        if (v6)
            write_rules(&t, hooks[h], "ip6", "partner_svc6", libipsec);
        if (m4)
            write_rules(&t, hooks[h], "ip", "partner_media4", libipsec);
        if (m6)
            write_rules(&t, hooks[h], "ip6", "partner_media6", libipsec);
        if (media)
            write_media_local(&t, hooks[h], policy,
                              plan->media_local->family == AF_INET6 ? m6 : m4);
        ipsec_text_printf(&t, "    }\n");
    }
    ipsec_text_printf(&t, "}\n");
    free(plan);
    return ipsec_text_finish(&t, out);
}
