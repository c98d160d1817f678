/* Topology hiding on the wire (docs/topology.md): Kamailio's network event
 * callbacks, registered by mcsec_topo_mod_init() (mcsec_topo.c).
 * SREV_NET_DATA_IN (mcsec_topo_in.c) restores our tokens in every message
 * from a partner IS proxy with topology hiding on, before Kamailio parses
 * it; SREV_NET_DATA_OUT (mcsec_topo_out.c) hides our inside in every
 * message that leaves for one. Both use the token context
 * (mcsec_topo_ctx.h) and the reply body part (mcsec_topo_body.h); neither
 * calls the request-route stage. */
#ifndef MCSEC_TOPO_NET_H
#define MCSEC_TOPO_NET_H

#include "core/events.h"

/* SREV_NET_DATA_IN and SREV_NET_DATA_OUT callbacks. Always return 0
 * (Kamailio ignores the value). */
int mcsec_topo_net_in(sr_event_param_t *evp);
int mcsec_topo_net_out(sr_event_param_t *evp);

#endif
