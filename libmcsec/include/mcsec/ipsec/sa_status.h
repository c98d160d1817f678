/* The IPsec SA state of each partner, read from charon's SA list as
 * `swanctl --list-sas --raw` prints it (strongSwan's VICI "list-sa" events,
 * one line per IKE_SA: `list-sa event {NAME {key=value ... child-sas
 * {ID {name=NAME state=INSTALLED install-time=N ...}}}}`). The IKE_SA and
 * CHILD_SA names are the connection names mcsecctl ipsec render gives
 * them: the partner's name (mcsec/ipsec/ipsec.h). What the IPsec exporter
 * (mcsecctl ipsec exporter) turns into mcsec_ipsec_sa_up and friends
 * (docs/metrics-http-and-ipsec.md). */
#ifndef MCSEC_IPSEC_SA_STATUS_H
#define MCSEC_IPSEC_SA_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

typedef struct {
    bool up;            /* an IKE_SA ESTABLISHED with an INSTALLED CHILD_SA */
    unsigned child_sas; /* INSTALLED CHILD_SAs of ESTABLISHED IKE_SAs */
    int64_t last_rekey; /* Unix seconds the newest CHILD_SA was installed (0: none) */
} mcsec_ipsec_sa_state_t;

/* The state of the IKE_SAs named name in raw (the whole output), at now
 * (install-time is seconds before now). A partner without an IKE_SA is
 * down. MCSEC_ERR_PARSE when raw breaks the layout (braces unbalanced),
 * MCSEC_ERR_ARG for NULLs. */
mcsec_err_t mcsec_ipsec_sa_state(const char *raw, const char *name, int64_t now,
                                 mcsec_ipsec_sa_state_t *out);

#endif
