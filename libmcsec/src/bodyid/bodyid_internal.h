/* Private to the bodyid_*.c files: the judge the scanner feeds one MC
 * service ID at a time (bodyid_rules.c), and the migration rule it asks
 * (bodyid_migration.c). */
#ifndef MCSEC_BODYID_INTERNAL_H
#define MCSEC_BODYID_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "mcsec/bodyid/bodyid.h"

typedef enum { BODYID_ORIGINATING, BODYID_GROUP, BODYID_TARGET } bodyid_class_t;

/* Groups of the body (that passed) and targets held back until every group
 * is known; more than this many of either: the extra targets are refused. */
#define BODYID_MAX_HELD 8
#define BODYID_URI_MAX 512
#define BODYID_NAME_MAX 48

typedef struct {
    char element[BODYID_NAME_MAX];
    char uri[BODYID_URI_MAX];
} bodyid_held_t;

typedef struct {
    const mcsec_bodyid_ctx_t *ctx;
    bodyid_held_t groups[BODYID_MAX_HELD];
    size_t group_count;
    bodyid_held_t targets[BODYID_MAX_HELD];
    size_t target_count;
    mcsec_reason_t reason; /* the first refusal */
    char *detail;
    size_t detail_size;
} bodyid_judge_t;

/* The class of an ID element's local name; false when name carries no ID. */
bool bodyid_class_of(const char *name, bodyid_class_t *cls);

/* Judges one ID (uri, NUL terminated and trimmed) of element. Returns
 * false after setting judge->reason when it is refused. */
bool bodyid_judge(bodyid_judge_t *judge, bodyid_class_t cls, const char *element, const char *uri);

/* Refuses element for why (unreadable: fail closed); returns false. */
bool bodyid_refuse(bodyid_judge_t *judge, const char *element, const char *why);

/* After the whole body: the held targets against the groups. */
bool bodyid_judge_end(bodyid_judge_t *judge);

/* Migration (bodyid_migration.c): whether the originating uri (host
 * already known to belong to the serving system's user base listed in
 * list) may pass: listed and not expired at ctx->now, and ctx->ear a
 * verified migration EAR from an MC server. NULL when it passes, else a
 * short static text saying which condition failed: bodyid_not_migrated
 * (compare the pointer) when uri is not listed at all. */
extern const char bodyid_not_migrated[];
const char *bodyid_migration_refusal(const mcsec_bodyid_ctx_t *ctx,
                                     const mcsec_migration_list_t *list, mcsec_str_t uri);

#endif
