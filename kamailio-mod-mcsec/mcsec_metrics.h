/* The metrics process of mcsec.so: a Kamailio child of its own (added with
 * register_procs, forked from child_init(PROC_MAIN)) that serves
 * GET /metrics with libmicrohttpd on modparam metrics_listen (an admin
 * address, never an outside socket's: Kamailio's xhttp would need
 * tcp_accept_no_cl=yes on the SIP sockets), answers 404 to any other path
 * and 405 to any other method, and runs the watch (mcsec_watch.h) every
 * second. It reads the shared counters and its own parsed copy of the
 * running policy generation (rebuilt when the generation moves, like the
 * SIP workers). With metrics_listen "" it only watches. */
#ifndef MCSEC_METRICS_H
#define MCSEC_METRICS_H

#include "mcsec/policy/policy.h"

/* modparam metrics_listen: "IP:PORT" or "[IPv6]:PORT"; "" = no listener. */
#define MCSEC_METRICS_LISTEN_DEFAULT "127.0.0.1:9610"

/* mod_init: checks listen (syntax; not a wildcard address; not the IP of
 * an outside socket, so partners can never reach the page) and registers
 * the process. 0, or -1 with the reason logged (the start fails). */
int mcsec_metrics_mod_init(const char *listen);

/* child_init(PROC_MAIN): forks the process. 0 or -1. */
int mcsec_metrics_child_init(void);

#endif
