/* mcsec-httpd: the audit line of every policy load and reload, and the
 * reload.failed alarm of a refused one (audit.c). Below: httpd.h. */
#ifndef MCSEC_HTTPD_AUDIT_H
#define MCSEC_HTTPD_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "httpd.h"

typedef struct {
    bool ok;
    const char *trigger;              /* "start" or "signal" */
    uint64_t generation;              /* running after it */
    const char *old_hash, *new_hash;  /* SHA-256 hex ("" when none) */
    const mcsec_policy_t *old_policy; /* NULL at start */
    const mcsec_policy_t *new_policy; /* NULL when refused */
    const char *msg;                  /* a human summary, or NULL */
    const char *error;                /* refused: the problems, one per line */
    long sender_pid, sender_uid;      /* who sent the signal (-1: not a signal) */
} httpd_audit_t;

/* Comma-separated partner names added, removed and changed from old to
 * new (each of size octets). */
void httpd_audit_diff(const mcsec_policy_t *old, const mcsec_policy_t *new_policy, char *added,
                      char *removed, char *changed, size_t size);
void httpd_audit_reload(const httpd_ctx_t *ctx, const httpd_audit_t *audit);

#endif
