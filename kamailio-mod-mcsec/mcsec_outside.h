/* The outside sockets: where SIP-3 leaves for the partners (issue 14,
 * docs/topology.md "What leaves the outside socket").
 *
 * Whether a message the border sends goes to a partner is decided by the
 * socket it leaves from, not by its destination port (which a partner's
 * Via or connection chooses). modparam("mcsec", "outside_socket", NAME)
 * names one listen socket by its cfg name (listen=... name "NAME"); it may
 * be given several times. Without it the sockets named "outside" and
 * "outside-tcp" (deploy/kamailio/mcsec-is-proxy.cfg) are the outside ones.
 * The start fails when a named socket does not exist, or when none of the
 * default names does: a border that cannot tell its outside would send
 * unhidden. The socket list is resolved once in mod_init (before the fork)
 * and only read afterwards. */
#ifndef MCSEC_OUTSIDE_H
#define MCSEC_OUTSIDE_H

#include <stdbool.h>

#include "core/ip_addr.h"
#include "core/sr_module.h"

/* modparam handler of "outside_socket" (PARAM_STRING | PARAM_USE_FUNC). */
int mcsec_outside_param(modparam_t type, void *val);

/* mod_init: resolves the names to Kamailio's listen sockets. 0 or -1
 * (logged). */
int mcsec_outside_mod_init(void);

/* Whether sock is one of the outside sockets (NULL: no). */
bool mcsec_outside_is(const struct socket_info *sock);

/* Whether the IP of sa is the IP of an outside socket (any port). */
bool mcsec_outside_has_ip(const struct sockaddr *sa);

/* The socket a message to dst leaves from: dst->send_sock, or the one
 * Kamailio's core picks when it is not set yet (get_send_socket, as
 * msg_send_buffer does for UDP). NULL when none. */
struct socket_info *mcsec_outside_send_socket(const struct dest_info *dst);

#endif
