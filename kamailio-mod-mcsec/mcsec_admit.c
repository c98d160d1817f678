/* Admission control in mcsec.so: see mcsec_admit.h. Cells are indexed by
 * the partner's position in the policy and tagged with a hash of its name:
 * a reload that puts another partner at that position restarts the buckets
 * (docs/policy-reference.md, partners[].limits). The INVITE slot of an
 * admitted initial INVITE is given back on tm's first final reply
 * (TMCB_RESPONSE_OUT) or, when no transaction ever formed (the request was
 * refused later) or none replied, when tm releases the callback. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/parser/hf.h"
#include "core/parser/parse_to.h"
#include "core/trim.h"
#include "modules/tm/tm_load.h"

#include "mcsec/sip/priority.h"
#include "mcsec/util/admit.h"
#include "mcsec_admit.h"
#include "mcsec_alarm.h"
#include "mcsec_log.h"
#include "mcsec_cmds.h"
#include "mcsec_shm_policy.h"

#define ADMIT_SLOTS 256
#define ADMIT_ALARM_MS 10000 /* load.shedding at most every 10 s per partner */

typedef struct {
    uint64_t key; /* hash of the partner name; 0 = unused */
    mcsec_admit_cell_t cell;
} admit_slot_t;

typedef struct {
    gen_lock_t lock; /* taken only to (re)claim a slot */
    admit_slot_t slots[ADMIT_SLOTS];
} admit_table_t;

typedef struct {
    int slot;
    int done; /* __atomic: the INVITE slot was given back */
} invite_hold_t;

static admit_table_t *admit_table = NULL;
/* The last message this process admitted as priority (msg->id, pid). */
static unsigned int prio_msg_id = 0;
static int prio_msg_pid = -1;
static struct tm_binds admit_tmb;
static bool admit_have_tm = false;

int mcsec_admit_mod_init(void)
{
    admit_table = shm_malloc(sizeof(*admit_table));
    if (admit_table == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "admission", "out of shared memory (admission cells)");
        return -1;
    }
    memset(admit_table, 0, sizeof(*admit_table));
    if (lock_init(&admit_table->lock) == NULL) {
        shm_free(admit_table);
        admit_table = NULL;
        return -1;
    }
    if (find_export("load_tm", NO_SCRIPT, 0) != NULL && load_tm_api(&admit_tmb) == 0) {
        admit_have_tm = true;
    } else {
        mcsec_logf(MCSEC_LOG_WARNING, "admission",
                   "tm not loaded: partners[].limits.invites cannot be enforced");
    }
    return 0;
}

void mcsec_admit_mod_destroy(void)
{
    if (admit_table != NULL) {
        lock_destroy(&admit_table->lock);
        shm_free(admit_table);
        admit_table = NULL;
    }
}

static uint64_t name_key(const char *name)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = name; p && *p; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    }
    return h ? h : 1;
}

static mcsec_admit_cell_t *cell_for(int index, const char *name)
{
    if (admit_table == NULL || index < 0 || index >= ADMIT_SLOTS) {
        return NULL;
    }
    admit_slot_t *slot = &admit_table->slots[index];
    uint64_t key = name_key(name);
    if (__atomic_load_n(&slot->key, __ATOMIC_ACQUIRE) != key) {
        lock_get(&admit_table->lock);
        if (slot->key != key) {
            mcsec_admit_reset(&slot->cell);
            __atomic_store_n(&slot->key, key, __ATOMIC_RELEASE);
        }
        lock_release(&admit_table->lock);
    }
    return &slot->cell;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* True when a Resource-Priority header carries a well-formed MC value and
 * none of them is malformed (mcsec/sip/priority.h). */
static bool marked_priority(struct sip_msg *msg)
{
    bool marked = false;
    if (parse_headers(msg, HDR_EOH_F, 0) < 0) {
        return false;
    }
    for (struct hdr_field *hf = msg->headers; hf != NULL; hf = hf->next) {
        if (hf->name.len != 17 || strncasecmp(hf->name.s, "Resource-Priority", 17) != 0) {
            continue;
        }
        mcsec_prio_mark_t mark = mcsec_resource_priority_mark(hf->body.s, (size_t)hf->body.len);
        if (mark == MCSEC_PRIO_MALFORMED) {
            return false;
        }
        marked = marked || mark == MCSEC_PRIO_MARKED;
    }
    return marked;
}

/* An mcptt-info part with emergency-ind or imminentperil-ind true
 * (mcsec/sip/priority.h). Only bodies that may hold mcptt-info are read. */
static bool marked_emergency(struct sip_msg *msg)
{
    if (msg->content_type == NULL) {
        return false;
    }
    str ct = msg->content_type->body;
    trim(&ct);
    if (ct.len <= 0 || (strncasecmp(ct.s, "multipart/", 10) != 0 &&
                        strncasecmp(ct.s, "application/vnd.3gpp.mcptt-info+xml", 35) != 0)) {
        return false;
    }
    char *body = get_body(msg);
    if (body == NULL || body < msg->buf || body >= msg->buf + msg->len) {
        return false;
    }
    return mcsec_mcptt_info_emergency(ct.s, (size_t)ct.len, (const uint8_t *)body,
                                      (size_t)(msg->buf + msg->len - body));
}

static bool initial_invite(struct sip_msg *msg)
{
    if (msg->first_line.u.request.method_value != METHOD_INVITE) {
        return false;
    }
    if (parse_headers(msg, HDR_TO_F, 0) < 0 || msg->to == NULL) {
        return false;
    }
    struct to_body *to = get_to(msg);
    return to == NULL || to->tag_value.len == 0;
}

static void give_back(invite_hold_t *hold)
{
    if (__atomic_exchange_n(&hold->done, 1, __ATOMIC_ACQ_REL) == 0 && admit_table != NULL) {
        mcsec_admit_invite_end(&admit_table->slots[hold->slot].cell);
    }
}

static void on_response_out(struct cell *t, int type, struct tmcb_params *ps)
{
    (void)t;
    (void)type;
    if (ps != NULL && ps->param != NULL && ps->code >= 200) {
        give_back((invite_hold_t *)*ps->param);
    }
}

static void release_hold(void *param)
{
    give_back((invite_hold_t *)param);
    shm_free(param);
}

/* Holds the INVITE slot until the transaction's final reply; 0 or -1. */
static int hold_invite(struct sip_msg *msg, int slot)
{
    invite_hold_t *hold = shm_malloc(sizeof(*hold));
    if (hold == NULL) {
        return -1;
    }
    hold->slot = slot;
    hold->done = 0;
    if (admit_tmb.register_tmcb(msg, 0, TMCB_RESPONSE_OUT, on_response_out, hold, release_hold) <=
        0) {
        shm_free(hold);
        return -1;
    }
    return 0;
}

static void add_retry_after(struct sip_msg *msg, uint32_t seconds)
{
    char hdr[40];
    int len = snprintf(hdr, sizeof(hdr), "Retry-After: %u\r\n", seconds);
    if (len > 0 && (size_t)len < sizeof(hdr) && add_lump_rpl(msg, hdr, len, LUMP_RPL_HDR) == 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "admission", "cannot add Retry-After to the reply");
    }
}

int mcsec_admit_request(struct sip_msg *msg)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    /* An ACK has no answer to carry the refusal: never shed. */
    if (policy == NULL || msg->first_line.type != SIP_REQUEST ||
        msg->first_line.u.request.method_value == METHOD_ACK) {
        return 1;
    }
    char ip[IP_ADDR_MAX_STR_SIZE];
    int ip_len = ip_addr2sbuf(&msg->rcv.src_ip, ip, sizeof(ip) - 1);
    mcsec_str_t src = {ip, ip_len > 0 ? (size_t)ip_len : 0};
    int index = mcsec_partner_by_source(policy, src, msg->rcv.src_port);
    if (index < 0) {
        return 1;
    }
    const mcsec_partner_t *partner = &policy->partners[index];
    const mcsec_limits_rules_t *rules = &partner->limits;
    mcsec_admit_cell_t *cell = cell_for(index, partner->name);
    if (!rules->set || cell == NULL) {
        return 1;
    }
    const mcsec_admit_limits_t limits = {rules->rate, rules->burst,
                                         admit_have_tm ? rules->invites : 0,
                                         rules->reserved_percent, rules->ceiling};
    bool priority = rules->priority_trusted && (marked_priority(msg) || marked_emergency(msg));
    bool invite = limits.invites > 0 && initial_invite(msg);
    mcsec_admit_result_t res = mcsec_admit(cell, &limits, now_ms(), priority, invite);
    if (res.admitted) {
        if (res.priority) {
            prio_msg_id = msg->id;
            prio_msg_pid = msg->pid;
        }
        if (res.invite_counted && hold_invite(msg, index) != 0) {
            mcsec_admit_invite_end(cell);
            mcsec_logf(MCSEC_LOG_ERROR, "admission",
                       "cannot track the INVITE transaction: slot given back");
        }
        return 1;
    }
    mcsec_verdict_t verdict;
    memset(&verdict, 0, sizeof(verdict));
    verdict.reason = MCSEC_REASON_LOAD_PARTNER_LIMIT;
    verdict.partner_index = index;
    verdict.partner = partner;
    snprintf(verdict.detail, sizeof(verdict.detail), "%s limit of the partner reached%s",
             invite ? "rate or INVITE" : "rate", priority ? " (marked priority)" : "");
    add_retry_after(msg, res.retry_after);
    if (mcsec_admit_alarm_due(cell, now_ms(), ADMIT_ALARM_MS)) {
        mcsec_logline_t line;
        mcsec_alarm_begin(&line, MCSEC_ALARM_LOAD_SHEDDING);
        mcsec_logline_str(&line, "partner", partner->name);
        mcsec_logline_int(&line, "shed", (long long)cell->shed);
        mcsec_logline_int(&line, "admitted", (long long)cell->admitted);
        mcsec_logline_str(&line, "msg", "requests above partners[].limits are shed");
        mcsec_alarm_emit(MCSEC_ALARM_LOAD_SHEDDING, &line);
    }
    mcsec_cmds_refuse(msg, &verdict, false);
    return -1;
}

bool mcsec_admit_msg_priority(const struct sip_msg *msg)
{
    return msg != NULL && prio_msg_pid >= 0 && msg->id == prio_msg_id && msg->pid == prio_msg_pid;
}

const char *mcsec_rpc_load_doc[] = {
    "Admission control per partner with limits: admitted, shed, admitted_reserve (priority "
    "requests only the reserve admitted), invites_active.",
    0};

void mcsec_rpc_load(rpc_t *rpc, void *ctx)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    if (policy == NULL || admit_table == NULL) {
        rpc->fault(ctx, 500, "no usable policy");
        return;
    }
    for (size_t i = 0; i < policy->partner_count && i < ADMIT_SLOTS; i++) {
        const mcsec_partner_t *partner = &policy->partners[i];
        if (!partner->limits.set) {
            continue;
        }
        mcsec_admit_cell_t *cell = cell_for((int)i, partner->name);
        void *st = NULL;
        if (cell == NULL || rpc->add(ctx, "{", &st) < 0) {
            return;
        }
        rpc->struct_add(st, "sdddd", "partner", partner->name, "admitted",
                        (int)__atomic_load_n(&cell->admitted, __ATOMIC_RELAXED), "shed",
                        (int)__atomic_load_n(&cell->shed, __ATOMIC_RELAXED), "admitted_reserve",
                        (int)__atomic_load_n(&cell->admitted_reserve, __ATOMIC_RELAXED),
                        "invites_active",
                        (int)__atomic_load_n(&cell->invites_active, __ATOMIC_RELAXED));
    }
}
