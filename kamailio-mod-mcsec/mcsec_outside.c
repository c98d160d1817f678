/* The outside sockets: see mcsec_outside.h. */
#include <string.h>

#include "core/dprint.h"
#include "core/forward.h"
#include "core/socket_info.h"

#include "mcsec_log.h"
#include "mcsec_outside.h"

#define OUTSIDE_MAX_NAMES 8
#define OUTSIDE_MAX_SOCKETS 32

/* Filled by the modparam handler and mod_init (main process, before the
 * fork); read-only afterwards. */
typedef struct {
    char *names[OUTSIDE_MAX_NAMES];
    int name_count;
    const struct socket_info *sockets[OUTSIDE_MAX_SOCKETS];
    int socket_count;
} outside_conf_t;

static outside_conf_t outside_conf;

static const char *const default_names[] = {"outside", "outside-tcp"};

/* See mcsec_outside.h. */
int mcsec_outside_param(modparam_t type, void *val)
{
    if ((type & PARAM_STRING) == 0 || val == NULL || ((char *)val)[0] == '\0') {
        mcsec_logf(MCSEC_LOG_ERROR, "outside", "outside_socket: a socket name is required");
        return -1;
    }
    if (outside_conf.name_count == OUTSIDE_MAX_NAMES) {
        mcsec_logf(MCSEC_LOG_ERROR, "outside", "outside_socket: at most %d names",
                   OUTSIDE_MAX_NAMES);
        return -1;
    }
    outside_conf.names[outside_conf.name_count++] = (char *)val;
    return 0;
}

/* Adds every listen socket named name; returns how many. */
static int add_named(const char *name)
{
    static const unsigned short protos[] = {PROTO_UDP, PROTO_TCP, PROTO_TLS, PROTO_SCTP};
    size_t len = strlen(name);
    int found = 0;
    for (size_t p = 0; p < sizeof(protos) / sizeof(protos[0]); p++) {
        struct socket_info **list = get_sock_info_list(protos[p]);
        for (struct socket_info *si = list != NULL ? *list : NULL; si != NULL; si = si->next) {
            if (si->sockname.s == NULL || (size_t)si->sockname.len != len ||
                strncmp(si->sockname.s, name, len) != 0) {
                continue;
            }
            if (outside_conf.socket_count == OUTSIDE_MAX_SOCKETS) {
                mcsec_logf(MCSEC_LOG_ERROR, "outside", "outside_socket: more than %d sockets",
                           OUTSIDE_MAX_SOCKETS);
                return -1;
            }
            outside_conf.sockets[outside_conf.socket_count++] = si;
            found++;
        }
    }
    return found;
}

/* See mcsec_outside.h. */
int mcsec_outside_mod_init(void)
{
    outside_conf.socket_count = 0;
    if (outside_conf.name_count > 0) {
        for (int i = 0; i < outside_conf.name_count; i++) {
            int n = add_named(outside_conf.names[i]);
            if (n <= 0) {
                mcsec_logf(MCSEC_LOG_ERROR, "outside",
                           "outside_socket \"%s\": no listen socket has that name (listen=... name "
                           "\"%s\")",
                           outside_conf.names[i], outside_conf.names[i]);
                return -1;
            }
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof(default_names) / sizeof(default_names[0]); i++) {
        if (add_named(default_names[i]) < 0) {
            return -1;
        }
    }
    if (outside_conf.socket_count == 0) {
        mcsec_logf(
            MCSEC_LOG_ERROR, "outside",
            "no outside socket: name the listen sockets towards the partners "
            "\"outside\"/\"outside-tcp\" or set modparam(\"mcsec\", \"outside_socket\", NAME)");
        return -1;
    }
    return 0;
}

/* See mcsec_outside.h. */
bool mcsec_outside_is(const struct socket_info *sock)
{
    if (sock == NULL) {
        return false;
    }
    for (int i = 0; i < outside_conf.socket_count; i++) {
        if (outside_conf.sockets[i] == sock) {
            return true;
        }
    }
    return false;
}

/* See mcsec_outside.h. */
bool mcsec_outside_has_ip(const struct sockaddr *sa)
{
    struct ip_addr ip;
    sockaddr2ip_addr(&ip, (struct sockaddr *)sa);
    for (int i = 0; i < outside_conf.socket_count; i++) {
        if (ip_addr_cmp(&ip, &outside_conf.sockets[i]->address)) {
            return true;
        }
    }
    return false;
}

/* See mcsec_outside.h. */
struct socket_info *mcsec_outside_send_socket(const struct dest_info *dst)
{
    if (dst->send_sock != NULL && (dst->send_sock->flags & SI_IS_MCAST) == 0) {
        return dst->send_sock;
    }
    union sockaddr_union to = dst->to;
    return get_send_socket(0, &to, dst->proto);
}
