/* URI helpers shared by the topology transforms that rewrite URIs (topo_uri.c
 * for Record-Route/Contact, topo_xml.c for mcptt-info elements,
 * topo_refer.c for Refer-To). Not part of the public API. Every function
 * takes (pointer, length) inputs and never reads past the length. */
#ifndef MCSEC_TOPO_URI_INTERNAL_H
#define MCSEC_TOPO_URI_INTERNAL_H

#include "topo_internal.h"

/* The URI of a name-addr ("Name" <uri>...) or addr-spec (uri;params; the
 * URI ends at the first ';', ',' or LWS). Sets *uri and *after (index after
 * '>' or after the URI). False when there is none. */
bool topo_find_uri(mcsec_str_t value, mcsec_str_t *uri, size_t *after);

/* Length of "scheme:" at the start of uri (RFC 3986 scheme), or 0. */
size_t topo_scheme_len(mcsec_str_t uri);

/* Whether uri is a sip: (*sips false) or sips: (*sips true) URI. */
bool topo_sip_scheme(mcsec_str_t uri, bool *sips);

/* The host of a sip/sips URI (without brackets for IPv6, without port). */
mcsec_str_t topo_uri_host(mcsec_str_t uri, bool sips);

/* Egress rule of URIs that stand for themselves (elements, Refer-To): a
 * URI a border tokenized already (a tokenized-by= parameter, ours or the
 * partner's) or whose host keep_domains matches (the partner's own URIs;
 * NULL = none) is left as it is. */
bool topo_uri_kept(mcsec_str_t uri, bool sips, const mcsec_strlist_t *keep_domains);

/* Writes "sip[s]:TOKEN@HOST[;lr];tokenized-by=HOST" for value (a token of
 * kind in the dialog callid) at out + *pos (topo_put rules: *pos always
 * advances, so a short buffer tells the size needed). MCSEC_ERR_ARG for an
 * empty or too long value; otherwise what topo_seal returns. */
mcsec_err_t topo_put_token_uri(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                               mcsec_str_t value, bool sips, bool lr, char *out, size_t out_size,
                               size_t *pos);

#endif
