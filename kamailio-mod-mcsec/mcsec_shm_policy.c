/* Policy text + generation in shared memory, parsed copy per process: see
 * mcsec_shm_policy.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic_ops.h"
#include "core/dprint.h"
#include "core/globals.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "mcsec/config/config_check.h"
#include "mcsec_counters.h"
#include "mcsec_shm_policy.h"

/* Policies are small; a bigger file is a mistake, not a policy. */
#define MCSEC_POLICY_MAX_BYTES (1024 * 1024)

typedef struct {
    gen_lock_t lock;     /* guards text/text_len and publishing a generation */
    atomic_t generation; /* read without the lock on every request */
    char *text;          /* shm: validated policy file bytes */
    size_t text_len;
    char path[PATH_MAX];     /* resolved at mod_init; constant afterwards */
    char base_dir[PATH_MAX]; /* directory of path, for relative key files */
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
        LM_WARN("mcsec: policy: %s\n", line);
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

/* Reads + validates the file and publishes its text as the next generation. */
static int publish_file(mcsec_problems_t *problems)
{
    char *text = NULL;
    size_t len = 0;
    if (read_file(shm_policy->path, &text, &len, problems) != 0) {
        return -1;
    }
    /* Validate exactly the bytes that will be shared. */
    mcsec_policy_t *policy = parse_text(text, len, problems);
    if (policy == NULL || deep_check(policy, problems) != 0) {
        mcsec_policy_free(policy);
        free(text);
        return -1;
    }
    char *shared = shm_malloc(len + 1);
    if (shared == NULL) {
        SHM_MEM_ERROR;
        mcsec_problems_add(problems, "%s: out of shared memory", shm_policy->path);
        mcsec_policy_free(policy);
        free(text);
        return -1;
    }
    memcpy(shared, text, len + 1);
    free(text);
    size_t unslotted = mcsec_counters_assign(policy);
    if (unslotted > 0) {
        LM_WARN("mcsec: %zu partner(s) have no counter slot (at most %d names per "
                "run); they count as unmatched\n",
                unslotted, MCSEC_CNT_PARTNER_SLOTS);
    }
    mcsec_policy_free(policy);

    lock_get(&shm_policy->lock);
    char *old = shm_policy->text;
    shm_policy->text = shared;
    shm_policy->text_len = len;
    int generation = atomic_get(&shm_policy->generation) + 1;
    atomic_set(&shm_policy->generation, generation);
    lock_release(&shm_policy->lock);
    if (old != NULL) {
        shm_free(old);
    }
    return generation;
}

/* Resolves path, allocates the shared state and publishes generation 1. */
int mcsec_shm_policy_init(const char *path, mcsec_problems_t *problems)
{
    if (path == NULL || path[0] == '\0') {
        mcsec_problems_add(problems, "modparam(\"mcsec\", \"policy\", FILE) is not set");
        return -1;
    }
    shm_policy = shm_malloc(sizeof(*shm_policy));
    if (shm_policy == NULL) {
        SHM_MEM_ERROR;
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
    if (publish_file(problems) < 0) {
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
int mcsec_shm_policy_reload(mcsec_problems_t *problems)
{
    if (shm_policy == NULL) {
        mcsec_problems_add(problems, "no policy configured");
        return -1;
    }
    return publish_file(problems);
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
        LM_ERR("mcsec: cannot build policy generation %d in this process, rejecting "
               "all requests: %s\n",
               generation, problems.text);
    } else if (mcsec_counters_map(policy) != 0) {
        LM_ERR("mcsec: out of memory mapping counters; partners count as unmatched\n");
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

/* Resolved policy path; "" when none. */
const char *mcsec_shm_policy_path(void)
{
    return shm_policy != NULL ? shm_policy->path : "";
}
