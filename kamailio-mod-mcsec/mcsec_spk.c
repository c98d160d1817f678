/* The shared-SPK stage (TS 33.180 clause 9): see mcsec_stages.h.
 *
 * Egress (our core -> partner): a body our MC server protected with the
 * internal SPK is unprotected first (P0 = system.spk_internal_identity),
 * then protected with the partner's shared SPK (P0 = our identity).
 * Ingress (partner -> our core): the signature is verified and the body
 * decrypted with the shared SPK (P0 = the partner's identity), then either
 * re-protected with the internal SPK (spk.reprotect_internal) or passed in
 * clear. The new body and Content-Type replace the old ones through lumps.
 * All XML work is libmcsec's (mcsec/spk/xmlprot.h); this file only chooses the
 * objects and applies the result.
 *
 * Stages after this one (GMK) need the body in clear, which after a rewrite
 * exists only in lumps: the stage keeps a per-process copy of the clear
 * body of the message it rewrote last (mcsec_spk_clear_body()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"

#include "mcsec/spk/xmlprot.h"
#include "mcsec_counters.h"
#include "mcsec_log.h"
#include "mcsec_spk_body.h"
#include "mcsec_spk_keys.h"
#include "mcsec_stages.h"
#include "mcsec_topo_body.h"

/* Initialises libxml2 and xmlsec1 once in the main process, before the
 * fork, so that every child inherits the set-up. Returns 0 or -1. */
int mcsec_spk_mod_init(void)
{
    mcsec_err_t rc = mcsec_xmlprot_global_init();
    if (rc != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: cannot initialise libxml2/xmlsec1: %s",
                   mcsec_err_str(rc));
        return -1;
    }
    return 0;
}

/* The clear body of the message this process's stage rewrote last: set
 * pending by the transforms, tied to the message (id and pid, as Kamailio
 * numbers received messages per process) once its body was replaced. */
typedef struct {
    bool pending;        /* content_type/data hold the current message's clear body */
    bool valid;          /* ... and that message is msg_id/msg_pid, rewritten */
    unsigned int msg_id; /* sip_msg id */
    int msg_pid;         /* sip_msg pid */
    char content_type[MCSEC_SPK_MAX_CONTENT_TYPE];
    char *data; /* malloc'd, size octets, len used */
    size_t len;
    size_t size;
} spk_clear_t;

/* Per process. */
static spk_clear_t proc_clear;

/* Forgets the kept body (start of every stage run). */
static void clear_forget(void)
{
    proc_clear.pending = false;
    proc_clear.valid = false;
}

/* Copies the clear body for the message in progress; -1 when out of
 * memory (the caller refuses: a later stage must never see the protected
 * body as if it were all there is). */
static int clear_keep(const mcsec_spk_sip_body_t *clear)
{
    if (clear->len > proc_clear.size) {
        char *grown = realloc(proc_clear.data, clear->len);
        if (grown == NULL) {
            return -1;
        }
        proc_clear.data = grown;
        proc_clear.size = clear->len;
    }
    if (clear->len > 0) {
        memcpy(proc_clear.data, clear->data, clear->len);
    }
    proc_clear.len = clear->len;
    memcpy(proc_clear.content_type, clear->content_type, sizeof(proc_clear.content_type));
    proc_clear.pending = true;
    return 0;
}

/* Ties the pending copy to msg, whose body was just replaced. */
static void clear_commit(const struct sip_msg *msg)
{
    if (proc_clear.pending) {
        proc_clear.msg_id = msg->id;
        proc_clear.msg_pid = msg->pid;
        proc_clear.valid = true;
    }
}

/* See mcsec_stages.h. */
const char *mcsec_spk_clear_body(const struct sip_msg *msg, size_t *len, const char **content_type)
{
    if (msg == NULL || !proc_clear.valid || msg->id != proc_clear.msg_id ||
        msg->pid != proc_clear.msg_pid) {
        return NULL;
    }
    *len = proc_clear.len;
    *content_type = proc_clear.content_type;
    return proc_clear.data;
}

/* Frees this process's key objects and kept body (mod_destroy runs in the
 * main process; children end with their process). */
void mcsec_spk_mod_destroy(void)
{
    mcsec_spk_keys_free();
    free(proc_clear.data);
    memset(&proc_clear, 0, sizeof(proc_clear));
}

/* Records a rejection: reason and a detail that names the step. */
static int reject(mcsec_verdict_t *verdict, mcsec_reason_t reason, const char *step,
                  const char *why)
{
    verdict->reason = reason;
    snprintf(verdict->detail, sizeof(verdict->detail), "%s: %s", step, why);
    return -1;
}

/* Turns a failed xmlprot call into a rejection: the library's reason, or
 * spk.malformed for input it could not take without naming one, or
 * policy.unavailable when the failure was ours (memory, arguments). */
static int reject_xmlprot(mcsec_verdict_t *verdict, mcsec_err_t rc,
                          const mcsec_xmlprot_result_t *result, const char *step)
{
    mcsec_reason_t reason = result->reason;
    if (reason == MCSEC_REASON_NONE) {
        reason = (rc == MCSEC_ERR_PARSE || rc == MCSEC_ERR_INVALID)
                     ? MCSEC_REASON_SPK_MALFORMED
                     : MCSEC_REASON_POLICY_UNAVAILABLE;
    }
    return reject(verdict, reason, step, result->detail[0] ? result->detail : mcsec_err_str(rc));
}

/* Counts one operation with the partner's shared SPK (the internal SPK's
 * steps are ours alone, not counted): protect with the object's current
 * key, unprotect with the key its KeyName named (none read: "other"). */
static void count_op(const mcsec_verdict_t *verdict, const mcsec_xmlprot_t *prot, bool protect,
                     mcsec_err_t rc, const mcsec_xmlprot_result_t *result, const char *step)
{
    if (strncmp(step, "internal", 8) == 0) {
        return;
    }
    bool has_id = protect || result->has_spk_id;
    uint32_t id = protect ? mcsec_xmlprot_current_id(prot) : result->spk_id;
    mcsec_counters_spk(verdict->partner_index, has_id, id, protect, rc == MCSEC_OK);
}

/* True when out holds exactly body (same octets and content type). */
static bool body_unchanged(const mcsec_spk_sip_body_t *body, const mcsec_body_t *out)
{
    return out->len == body->len && memcmp(out->data, body->data, body->len) == 0 &&
           strcmp(out->content_type, body->content_type) == 0;
}

/* Runs one xmlprot step over the current body (in: the received body, or
 * the previous step's output) into *out. protect selects protect_body,
 * else unprotect_body with required. Returns 0 or a rejection (-1). */
static int run_step(mcsec_xmlprot_t *prot, bool protect, bool required,
                    const mcsec_spk_sip_body_t *in, mcsec_body_t *out, mcsec_verdict_t *verdict,
                    const char *step)
{
    mcsec_xmlprot_result_t result = {MCSEC_REASON_NONE, "", 0, false};
    mcsec_err_t rc;
    if (protect) {
        rc = mcsec_xmlprot_protect_body(prot, in->content_type, in->data, in->len, out, &result);
    } else {
        rc = mcsec_xmlprot_unprotect_body(prot, in->content_type, in->data, in->len, required, out,
                                          &result);
    }
    count_op(verdict, prot, protect, rc, &result, step);
    if (rc != MCSEC_OK) {
        mcsec_body_free(out);
        return reject_xmlprot(verdict, rc, &result, step);
    }
    return 0;
}

/* Unprotect step that keeps the clear mcptt-info tree in *kept for a
 * following reprotect_step (no second parse of the clear body). Returns 0
 * or a rejection (-1), as run_step. */
static int unprotect_kept_step(mcsec_xmlprot_t *prot, bool required, const mcsec_spk_sip_body_t *in,
                               mcsec_body_t *out, mcsec_xmlprot_kept_t **kept,
                               mcsec_verdict_t *verdict, const char *step)
{
    mcsec_xmlprot_result_t result = {MCSEC_REASON_NONE, "", 0, false};
    mcsec_err_t rc = mcsec_xmlprot_unprotect_body_kept(prot, in->content_type, in->data, in->len,
                                                       required, out, kept, &result);
    count_op(verdict, prot, false, rc, &result, step);
    if (rc != MCSEC_OK) {
        mcsec_body_free(out);
        return reject_xmlprot(verdict, rc, &result, step);
    }
    return 0;
}

/* Protect step over clear, the body unprotect_kept_step returned (kept is
 * used only if clear was not rewritten since; always consumed). */
static int reprotect_step(mcsec_xmlprot_t *prot, const mcsec_body_t *clear,
                          mcsec_xmlprot_kept_t *kept, mcsec_body_t *out, mcsec_verdict_t *verdict,
                          const char *step)
{
    mcsec_xmlprot_result_t result = {MCSEC_REASON_NONE, "", 0, false};
    mcsec_err_t rc = mcsec_xmlprot_reprotect_body(prot, clear, kept, out, &result);
    count_op(verdict, prot, true, rc, &result, step);
    if (rc != MCSEC_OK) {
        mcsec_body_free(out);
        return reject_xmlprot(verdict, rc, &result, step);
    }
    return 0;
}

/* Makes *in describe out for the next step (views into out). */
static int chain(mcsec_spk_sip_body_t *in, const mcsec_body_t *out)
{
    size_t ct_len = strlen(out->content_type);
    if (ct_len >= sizeof(in->content_type)) {
        return -1;
    }
    memcpy(in->content_type, out->content_type, ct_len + 1);
    in->data = out->data;
    in->len = out->len;
    return 0;
}

/* Egress: internal unprotect (when configured), topology hiding of the
 * listed mcptt-info elements (mcsec_topo_body_elements), then shared
 * protect; the body before the protect is kept as the clear body. */
static int transform_egress(const mcsec_policy_t *policy, mcsec_xmlprot_t *shared,
                            mcsec_xmlprot_t *internal, const mcsec_spk_sip_body_t *body,
                            mcsec_body_t *out, mcsec_verdict_t *verdict)
{
    mcsec_spk_sip_body_t current = *body;
    mcsec_body_t clear = {0};
    mcsec_body_t hidden = {0};
    mcsec_xmlprot_kept_t *kept = NULL;
    if (internal != NULL) {
        if (unprotect_kept_step(internal, false, body, &clear, &kept, verdict,
                                "internal unprotect") != 0) {
            return -1;
        }
        if (chain(&current, &clear) != 0) {
            mcsec_xmlprot_kept_free(kept);
            mcsec_body_free(&clear);
            return reject(verdict, MCSEC_REASON_SPK_MALFORMED, "internal unprotect",
                          "content type too long");
        }
    }
    if (mcsec_topo_body_elements(policy, verdict, current.content_type, current.data, current.len,
                                 true, &hidden) != 0) {
        mcsec_xmlprot_kept_free(kept);
        mcsec_body_free(&clear);
        return -1;
    }
    if (hidden.data != NULL) {
        (void)chain(&current, &hidden); /* same content type: it fits */
    }
    int rc = 0;
    if (clear_keep(&current) != 0) {
        mcsec_xmlprot_kept_free(kept);
        rc = reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "body", "out of memory");
    } else if (internal != NULL && hidden.data == NULL) {
        /* current is clear: the tree the unprotect left serves the protect. */
        rc = reprotect_step(shared, &clear, kept, out, verdict, "protect");
    } else {
        mcsec_xmlprot_kept_free(kept);
        rc = run_step(shared, true, false, &current, out, verdict, "protect");
    }
    mcsec_body_free(&hidden);
    mcsec_body_free(&clear);
    return rc;
}

/* Ingress: shared unprotect (required per policy), restoring of the
 * listed mcptt-info elements (mcsec_topo_body_elements), kept as the clear
 * body, then internal protect when the policy asks for it. */
static int transform_ingress(const mcsec_policy_t *policy, mcsec_xmlprot_t *shared,
                             mcsec_xmlprot_t *internal, bool required,
                             const mcsec_spk_sip_body_t *body, mcsec_body_t *out,
                             mcsec_verdict_t *verdict)
{
    mcsec_xmlprot_kept_t *kept = NULL;
    int step_rc =
        internal == NULL
            ? run_step(shared, false, required, body, out, verdict, "unprotect")
            : unprotect_kept_step(shared, required, body, out, &kept, verdict, "unprotect");
    if (step_rc != 0) {
        return -1;
    }
    mcsec_spk_sip_body_t clear;
    if (chain(&clear, out) != 0) {
        mcsec_xmlprot_kept_free(kept);
        mcsec_body_free(out);
        /* Without re-protection the same body could not replace the old
         * one either (the header limit): the reason replacing gives. */
        return reject(verdict,
                      internal == NULL ? MCSEC_REASON_POLICY_UNAVAILABLE
                                       : MCSEC_REASON_SPK_MALFORMED,
                      "unprotect", "content type too long");
    }
    mcsec_body_t restored = {0};
    if (mcsec_topo_body_elements(policy, verdict, clear.content_type, clear.data, clear.len, false,
                                 &restored) != 0) {
        mcsec_xmlprot_kept_free(kept);
        mcsec_body_free(out);
        return -1;
    }
    if (restored.data != NULL) {
        mcsec_xmlprot_kept_free(kept); /* the tree of the body before the restore */
        kept = NULL;
        mcsec_body_free(out);
        *out = restored;
        (void)chain(&clear, out); /* same content type: it fits */
    }
    if (clear_keep(&clear) != 0) {
        mcsec_xmlprot_kept_free(kept);
        mcsec_body_free(out);
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "body", "out of memory");
    }
    if (internal == NULL) {
        return 0;
    }
    /* Without a restore, the tree the unprotect left serves the protect. */
    mcsec_body_t reprotected = {0};
    int rc = reprotect_step(internal, out, kept, &reprotected, verdict, "internal protect");
    mcsec_body_free(out);
    *out = reprotected;
    return rc;
}

/* The stage; see mcsec_stages.h. The view is not needed: the body is read
 * from msg, which the policy check parsed to the end of the headers. */
int mcsec_spk_stage(struct sip_msg *msg, const mcsec_policy_t *policy, const mcsec_sipview_t *view,
                    mcsec_verdict_t *verdict, bool egress)
{
    (void)view;
    clear_forget();
    const mcsec_partner_t *partner = verdict->partner;
    if (policy == NULL || partner == NULL || partner->spk.mode == MCSEC_SPK_OFF) {
        return 0;
    }
    mcsec_spk_sip_body_t body;
    int has_body = mcsec_spk_body_get(msg, &body);
    if (has_body == 0) {
        return 0;
    }
    if (has_body < 0) {
        return reject(verdict, MCSEC_REASON_SPK_MALFORMED, "body",
                      "body or Content-Type cannot be read");
    }
    if (mcsec_spk_keys_sync(policy) != 0) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "keys", "out of memory");
    }
    mcsec_xmlprot_t *shared = mcsec_spk_keys_partner(verdict->partner_index, egress);
    bool internal_broken = false;
    mcsec_xmlprot_t *internal = mcsec_spk_keys_internal(&internal_broken);
    if (shared == NULL) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "keys",
                      "this partner's SPK keys are not usable (see the log)");
    }
    /* Fail closed: an internal SPK the policy names (or asks to re-protect
     * with) but this process cannot use is never skipped. */
    bool reprotect = !egress && partner->spk.reprotect_internal;
    if (internal_broken || (reprotect && internal == NULL)) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "keys",
                      "the internal SPK keys are not usable (see the log)");
    }
    mcsec_body_t out = {0};
    int rc;
    if (egress) {
        rc = transform_egress(policy, shared, internal, &body, &out, verdict);
    } else {
        mcsec_xmlprot_t *reprotect_with = partner->spk.reprotect_internal ? internal : NULL;
        bool required = partner->spk.mode == MCSEC_SPK_REQUIRED;
        rc = transform_ingress(policy, shared, reprotect_with, required, &body, &out, verdict);
    }
    if (rc != 0) {
        return -1;
    }
    if (!body_unchanged(&body, &out)) {
        if (mcsec_spk_body_replace(msg, &out) != 0) {
            rc = reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "body",
                        "cannot replace the body in the message");
        } else {
            clear_commit(msg);
        }
    }
    mcsec_body_free(&out);
    return rc;
}
