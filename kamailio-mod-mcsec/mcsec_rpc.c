/* mcsec.* RPC commands: see mcsec_rpc.h and the README for the formats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "core/dprint.h"

#include "mcsec/util/reason.h"
#include "mcsec_counters.h"
#include "mcsec_ear_replay.h"
#include "mcsec_gmk_replay.h"
#include "mcsec_rpc.h"
#include "mcsec_admit.h"
#include "mcsec_egress_ds.h"
#include "mcsec_rpc_expiry.h"
#include "mcsec_shm_policy.h"
#include "mcsec_version.h"

/* A binrpc fault phrase (with its NUL) must fit a one-octet length: longer
 * ones are dropped by ctl ("add_str_mark error"). The full list goes to the
 * log. */
#define MCSEC_RPC_FAULT_MAX 250

static const char *rpc_reload_doc[] = {
    "Re-read and validate the policy file (the loader, then the deep check of every key, "
    "certificate and cache: mcsecctl policy check). On success returns the new generation; "
    "on any error keeps the running policy and faults (400) with the FILE[:LINE[:COL]] lines; "
    "kamcmd exits 0 even then, mcsecctl reload exits 1.",
    0};
static const char *rpc_stats_doc[] = {
    "Counters: totals, then per partner and for unmatched requests: passed_in, "
    "passed_out and one count per reason code.",
    0};
static const char *rpc_policy_doc[] = {
    "Summary of the loaded policy: generation, source file, system, partners.", 0};

/* Formats the reload fault: a head line, then the whole problem lines that
 * fit and a count of those that did not. */
static void format_fault(const mcsec_problems_t *problems, char *out, size_t out_size)
{
    int head =
        snprintf(out, out_size, "policy rejected, generation %d kept (%u problem%s)",
                 mcsec_shm_policy_generation(), problems->count, problems->count == 1 ? "" : "s");
    if (head < 0 || (size_t)head >= out_size) {
        return;
    }
    size_t used = (size_t)head;
    const char *line = problems->text;
    unsigned shown = 0;
    while (*line != '\0') {
        const char *eol = strchr(line, '\n');
        size_t line_len = eol != NULL ? (size_t)(eol - line) : strlen(line);
        /* keep room for the "\n(+NNN more in the log)" tail */
        if (used + 1 + line_len + 24 >= out_size) {
            break;
        }
        out[used++] = '\n';
        memcpy(out + used, line, line_len);
        used += line_len;
        shown++;
        line += line_len + (eol != NULL ? 1 : 0);
    }
    out[used] = '\0';
    if (shown < problems->count) {
        snprintf(out + used, out_size - used, "\n(+%u more in the log)", problems->count - shown);
    }
}

/* mcsec.reload */
static void rpc_reload(rpc_t *rpc, void *ctx)
{
    mcsec_problems_t problems;
    mcsec_problems_init(&problems);
    /* Audited and logged (each problem on its own line) there. */
    int generation = mcsec_shm_policy_reload(MCSEC_TRIGGER_RPC, &problems);
    if (generation < 0) {
        char fault[MCSEC_RPC_FAULT_MAX + 1];
        format_fault(&problems, fault, sizeof(fault));
        rpc->fault(ctx, 400, "%s", fault);
        return;
    }
    mcsec_ds_refresh(rpc, ctx);
    void *th = NULL;
    if (rpc->add(ctx, "{", &th) < 0) {
        return;
    }
    rpc->struct_add(th, "ds", "generation", generation, "source", mcsec_shm_policy_path());
}

/* Adds one counter row (passed_in, passed_out, each reason code) to st.
 * Printed as unsigned int: binrpc sends longs as doubles. */
static void add_row_cells(rpc_t *rpc, void *st, const long *cells)
{
    rpc->struct_add(st, "uu", "passed_in", (unsigned)cells[MCSEC_CNT_PASSED_IN], "passed_out",
                    (unsigned)cells[MCSEC_CNT_PASSED_OUT]);
    for (int r = 1; r < (int)MCSEC_REASON_COUNT; r++) {
        rpc->struct_add(st, "u", mcsec_reason_code((mcsec_reason_t)r), (unsigned)cells[r]);
    }
}

/* mcsec.stats */
static void rpc_stats(rpc_t *rpc, void *ctx)
{
    mcsec_cnt_snapshot_t *snap = malloc(sizeof(*snap));
    if (snap == NULL) {
        rpc->fault(ctx, 500, "out of memory");
        return;
    }
    mcsec_counters_snapshot(snap);
    long totals[MCSEC_CNT_COLUMNS];
    memcpy(totals, snap->unmatched.cells, sizeof(totals));
    for (size_t p = 0; p < snap->partner_count; p++) {
        for (int c = 0; c < MCSEC_CNT_COLUMNS; c++) {
            totals[c] += snap->partners[p].cells[c];
        }
    }
    void *th = NULL;
    void *sub = NULL;
    void *arr = NULL;
    if (rpc->add(ctx, "{", &th) < 0) {
        free(snap);
        return;
    }
    int64_t now = (int64_t)time(NULL);
    rpc->struct_add(th, "duu", "generation", mcsec_shm_policy_generation(), "ear_replay_entries",
                    (unsigned)mcsec_ear_replay_count(now), "gmk_replay_entries",
                    (unsigned)mcsec_gmk_replay_count(now));
    if (rpc->struct_add(th, "{", "total", &sub) >= 0) {
        add_row_cells(rpc, sub, totals);
    }
    if (rpc->struct_add(th, "{", "unmatched", &sub) >= 0) {
        add_row_cells(rpc, sub, snap->unmatched.cells);
    }
    if (rpc->struct_add(th, "[", "partners", &arr) >= 0) {
        for (size_t p = 0; p < snap->partner_count; p++) {
            if (rpc->array_add(arr, "{", &sub) >= 0) {
                rpc->struct_add(sub, "s", "name", snap->partners[p].name);
                add_row_cells(rpc, sub, snap->partners[p].cells);
            }
        }
    }
    free(snap);
}

/* Adds "name": [strings] to st. */
static void add_strlist(rpc_t *rpc, void *st, const char *name, const mcsec_strlist_t *list)
{
    void *arr = NULL;
    if (rpc->struct_add(st, "[", name, &arr) < 0) {
        return;
    }
    for (size_t i = 0; i < list->count; i++) {
        rpc->array_add(arr, "s", list->items[i]);
    }
}

/* Formats addr as IP:PORT ([IPv6]:PORT); port 0 prints as "any". */
static void format_addr(const mcsec_addr_t *addr, char *out, size_t out_size)
{
    const bool v6 = addr->family == AF_INET6;
    if (addr->port != 0) {
        snprintf(out, out_size, "%s%s%s:%u", v6 ? "[" : "", addr->ip, v6 ? "]" : "",
                 (unsigned)addr->port);
    } else {
        snprintf(out, out_size, "%s%s%s:any", v6 ? "[" : "", addr->ip, v6 ? "]" : "");
    }
}

/* Adds one partner's summary as a struct to arr. */
static void add_partner(rpc_t *rpc, void *arr, const mcsec_partner_t *partner)
{
    void *st = NULL;
    void *proxies = NULL;
    if (rpc->array_add(arr, "{", &st) < 0) {
        return;
    }
    rpc->struct_add(st, "ss", "name", partner->name, "identity", partner->identity);
    add_strlist(rpc, st, "domains", &partner->domains);
    rpc->struct_add(st, "s", "auth",
                    partner->auth == MCSEC_AUTH_EXPLICIT ? "explicit" : "implicit");
    if (rpc->struct_add(st, "[", "is_proxy", &proxies) >= 0) {
        for (size_t i = 0; i < partner->is_proxy_count; i++) {
            char addr[80];
            format_addr(&partner->is_proxy[i], addr, sizeof(addr));
            rpc->array_add(proxies, "s", addr);
        }
    }
    add_strlist(rpc, st, "methods", &partner->sip.methods);
    add_strlist(rpc, st, "content_types", &partner->sip.content_types);
    rpc->struct_add(st, "ud", "max_body", (unsigned)partner->sip.max_body, "warning_reason",
                    partner->sip.warning_reason ? 1 : 0);
}

/* mcsec.policy */
static void rpc_policy(rpc_t *rpc, void *ctx)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    if (policy == NULL) {
        rpc->fault(ctx, 500, "no usable policy (generation %d)", mcsec_shm_policy_generation());
        return;
    }
    void *th = NULL;
    void *arr = NULL;
    if (rpc->add(ctx, "{", &th) < 0) {
        return;
    }
    rpc->struct_add(th, "dsss", "generation", mcsec_shm_policy_generation(), "source",
                    mcsec_shm_policy_path(), "name", policy->system.name, "identity",
                    policy->system.identity);
    add_strlist(rpc, th, "domains", &policy->system.domains);
    if (policy->system.has_sip_core) {
        char addr[80];
        format_addr(&policy->system.sip_core, addr, sizeof(addr));
        rpc->struct_add(th, "s", "sip_core", addr);
    }
    rpc->struct_add(th, "s", "sip_transport",
                    policy->system.sip_transport == MCSEC_TRANSPORT_TCP ? "tcp" : "udp");
    if (rpc->struct_add(th, "[", "partners", &arr) >= 0) {
        for (size_t p = 0; p < policy->partner_count; p++) {
            add_partner(rpc, arr, &policy->partners[p]);
        }
    }
}

/* mcsec.version: the project version (CMake's project(VERSION), plus git
 * describe in a checkout: cmake/Version.cmake), the one mcsecctl --version
 * and mcsec-httpd --version print. */
static const char *rpc_version_doc[] = {"The version of mcsec.so", 0};

static void rpc_version(rpc_t *rpc, void *ctx)
{
    rpc->rpl_printf(ctx, "mcsec.so %s", MCSEC_VERSION_FULL);
}

/* clang-format off */
rpc_export_t mcsec_rpc_exports[] = {
    {"mcsec.version", rpc_version, rpc_version_doc, 0},
    {"mcsec.reload", rpc_reload, rpc_reload_doc, 0},
    {"mcsec.stats", rpc_stats, rpc_stats_doc, 0},
    {"mcsec.policy", rpc_policy, rpc_policy_doc, 0},
    {"mcsec.expiry", mcsec_rpc_expiry, mcsec_rpc_expiry_doc, 0},
    {"mcsec.load", mcsec_rpc_load, mcsec_rpc_load_doc, 0},
    {0, 0, 0, 0}
};
/* clang-format on */
