/* The strict SDP line reader: see mcsec/media/sdp.h. Grammar references
 * are to RFC 8866 section 9 unless named otherwise. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "mcsec/media/sdp.h"

typedef struct {
    const char *p;
    size_t n;
} span_t;

/* Reader state across lines. */
typedef struct {
    mcsec_sdp_t *out;
    unsigned line;
    int media;         /* current m-line index (-1 session level) */
    bool in_media;     /* an m= line was seen */
    bool session_c;    /* c= at session level */
    bool media_c;      /* c= in the current media section */
    bool media_active; /* current m-line has a port other than 0 */
    bool v_seen, o_seen, s_seen;
    char *why;
    size_t why_size;
} reader_t;

static mcsec_err_t fail(reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records "line N: <text>" in why; returns MCSEC_ERR_PARSE. */
static mcsec_err_t fail(reader_t *r, const char *fmt, ...)
{
    if (r->why != NULL && r->why_size > 0) {
        int n = snprintf(r->why, r->why_size, "line %u: ", r->line);
        if (n > 0 && (size_t)n < r->why_size) {
            va_list ap;
            va_start(ap, fmt);
            (void)vsnprintf(r->why + n, r->why_size - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return MCSEC_ERR_PARSE;
}

/* Splits the next SP-separated field off *rest (exactly one SP between
 * fields, none leading). False when no field is left or it is empty. */
static bool field(span_t *rest, span_t *out)
{
    if (rest->n == 0 || rest->p[0] == ' ') {
        return false;
    }
    const char *sp = memchr(rest->p, ' ', rest->n);
    size_t len = sp != NULL ? (size_t)(sp - rest->p) : rest->n;
    out->p = rest->p;
    out->n = len;
    if (sp != NULL) {
        if (len + 1 >= rest->n) {
            return false; /* trailing SP */
        }
        rest->p += len + 1;
        rest->n -= len + 1;
    } else {
        rest->p += len;
        rest->n = 0;
    }
    return true;
}

static bool span_is(span_t s, const char *text)
{
    return s.n == strlen(text) && memcmp(s.p, text, s.n) == 0;
}

/* RFC 8866 token-char. */
static bool token_char(unsigned char c)
{
    return c == '!' || (c >= '#' && c <= '\'') || c == '*' || c == '+' || c == '-' || c == '.' ||
           (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= '^' && c <= '~');
}

static bool is_token(span_t s, bool slash)
{
    if (s.n == 0) {
        return false;
    }
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!(token_char(c) || (slash && c == '/' && i > 0 && i + 1 < s.n && s.p[i - 1] != '/'))) {
            return false;
        }
    }
    return true;
}

/* A decimal port (1 to 5 digits, at most 65535). */
static bool parse_port(span_t s, uint16_t *port)
{
    if (s.n == 0 || s.n > 5) {
        return false;
    }
    unsigned long v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') {
            return false;
        }
        v = v * 10 + (unsigned long)(s.p[i] - '0');
    }
    if (v > 65535) {
        return false;
    }
    *port = (uint16_t)v;
    return true;
}

/* Records an address. addrtype 4 or 6 demands that family; 0 takes an
 * IPv4 or IPv6 literal, or keeps a name (family 0). */
static mcsec_err_t add_addr(reader_t *r, mcsec_sdp_at_t at, span_t text, int addrtype,
                            bool has_port, uint16_t port)
{
    mcsec_sdp_t *out = r->out;
    if (out->addr_count == MCSEC_SDP_MAX_ADDRS) {
        return fail(r, "more than %d addresses", MCSEC_SDP_MAX_ADDRS);
    }
    mcsec_sdp_addr_t *a = &out->addrs[out->addr_count];
    memset(a, 0, sizeof(*a));
    a->at = at;
    a->line = r->line;
    a->media = r->in_media ? r->media : -1;
    a->has_port = has_port;
    a->port = port;
    if (text.n >= sizeof(a->text)) {
        return fail(r, "address too long");
    }
    memcpy(a->text, text.p, text.n);
    a->text[text.n] = '\0';
    if (text.n > 0) {
        if ((addrtype == 4 || addrtype == 0) && inet_pton(AF_INET, a->text, a->bin) == 1) {
            a->family = AF_INET;
        } else if ((addrtype == 6 || addrtype == 0) && inet_pton(AF_INET6, a->text, a->bin) == 1) {
            a->family = AF_INET6;
        } else if (!is_token(text, false)) {
            return fail(r, "bad address");
        } else if (memchr(text.p, ':', text.n) != NULL ||
                   inet_pton(AF_INET, a->text, a->bin) == 1) {
            return fail(r, "address does not match its address type");
        }
    }
    out->addr_count++;
    return MCSEC_OK;
}

/* "IN IP4|IP6" of o=, c=, a=rtcp; *addrtype 4 or 6. */
static bool net_addr_type(span_t *rest, int *addrtype)
{
    span_t net, type;
    if (!field(rest, &net) || !field(rest, &type) || !span_is(net, "IN")) {
        return false;
    }
    if (span_is(type, "IP4")) {
        *addrtype = 4;
    } else if (span_is(type, "IP6")) {
        *addrtype = 6;
    } else {
        return false;
    }
    return true;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
static mcsec_err_t read_origin(reader_t *r, span_t v)
{
    span_t user, id, version, addr;
    int addrtype = 0;
    if (!field(&v, &user) || !field(&v, &id) || !field(&v, &version) ||
        !net_addr_type(&v, &addrtype) || !field(&v, &addr) || v.n != 0) {
        return fail(r, "o= needs six fields: user sess-id sess-version IN IP4|IP6 address");
    }
    return add_addr(r, MCSEC_SDP_AT_ORIGIN, addr, addrtype, false, 0);
}

/* c=IN IP4|IP6 <address>[/ttl[/count]] */
static mcsec_err_t read_connection(reader_t *r, span_t v)
{
    span_t addr;
    int addrtype = 0;
    if (!net_addr_type(&v, &addrtype) || !field(&v, &addr) || v.n != 0) {
        return fail(r, "c= needs IN IP4|IP6 address");
    }
    if (r->in_media ? r->media_c : r->session_c) {
        return fail(r, "more than one c= at this level");
    }
    const char *slash = memchr(addr.p, '/', addr.n);
    if (slash != NULL) {
        addr.n = (size_t)(slash - addr.p); /* multicast TTL or count: the address is before */
    }
    if (r->in_media) {
        r->media_c = true;
    } else {
        r->session_c = true;
    }
    return add_addr(r, MCSEC_SDP_AT_CONNECTION, addr, addrtype, false, 0);
}

/* Ends the current media section: an active stream needs an address. */
static mcsec_err_t end_media(reader_t *r)
{
    if (r->in_media && r->media_active && !r->media_c && !r->session_c) {
        return fail(r, "m-line %d has no c= (and the session none)", r->media + 1);
    }
    return MCSEC_OK;
}

/* m=<media> <port>[/<count>] <proto> <fmt> ... */
static mcsec_err_t read_media(reader_t *r, span_t v)
{
    if (end_media(r) != MCSEC_OK) {
        return MCSEC_ERR_PARSE;
    }
    span_t media, port_text, proto, fmt;
    if (!field(&v, &media) || !field(&v, &port_text) || !field(&v, &proto) || !field(&v, &fmt)) {
        return fail(r, "m= needs media, port, proto and at least one format");
    }
    span_t fmts = {fmt.p, v.n > 0 ? v.n + fmt.n + 1 : fmt.n};
    while (v.n > 0) {
        if (!field(&v, &fmt)) {
            return fail(r, "m= has an empty format");
        }
    }
    if (!is_token(media, false) || !is_token(proto, true)) {
        return fail(r, "m= media or proto is not a token");
    }
    uint16_t port = 0, count = 1;
    const char *slash = memchr(port_text.p, '/', port_text.n);
    span_t count_text = {NULL, 0};
    if (slash != NULL) {
        count_text.p = slash + 1;
        count_text.n = port_text.n - (size_t)(slash - port_text.p) - 1;
        port_text.n = (size_t)(slash - port_text.p);
    }
    if (!parse_port(port_text, &port) ||
        (slash != NULL && (!parse_port(count_text, &count) || count == 0))) {
        return fail(r, "m= port is not a port (or port/count)");
    }
    mcsec_sdp_t *out = r->out;
    out->media_total++;
    r->in_media = true;
    r->media_c = false;
    r->media_active = port != 0;
    if (out->media_count == MCSEC_SDP_MAX_MEDIA) {
        out->too_many = true;
        r->media = MCSEC_SDP_MAX_MEDIA; /* addresses of the rest are not kept */
        return MCSEC_OK;
    }
    mcsec_sdp_media_t *m = &out->media[out->media_count];
    m->media = media.p;
    m->media_len = media.n;
    m->proto = proto.p;
    m->proto_len = proto.n;
    m->fmts = fmts.p;
    m->fmts_len = fmts.n;
    m->port = port;
    m->port_count = count;
    m->line = r->line;
    r->media = (int)out->media_count;
    out->media_count++;
    return MCSEC_OK;
}

/* a=rtcp:<port>[ IN IP4|IP6 <address>] (RFC 3605 2.1) */
static mcsec_err_t read_rtcp(reader_t *r, span_t v)
{
    span_t port_text, addr = {"", 0};
    uint16_t port = 0;
    int addrtype = 0;
    if (!field(&v, &port_text) || !parse_port(port_text, &port)) {
        return fail(r, "a=rtcp needs a port");
    }
    if (v.n != 0 && (!net_addr_type(&v, &addrtype) || !field(&v, &addr) || v.n != 0)) {
        return fail(r, "a=rtcp address needs IN IP4|IP6 address");
    }
    return add_addr(r, MCSEC_SDP_AT_RTCP, addr, addrtype, true, port);
}

/* a=candidate:<foundation> <component> <transport> <priority> <address>
 * <port> typ <type> [raddr <address>] [rport <port>] *(<name> <value>)
 * (RFC 8839 5.1). */
static mcsec_err_t read_candidate(reader_t *r, span_t v)
{
    span_t foundation, component, transport, priority, addr, port_text, typ, type;
    uint16_t port = 0;
    if (!field(&v, &foundation) || !field(&v, &component) || !field(&v, &transport) ||
        !field(&v, &priority) || !field(&v, &addr) || !field(&v, &port_text) ||
        !parse_port(port_text, &port) || !field(&v, &typ) || !span_is(typ, "typ") ||
        !field(&v, &type)) {
        return fail(r, "a=candidate does not follow RFC 8839");
    }
    if (add_addr(r, MCSEC_SDP_AT_CANDIDATE, addr, 0, true, port) != MCSEC_OK) {
        return MCSEC_ERR_PARSE;
    }
    span_t raddr = {NULL, 0};
    uint16_t rport = 0;
    bool has_rport = false;
    while (v.n > 0) {
        span_t name, value;
        if (!field(&v, &name) || !field(&v, &value)) {
            return fail(r, "a=candidate extension without a value");
        }
        if (span_is(name, "raddr")) {
            raddr = value;
        } else if (span_is(name, "rport")) {
            if (!parse_port(value, &rport)) {
                return fail(r, "a=candidate rport is not a port");
            }
            has_rport = true;
        }
    }
    if (raddr.p != NULL || has_rport) {
        return add_addr(r, MCSEC_SDP_AT_CANDIDATE_RADDR, raddr.p ? raddr : (span_t){"", 0}, 0,
                        has_rport, rport);
    }
    return MCSEC_OK;
}

/* a=remote-candidates:<component> <address> <port> ... (RFC 8839 5.2) */
static mcsec_err_t read_remote_candidates(reader_t *r, span_t v)
{
    do {
        span_t component, addr, port_text;
        uint16_t port = 0;
        if (!field(&v, &component) || !field(&v, &addr) || !field(&v, &port_text) ||
            !parse_port(port_text, &port)) {
            return fail(r, "a=remote-candidates does not follow RFC 8839");
        }
        if (add_addr(r, MCSEC_SDP_AT_CANDIDATE, addr, 0, true, port) != MCSEC_OK) {
            return MCSEC_ERR_PARSE;
        }
    } while (v.n > 0);
    return MCSEC_OK;
}

/* a=<attribute>[:<value>]: the address-bearing ones are read. */
static mcsec_err_t read_attribute(reader_t *r, span_t v)
{
    const char *colon = memchr(v.p, ':', v.n);
    span_t name = {v.p, colon != NULL ? (size_t)(colon - v.p) : v.n};
    span_t value = {colon != NULL ? colon + 1 : v.p + v.n, colon != NULL ? v.n - name.n - 1 : 0};
    if (!is_token(name, false)) {
        return fail(r, "attribute name is not a token");
    }
    if (span_is(name, "rtcp")) {
        return read_rtcp(r, value);
    }
    if (span_is(name, "candidate")) {
        return read_candidate(r, value);
    }
    if (span_is(name, "remote-candidates")) {
        return read_remote_candidates(r, value);
    }
    return MCSEC_OK;
}

/* One line (without its end): order and type, then the readers. */
static mcsec_err_t read_line(reader_t *r, span_t line)
{
    if (line.n < 2 || line.p[0] < 'a' || line.p[0] > 'z' || line.p[1] != '=') {
        return fail(r, "not <type>=<value>");
    }
    char type = line.p[0];
    span_t v = {line.p + 2, line.n - 2};
    static const char order[] = "vos";
    if (r->line <= 3 && type != order[r->line - 1]) {
        return fail(r, "an SDP starts with v=, o=, s=");
    }
    switch (type) {
    case 'v':
        if (r->v_seen || !span_is(v, "0")) {
            return fail(r, "v=0 once, first");
        }
        r->v_seen = true;
        return MCSEC_OK;
    case 'o':
        if (r->o_seen) {
            return fail(r, "o= twice");
        }
        r->o_seen = true;
        return read_origin(r, v);
    case 's':
        if (r->s_seen) {
            return fail(r, "s= twice");
        }
        r->s_seen = true;
        return MCSEC_OK;
    case 'c':
        return read_connection(r, v);
    case 'm':
        return read_media(r, v);
    case 'a':
        return read_attribute(r, v);
    default:
        return MCSEC_OK;
    }
}

/* Checks the octets of a line: no control octet but HTAB. */
static bool line_octets_ok(span_t line)
{
    for (size_t i = 0; i < line.n; i++) {
        unsigned char c = (unsigned char)line.p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

mcsec_err_t mcsec_sdp_read(const uint8_t *sdp, size_t len, mcsec_sdp_t *out, char *why,
                           size_t why_size)
{
    reader_t r = {out, 0, -1, false, false, false, false, false, false, false, why, why_size};
    if (why != NULL && why_size > 0) {
        why[0] = '\0';
    }
    if (out == NULL || (sdp == NULL && len > 0)) {
        return MCSEC_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    const char *p = (const char *)sdp;
    const char *end = p + len;
    while (p < end) {
        r.line++;
        if (r.line > MCSEC_SDP_MAX_LINES) {
            return fail(&r, "more than %d lines", MCSEC_SDP_MAX_LINES);
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl != NULL ? nl : end;
        span_t line = {p, (size_t)(stop - p)};
        if (line.n > 0 && line.p[line.n - 1] == '\r') {
            line.n--;
        }
        p = nl != NULL ? nl + 1 : end;
        if (line.n > MCSEC_SDP_MAX_LINE) {
            return fail(&r, "longer than %d octets", MCSEC_SDP_MAX_LINE);
        }
        if (!line_octets_ok(line)) {
            return fail(&r, "control octet");
        }
        if (line.n == 0) {
            /* Only empty lines may follow an empty line (a trailing one). */
            for (const char *q = p; q < end; q++) {
                if (*q != '\r' && *q != '\n') {
                    return fail(&r, "empty line");
                }
            }
            break;
        }
        if (read_line(&r, line) != MCSEC_OK) {
            return MCSEC_ERR_PARSE;
        }
    }
    if (!r.s_seen) {
        r.line = r.line == 0 ? 1 : r.line;
        return fail(&r, "not an SDP: v=, o=, s= missing");
    }
    return end_media(&r);
}
