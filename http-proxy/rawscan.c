/* The plaintext of outside connections, judged before libmicrohttpd parses
 * it.
 *
 * libmicrohttpd 0.9.75 accepts bare LF, joins obs-fold lines, cuts values
 * at NUL and picks one of two Content-Length fields before any callback of
 * ours runs, so its parsed view cannot show those attacks. It reads every
 * TLS record through gnutls_record_recv(); this executable defines that
 * symbol, which the dynamic linker binds libmicrohttpd's call to (an
 * executable's definitions come first in symbol lookup). The definition
 * reads through gnutls_record_recv_seq() -- the same GnuTLS receive path
 * under another name -- and feeds what arrived to the connection's framing
 * scanner (libmcsec). It never changes the data: the verdict is kept on
 * the connection and the access handler answers with it (or the completed
 * callback logs it when libmicrohttpd refused the request on its own).
 *
 * The connection is found through the session pointer libmicrohttpd sets
 * (its struct MHD_Connection) and our socket context on it; sessions that
 * are not ours pass untouched. */
#include <sys/types.h>

#include <gnutls/gnutls.h>

#include "request.h"

ssize_t gnutls_record_recv(gnutls_session_t session, void *data, size_t data_size)
{
    unsigned char seq[8];
    ssize_t got = gnutls_record_recv_seq(session, data, data_size, seq);
    if (got <= 0)
        return got;
    struct MHD_Connection *connection = gnutls_session_get_ptr(session);
    if (!connection)
        return got;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    httpd_conn_t *conn = info ? info->socket_context : NULL;
    if (conn && conn->magic == HTTPD_CONN_MAGIC && conn->scan_enabled)
        mcsec_http_framing_feed(&conn->scan, data, (size_t)got);
    return got;
}
