/* The border's ECCSI signing keys for several key periods (TS 33.180
 * Annex F.2.1 key periods; docs/ear.md "Key periods and rollover").
 *
 * A signing directory (system.keys.signing) holds one key directory
 * (ssk, pvt, kms.pub, signer; eccsi.h) per key period in a subdirectory
 * named "period-<number>", and may still hold the single-period layout
 * of older releases (the four files in the directory itself). Every key
 * directory found is read and must pass: the RFC 6507 5.1.2 key check,
 * issued for the same identity, the subdirectory's number equal to the
 * signer file's key_period_number, no key period twice. One bad key
 * directory fails the whole load (fail closed: a garbage key of the next
 * period is found now, not at the boundary).
 *
 * mcsec_eccsi_keyset_at() picks the keys of the key period a time falls
 * in, under each key directory's own kms.pub (period length and offset),
 * so the signer switches at the boundary by itself, with no reload.
 * The set owns its signers; mcsec_eccsi_keyset_free() wipes them. */
#ifndef MCSEC_KEYSET_H
#define MCSEC_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/util/status.h"

#define MCSEC_KEYSET_MAX 16
#define MCSEC_KEYSET_SUBDIR_PREFIX "period-"

typedef struct {
    uint64_t period;     /* the key period number the keys were issued for */
    int64_t start, end;  /* Unix seconds: the period is [start, end) */
    mcsec_kms_pub_t kms; /* the KMS they were issued under */
    mcsec_eccsi_signer_t *signer;
} mcsec_keyset_entry_t;

typedef struct {
    char uri[1025]; /* the identity every entry signs as */
    size_t count;
    mcsec_keyset_entry_t entries[MCSEC_KEYSET_MAX]; /* ascending by start */
} mcsec_eccsi_keyset_t;

/* Adds the keys of one key directory (see the top). MCSEC_ERR_INVALID with
 * why for keys failing the key check, another identity than the set's, a
 * key period already held or a full set; MCSEC_ERR_ARG for NULLs. */
mcsec_err_t mcsec_eccsi_keyset_add(mcsec_eccsi_keyset_t *set, const mcsec_eccsi_keydir_t *keys,
                                   char *why, size_t why_size);

/* Reads every key directory of dir (see the top) into *set (initialised
 * here). identity, when not NULL, is the one the keys must be for. On
 * failure *set is empty and why names the file and the problem;
 * MCSEC_ERR_INVALID also when dir holds no keys at all. */
mcsec_err_t mcsec_eccsi_keyset_load(const char *dir, const char *identity,
                                    mcsec_eccsi_keyset_t *set, char *why, size_t why_size);

/* The entry whose key period contains now, or NULL. */
const mcsec_keyset_entry_t *mcsec_eccsi_keyset_at(const mcsec_eccsi_keyset_t *set, int64_t now);

/* Frees the signers (wiping them) and empties the set. NULL is a no-op. */
void mcsec_eccsi_keyset_free(mcsec_eccsi_keyset_t *set);

#endif
