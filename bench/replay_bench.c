/* replay_bench: the EAR check with its replay cache in Redis against the
 * in-process table (the table mcsec.so keeps in shared memory, without the
 * kamailio lock), in one run: CPU time per EAR (this process, and Redis's
 * own CPU where its pid is given) and the latency of each check (p50, p99),
 * the stores taking turns in chunks so that both see the same machine load.
 *
 * Each check is the full mcsec_ear_check_header of a fresh EAR (decode,
 * ECCSI verify, replay insert through a partner view with the default
 * quota), as mcsec.so runs it; the EARs are signed beforehand, outside the
 * measurement. A second part times the replay insert alone.
 *
 * Usage: replay_bench COUNT REDIS_ADDRESS [REDIS_PID] [REDIS_ADDRESS [REDIS_PID]]...
 * (address: unix socket path or host:port). Prints markdown rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mcsec/ear/ear.h"
#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/uid.h"
#include "mcsec/util/replay.h"
#include "mcsec/util/replay_redis.h"

#define SOURCE "sip:server@b.example"
#define TARGET "sip:border@a.example"
#define CHUNK 100
#define MAX_STORES 5 /* the table, then two per Redis address */

typedef struct {
    const char *name;
    mcsec_replay_cache_t *cache;
    int redis_pid;   /* 0: none */
    size_t quota;    /* the partner quota: 0 = SET NX PX alone, else the Lua script */
    double *lat_us;  /* per check */
    double cpu_s;    /* this process */
    double server_s; /* redis-server */
    size_t done;
    double *insert_us; /* the insert alone */
} store_t;

static double now_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of pid in seconds; 0 when unreadable. */
static double proc_cpu_s(int pid)
{
    if (pid <= 0) {
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long utime = 0, stime = 0;
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) {
        return 0;
    }
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double q)
{
    qsort(v, n, sizeof(*v), cmp_double);
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i];
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: replay_bench COUNT REDIS_ADDRESS [REDIS_PID]...\n");
        return 2;
    }
    long count = strtol(argv[1], NULL, 10);
    if (count < CHUNK || count % CHUNK != 0) {
        fprintf(stderr, "replay_bench: COUNT must be a multiple of %d\n", CHUNK);
        return 2;
    }
    store_t stores[MAX_STORES];
    size_t nstores = 0;
    memset(stores, 0, sizeof(stores));
    stores[0].name = "in-process table (shm's)";
    if (mcsec_replay_mem_new(65536, &stores[0].cache) != MCSEC_OK) {
        return 1;
    }
    nstores = 1;
    stores[0].quota = 32768;
    for (int a = 2; a < argc && nstores + 2 <= MAX_STORES; a++) {
        const mcsec_replay_redis_config_t cfg = {argv[a], 50, "bench", "ear", 0};
        int pid = 0;
        if (a + 1 < argc && argv[a + 1][0] >= '0' && argv[a + 1][0] <= '9') {
            pid = atoi(argv[a + 1]);
        }
        for (int q = 0; q < 2; q++) {
            store_t *s = &stores[nstores++];
            s->name = argv[a][0] == '/' ? (q ? "Redis, unix socket, quota (script)"
                                             : "Redis, unix socket, no quota (SET NX PX)")
                                        : (q ? "Redis, TCP loopback, quota (script)"
                                             : "Redis, TCP loopback, no quota (SET NX PX)");
            s->quota = q ? 32768 : 0;
            s->redis_pid = pid;
            if (mcsec_replay_redis_new(&cfg, &s->cache) != MCSEC_OK) {
                fprintf(stderr, "replay_bench: bad address %s\n", argv[a]);
                return 1;
            }
        }
        a += pid != 0;
    }
    /* A KMS, the partner server's keys, and the check's policy. */
    mcsec_kms_pub_t kms;
    memset(&kms, 0, sizeof(kms));
    snprintf(kms.kms_uri, sizeof(kms.kms_uri), "kms.b.example");
    kms.key_period = 2592000;
    uint8_t ksak[32], uid[32], ssk[32], pvt[65];
    int64_t now = (int64_t)time(NULL);
    mcsec_eccsi_signer_t *signer = NULL;
    mcsec_eccsi_pub_t *kpak = NULL;
    if (mcsec_eccsi_kms_generate(ksak, kms.kpak) != MCSEC_OK ||
        mcsec_eccsi_pub_new(kms.kpak, &kpak) != MCSEC_OK ||
        mcsec_uid_at(SOURCE, strlen(SOURCE), kms.kms_uri, strlen(kms.kms_uri), kms.key_period,
                     kms.key_offset, now, uid) != MCSEC_OK ||
        mcsec_eccsi_kms_issue(ksak, uid, 32, ssk, pvt) != MCSEC_OK ||
        mcsec_eccsi_signer_new(kms.kpak, uid, 32, ssk, pvt, &signer) != MCSEC_OK) {
        fprintf(stderr, "replay_bench: key set-up failed\n");
        return 1;
    }
    size_t total = (size_t)count * nstores;
    char(*headers)[MCSEC_EAR_HEADER_MAX] = calloc(total, MCSEC_EAR_HEADER_MAX);
    if (headers == NULL) {
        return 1;
    }
    mcsec_ear_t ear;
    memset(&ear, 0, sizeof(ear));
    ear.date = (uint64_t)now;
    ear.source_role = 2;
    ear.source_id = (mcsec_str_t){SOURCE, strlen(SOURCE)};
    ear.target_role = 2;
    ear.target_id = (mcsec_str_t){TARGET, strlen(TARGET)};
    for (size_t i = 0; i < total; i++) {
        uint8_t raw[MCSEC_EAR_MAX_LEN];
        size_t len = 0;
        if (mcsec_ear_new_id(ear.ear_id) != MCSEC_OK ||
            mcsec_ear_sign(&ear, signer, raw, sizeof(raw), &len) != MCSEC_OK ||
            mcsec_ear_to_header(raw, len, headers[i], MCSEC_EAR_HEADER_MAX) != MCSEC_OK) {
            fprintf(stderr, "replay_bench: signing failed\n");
            return 1;
        }
    }
    static char *partner_items[] = {"b.example"};
    static char *our_items[] = {"a.example"};
    const mcsec_strlist_t partner_domains = {partner_items, 1};
    const mcsec_strlist_t our_domains = {our_items, 1};
    const uint8_t roles[] = {MCSEC_EAR_ROLE_MC_SERVER};
    const mcsec_str_t asserted[] = {{"<" SOURCE ">", strlen(SOURCE) + 2}};
    const mcsec_ear_sender_t sender = {.asserted_ids = asserted, .asserted_id_count = 1};
    for (size_t s = 0; s < nstores; s++) {
        stores[s].lat_us = calloc((size_t)count, sizeof(double));
        stores[s].insert_us = calloc((size_t)count, sizeof(double));
        if (stores[s].lat_us == NULL || stores[s].insert_us == NULL) {
            return 1;
        }
    }
    /* Part 1: full EAR checks, the stores taking turns by chunks. */
    size_t next = 0;
    for (long c = 0; c < count / CHUNK; c++) {
        for (size_t s = 0; s < nstores; s++) {
            store_t *st = &stores[s];
            const mcsec_replay_owner_t owner = {"system-b", st->quota, false};
            mcsec_replay_partner_t view;
            mcsec_replay_partner_init(&view, st->cache, &owner);
            mcsec_ear_policy_t policy = {.kms = &kms,
                                         .kpak = kpak,
                                         .partner_domains = &partner_domains,
                                         .source_roles = roles,
                                         .source_role_count = 1,
                                         .our_identity = TARGET,
                                         .our_domains = &our_domains,
                                         .request_uri = {TARGET, strlen(TARGET)},
                                         .now = now,
                                         .skew = 600,
                                         .replay = &view.base,
                                         .sender = &sender};
            double server0 = proc_cpu_s(st->redis_pid);
            double cpu0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
            for (int k = 0; k < CHUNK; k++) {
                const char *h = headers[next++];
                uint8_t buf[MCSEC_EAR_MAX_LEN];
                double t0 = now_s(CLOCK_MONOTONIC);
                mcsec_reason_t r =
                    mcsec_ear_check_header(h, strlen(h), &policy, buf, sizeof(buf), NULL, NULL, 0);
                st->lat_us[st->done++] = (now_s(CLOCK_MONOTONIC) - t0) * 1e6;
                if (r != MCSEC_REASON_NONE) {
                    fprintf(stderr, "replay_bench: %s: EAR refused: %s\n", st->name,
                            mcsec_reason_code(r));
                    return 1;
                }
            }
            st->cpu_s += now_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
            st->server_s += proc_cpu_s(st->redis_pid) - server0;
        }
    }
    /* Part 2: the replay insert alone (fresh IDs). */
    for (size_t s = 0; s < nstores; s++) {
        const mcsec_replay_owner_t owner = {"system-b", stores[s].quota, false};
        mcsec_replay_partner_t view;
        mcsec_replay_partner_init(&view, stores[s].cache, &owner);
        for (long i = 0; i < count; i++) {
            uint8_t id[MCSEC_REPLAY_ID_LEN];
            mcsec_ear_new_id(id);
            double t0 = now_s(CLOCK_MONOTONIC);
            if (view.base.seen_or_insert(&view.base, id, now + 600, now) != MCSEC_REPLAY_NEW) {
                fprintf(stderr, "replay_bench: insert refused\n");
                return 1;
            }
            stores[s].insert_us[i] = (now_s(CLOCK_MONOTONIC) - t0) * 1e6;
        }
    }
    const store_t *base = &stores[0];
    double base_cpu = base->cpu_s / (double)count * 1e6;
    double base_p99 = pct(stores[0].lat_us, (size_t)count, 0.99);
    printf("| store | EAR checks | CPU µs/EAR (proxy) | CPU µs/EAR (redis-server) | CPU ratio to "
           "shm (proxy + Redis) | check p50 µs | check p99 µs | added p99 µs | insert alone p50 "
           "µs | insert alone p99 µs |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t s = 0; s < nstores; s++) {
        store_t *st = &stores[s];
        double cpu = st->cpu_s / (double)count * 1e6;
        double server = st->server_s / (double)count * 1e6;
        double p50 = pct(st->lat_us, (size_t)count, 0.50);
        double p99 = pct(st->lat_us, (size_t)count, 0.99);
        printf("| %s | %ld | %.1f | %s%.1f | %.3f | %.1f | %.1f | %+.1f | %.1f | %.1f |\n",
               st->name, count, cpu, st->redis_pid ? "" : "— ", server, (cpu + server) / base_cpu,
               p50, p99, p99 - base_p99, pct(st->insert_us, (size_t)count, 0.50),
               pct(st->insert_us, (size_t)count, 0.99));
    }
    for (size_t s = 0; s < nstores; s++) {
        mcsec_replay_free(stores[s].cache);
        free(stores[s].lat_us);
        free(stores[s].insert_us);
    }
    free(headers);
    mcsec_eccsi_signer_free(signer);
    mcsec_eccsi_pub_free(kpak);
    return 0;
}
