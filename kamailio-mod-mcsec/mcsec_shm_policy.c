/* Policy text + generation in shared memory, parsed copy per process: see
 * mcsec_shm_policy.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/atomic_ops.h"
#include "core/dprint.h"
#include "core/globals.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "mcsec/config/config_check.h"
#include "mcsec/obs/generation.h"
#include "mcsec_audit.h"
#include "mcsec_counters.h"
#include "mcsec_log.h"
#include "mcsec_shm_policy.h"

/* Policies are small; a bigger file is a mistake, not a policy. */
#define MCSEC_POLICY_MAX_BYTES (1024 * 1024)

typedef struct {
    gen_lock_t lock;     /* guards text/text_len and publishing a generation */
    atomic_t generation; /* read without the lock on every request */
    char *text;          /* shm: validated policy file bytes */
    size_t text_len;
    char path[PATH_MAX];                 /* resolved at mod_init; constant afterwards */
    char base_dir[PATH_MAX];             /* directory of path, for relative key files */
    char state_file[PATH_MAX];           /* generation state file ("" = none) */
    char hash[MCSEC_SHA256_HEX_LEN + 1]; /* SHA-256 of text; under lock */
} mcsec_shm_policy_t;

/* Shared state, set in mod_init before the fork. */
static mcsec_shm_policy_t *shm_policy;

/* Per-process cache: the parsed policy and the generation it came from. */
static mcsec_policy_t *proc_policy;
static int proc_generation;

/* Reads the whole file at path into a malloc'd buffer (NUL terminated). */
static int read_file(const char *path, char **text, size_t *len, mcsec_problems_t *problems)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        mcsec_problems_add(problems, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size > MCSEC_POLICY_MAX_BYTES) {
        mcsec_problems_add(problems, "%s: not a regular file of at most %d bytes", path,
                           MCSEC_POLICY_MAX_BYTES);
        fclose(file);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (buf == NULL) {
        mcsec_problems_add(problems, "%s: out of memory", path);
        fclose(file);
        return -1;
    }
    size_t got = fread(buf, 1, size, file);
    int read_error = ferror(file);
    fclose(file);
    if (read_error || got != size) {
        mcsec_problems_add(problems, "%s: read error", path);
        free(buf);
        return -1;
    }
    buf[size] = '\0';
    *text = buf;
    *len = size;
    return 0;
}

/* Parses text as the policy file; on failure fills problems. */
static mcsec_policy_t *parse_text(const char *text, size_t len, mcsec_problems_t *problems)
{
    mcsec_policy_t *policy = NULL;
    mcsec_diag_list_t diags = {0};
    mcsec_err_t err = mcsec_policy_load_buffer(text, len, shm_policy->path, shm_policy->base_dir,
                                               &policy, &diags);
    if (err != MCSEC_OK || policy == NULL) {
        mcsec_problems_add_diags(problems, &diags);
        if (diags.count == 0) {
            mcsec_problems_add(problems, "%s: %s", shm_policy->path, mcsec_err_str(err));
        }
        mcsec_policy_free(policy);
        policy = NULL;
    }
    mcsec_diag_list_free(&diags);
    return policy;
}

/* The deep check every proxy runs (mcsec/config/config_check.h): every key,
 * certificate and cache this policy needs builds, the caches sized against
 * the shared memory this kamailio has (-m). Returns 0, or -1 with one
 * problem per diagnostic. */
static int deep_check(const mcsec_policy_t *policy, mcsec_problems_t *problems)
{
    mcsec_diag_list_t diags = {0}, warnings = {0};
    mcsec_config_check_opts_t opts = {0, (uint64_t)shm_mem_size, "kamailio -m", &warnings, false};
    mcsec_err_t err = mcsec_config_check(policy, &opts, &diags);
    for (size_t i = 0; i < warnings.count; i++) {
        char line[1024];
        mcsec_diag_format(&warnings.items[i], line, sizeof(line));
        mcsec_log_lines(MCSEC_LOG_WARNING, "policy.warning", "warning", line);
    }
    mcsec_diag_list_free(&warnings);
    if (err != MCSEC_OK) {
        mcsec_problems_add_diags(problems, &diags);
        if (diags.count == 0) {
            mcsec_problems_add(problems, "%s: %s", shm_policy->path, mcsec_err_str(err));
        }
    }
    mcsec_diag_list_free(&diags);
    return err == MCSEC_OK ? 0 : -1;
}

/* The next generation number: one more than the state file's (persistent
 * across restarts), and always more than the running one. */
static int next_generation(void)
{
    int current = atomic_get(&shm_policy->generation);
    uint64_t stored = 0;
    if (shm_policy->state_file[0] != '\0') {
        mcsec_err_t err = mcsec_generation_next(shm_policy->state_file, &stored);
        if (err != MCSEC_OK) {
            mcsec_logline_t line;
            mcsec_log_begin(&line, "generation.state");
            mcsec_logline_str(&line, "file", shm_policy->state_file);
            mcsec_logline_str(&line, "error", mcsec_err_str(err));
            mcsec_logline_str(&line, "msg",
                              "cannot keep the policy generation; numbers may repeat after a "
                              "restart");
            mcsec_log_emit(MCSEC_LOG_WARNING, &line);
        }
    }
    if (stored > (uint64_t)INT_MAX - 1) {
        stored = (uint64_t)INT_MAX - 1;
    }
    return (int)stored > current ? (int)stored : current + 1;
}

/* The running policy parsed again (for the audit's partner comparison);
 * NULL at start. Its hash into old_hash. */
static mcsec_policy_t *running_policy(char old_hash[MCSEC_SHA256_HEX_LEN + 1])
{
    lock_get(&shm_policy->lock);
    memcpy(old_hash, shm_policy->hash, MCSEC_SHA256_HEX_LEN + 1);
    char *text = NULL;
    size_t len = shm_policy->text_len;
    if (shm_policy->text != NULL && (text = malloc(len + 1)) != NULL) {
        memcpy(text, shm_policy->text, len + 1);
    }
    lock_release(&shm_policy->lock);
    if (text == NULL) {
        return NULL;
    }
    mcsec_problems_t ignored;
    mcsec_problems_init(&ignored);
    mcsec_policy_t *policy = parse_text(text, len, &ignored);
    free(text);
    return policy;
}

/* Reads + validates the file and publishes its text as the next
 * generation; audits the result (mcsec_audit.h). */
static int publish_file(mcsec_trigger_t trigger, mcsec_problems_t *problems)
{
    char *text = NULL;
    size_t len = 0;
    char old_hash[MCSEC_SHA256_HEX_LEN + 1] = "";
    char new_hash[MCSEC_SHA256_HEX_LEN + 1] = "";
    mcsec_policy_t *old_policy = running_policy(old_hash);
    mcsec_policy_t *policy = NULL;
    if (read_file(shm_policy->path, &text, &len, problems) == 0 &&
        mcsec_sha256_hex(text, len, new_hash) != MCSEC_OK) {
        new_hash[0] = '\0';
    }
    /* Validate exactly the bytes that will be shared. */
    if (text != NULL) {
        policy = parse_text(text, len, problems);
    }
    if (policy != NULL && trigger == MCSEC_TRIGGER_START) {
        mcsec_log_configure(&policy->logging); /* its own lines in its format */
    }
    char *shared = NULL;
    if (policy != NULL && deep_check(policy, problems) == 0) {
        shared = shm_malloc(len + 1);
        if (shared == NULL) {
            mcsec_logf(MCSEC_LOG_ERROR, "memory", "out of shared memory");
            mcsec_problems_add(problems, "%s: out of shared memory", shm_policy->path);
        }
    }
    if (shared == NULL) {
        mcsec_counters_reload(trigger, false, (int64_t)time(NULL));
        mcsec_audit_failed(trigger, atomic_get(&shm_policy->generation), old_hash, new_hash,
                           problems);
        mcsec_policy_free(policy);
        mcsec_policy_free(old_policy);
        free(text);
        return -1;
    }
    memcpy(shared, text, len + 1);
    free(text);
    size_t unslotted = mcsec_counters_assign(policy);
    if (unslotted > 0) {
        mcsec_logf(MCSEC_LOG_WARNING, "counters",
                   "%zu partner(s) have no counter slot (at most %d names per run); they count "
                   "as unmatched",
                   unslotted, MCSEC_CNT_PARTNER_SLOTS);
    }
    int generation = next_generation();

    lock_get(&shm_policy->lock);
    char *old = shm_policy->text;
    shm_policy->text = shared;
    shm_policy->text_len = len;
    memcpy(shm_policy->hash, new_hash, sizeof(new_hash));
    atomic_set(&shm_policy->generation, generation);
    lock_release(&shm_policy->lock);
    if (old != NULL) {
        shm_free(old);
    }
    mcsec_counters_reload(trigger, true, (int64_t)time(NULL));
    mcsec_log_configure(&policy->logging); /* this line already in the new format */
    mcsec_audit_ok(trigger, generation, old_hash, new_hash, old_policy, policy);
    mcsec_policy_free(policy);
    mcsec_policy_free(old_policy);
    return generation;
}

/* Resolves path and allocates the shared state. 0 or -1 (problems). */
static int setup(const char *path, const char *state_file, mcsec_problems_t *problems)
{
    if (path == NULL || path[0] == '\0') {
        mcsec_problems_add(problems, "modparam(\"mcsec\", \"policy\", FILE) is not set");
        return -1;
    }
    shm_policy = shm_malloc(sizeof(*shm_policy));
    if (shm_policy == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "memory", "out of shared memory");
        mcsec_problems_add(problems, "out of shared memory");
        return -1;
    }
    memset(shm_policy, 0, sizeof(*shm_policy));
    if (lock_init(&shm_policy->lock) == NULL) {
        mcsec_problems_add(problems, "cannot initialise the policy lock");
        mcsec_shm_policy_destroy();
        return -1;
    }
    /* Resolve now: -w changes the working directory, reloads must not care. */
    if (realpath(path, shm_policy->path) == NULL) {
        mcsec_problems_add(problems, "%s: %s", path, strerror(errno));
        mcsec_shm_policy_destroy();
        return -1;
    }
    if (mcsec_policy_base_dir(shm_policy->path, shm_policy->base_dir,
                              sizeof(shm_policy->base_dir)) != MCSEC_OK) {
        mcsec_problems_add(problems, "%s: cannot resolve its directory", path);
        mcsec_shm_policy_destroy();
        return -1;
    }
    if (state_file != NULL && snprintf(shm_policy->state_file, sizeof(shm_policy->state_file), "%s",
                                       state_file) >= (int)sizeof(shm_policy->state_file)) {
        shm_policy->state_file[0] = '\0';
    }
    return 0;
}

/* Sets up the shared state and publishes the first generation. */
int mcsec_shm_policy_init(const char *path, const char *state_file, mcsec_problems_t *problems)
{
    if (setup(path, state_file, problems) != 0) {
        mcsec_log_lines(MCSEC_LOG_ERROR, "policy.problem", "error", problems->text);
        return -1;
    }
    if (publish_file(MCSEC_TRIGGER_START, problems) < 0) { /* logged there */
        mcsec_shm_policy_destroy();
        return -1;
    }
    return 0;
}

/* Frees the shared state and this process's parsed copy. */
void mcsec_shm_policy_destroy(void)
{
    mcsec_policy_free(proc_policy);
    proc_policy = NULL;
    proc_generation = 0;
    if (shm_policy != NULL) {
        if (shm_policy->text != NULL) {
            shm_free(shm_policy->text);
        }
        lock_destroy(&shm_policy->lock);
        shm_free(shm_policy);
        shm_policy = NULL;
    }
}

/* Validates and publishes the file again; see the header. */
int mcsec_shm_policy_reload(mcsec_trigger_t trigger, mcsec_problems_t *problems)
{
    if (shm_policy == NULL) {
        mcsec_problems_add(problems, "no policy configured");
        return -1;
    }
    return publish_file(trigger, problems);
}

/* Rebuilds this process's parsed policy from the shared text. */
static void rebuild_proc_policy(void)
{
    lock_get(&shm_policy->lock);
    int generation = atomic_get(&shm_policy->generation);
    size_t len = shm_policy->text_len;
    char *text = malloc(len + 1);
    if (text != NULL && shm_policy->text != NULL) {
        memcpy(text, shm_policy->text, len + 1);
    }
    lock_release(&shm_policy->lock);

    mcsec_policy_t *policy = NULL;
    mcsec_problems_t problems;
    mcsec_problems_init(&problems);
    if (text == NULL) {
        mcsec_problems_add(&problems, "out of memory");
    } else {
        policy = parse_text(text, len, &problems);
        free(text);
    }
    /* Fail closed: a generation this process cannot build leaves it with no
     * policy (every request rejected as policy.unavailable), not the old one. */
    mcsec_policy_free(proc_policy);
    proc_policy = policy;
    proc_generation = generation;
    if (policy == NULL) {
        mcsec_logline_t line;
        mcsec_log_begin(&line, "policy.unusable");
        mcsec_logline_int(&line, "generation", generation);
        mcsec_logline_str(&line, "msg", "cannot build this generation here: rejecting all");
        mcsec_logline_str(&line, "error", problems.text);
        mcsec_log_emit(MCSEC_LOG_ERROR, &line);
    } else {
        mcsec_log_configure(&policy->logging);
        if (mcsec_counters_map(policy) != 0) {
            mcsec_logf(MCSEC_LOG_ERROR, "counters",
                       "out of memory mapping counters; partners count as unmatched");
        }
    }
}

/* This process's policy, rebuilt when the generation moved. */
const mcsec_policy_t *mcsec_proc_policy(void)
{
    if (shm_policy == NULL) {
        return NULL;
    }
    if (atomic_get(&shm_policy->generation) != proc_generation) {
        rebuild_proc_policy();
    }
    return proc_policy;
}

/* Current shared generation; 0 when nothing is loaded. */
int mcsec_shm_policy_generation(void)
{
    return shm_policy != NULL ? atomic_get(&shm_policy->generation) : 0;
}

/* See mcsec_shm_policy.h. */
void mcsec_shm_policy_hash(char out[MCSEC_SHA256_HEX_LEN + 1])
{
    out[0] = '\0';
    if (shm_policy != NULL) {
        lock_get(&shm_policy->lock);
        memcpy(out, shm_policy->hash, MCSEC_SHA256_HEX_LEN + 1);
        lock_release(&shm_policy->lock);
    }
}

/* Resolved policy path; "" when none. */
const char *mcsec_shm_policy_path(void)
{
    return shm_policy != NULL ? shm_policy->path : "";
}
