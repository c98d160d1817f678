/*
 * mcsec-srtp-peer: one media endpoint of the media tests (tests/media/).
 *
 * Binds LOCAL (the address and port its SDP names), sends COUNT SRTP
 * packets (RFC 3711; AES-128-GCM per RFC 7714 when libsrtp2 offers it,
 * as MC media uses) or, with --rtcp, COUNT SRTCP packets each carrying
 * an RTCP APP packet named "MCPT" (the MCPTT floor control messages of
 * TS 24.380 travel as RTCP APP packets on the m=application ... MCPTT
 * line), to PEER, protected with the given master key and salt; at the
 * same time it receives on LOCAL, unprotects every datagram with the
 * PEER's key (--rkey/--rsalt, default the same key) and counts.
 *
 * Written, one per line, lowercase hex:
 *   OUT.sent  every datagram sent, as it left (protected)
 *   OUT.recv  every datagram received, as it arrived (protected)
 * so a test can check that the relay forwarded the octets unchanged. The
 * last line on stdout is
 *   sent=N received=M decrypted=D suite=GCM|CM
 * Exit 0 when it sent COUNT and decrypted at least --expect datagrams
 * (default 0) before --wait-ms after its last send; 1 otherwise; 2 on
 * usage or set-up errors. The border never holds these keys: they stand
 * for the MIKEY-SAKKE keys of TS 33.180 that only the MC clients know.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <srtp2/srtp.h>

#define MAX_PKT 1500
#define KEY_LEN 16
#define GCM_SALT_LEN 12
#define CM_SALT_LEN 14

struct opts {
    const char *local, *peer, *out;
    const char *key, *salt, *rkey, *rsalt;
    unsigned count, interval_us, wait_ms, expect, ssrc, delay_ms;
    int rtcp, cm;
};

static void usage(void)
{
    fprintf(stderr, "usage: mcsec-srtp-peer --local ADDR:PORT --peer ADDR:PORT --out PREFIX\n"
                    "  --key HEX16 --salt HEX12|HEX14 [--rkey HEX16 --rsalt HEX]\n"
                    "  [--count N] [--interval-ms N | --interval-us N] [--wait-ms N] [--expect N]\n"
                    "  [--ssrc N] [--delay-ms N] [--rtcp] [--cm]\n");
}

/* parse_addr "a.b.c.d:p" or "[v6]:p" into ss. 0 on success. */
static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[128];
    const char *port;
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof(host))
        return -1;
    if (s[0] == '[') {
        if (colon[-1] != ']' || colon - s < 3)
            return -1;
        memcpy(host, s + 1, (size_t)(colon - s - 2));
        host[colon - s - 2] = '\0';
    } else {
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    port = colon + 1;
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_DGRAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int hex_decode(const char *hex, uint8_t *out, size_t want)
{
    if (!hex || strlen(hex) != want * 2)
        return -1;
    for (size_t i = 0; i < want; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static void hex_line(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    fputc('\n', f);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof(*o));
    o->count = 50;
    o->interval_us = 20000;
    o->wait_ms = 1000;
    o->ssrc = 0x4d435054;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--rtcp")) {
            o->rtcp = 1;
            continue;
        }
        if (!strcmp(a, "--cm")) {
            o->cm = 1;
            continue;
        }
        if (!v)
            return -1;
        i++;
        if (!strcmp(a, "--local"))
            o->local = v;
        else if (!strcmp(a, "--peer"))
            o->peer = v;
        else if (!strcmp(a, "--out"))
            o->out = v;
        else if (!strcmp(a, "--key"))
            o->key = v;
        else if (!strcmp(a, "--salt"))
            o->salt = v;
        else if (!strcmp(a, "--rkey"))
            o->rkey = v;
        else if (!strcmp(a, "--rsalt"))
            o->rsalt = v;
        else if (!strcmp(a, "--count"))
            o->count = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--interval-ms"))
            o->interval_us = 1000u * (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--interval-us"))
            o->interval_us = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--wait-ms"))
            o->wait_ms = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--delay-ms"))
            o->delay_ms = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--expect"))
            o->expect = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--ssrc"))
            o->ssrc = (unsigned)strtoul(v, NULL, 0);
        else
            return -1;
    }
    if (!o->local || !o->peer || !o->out || !o->key || !o->salt)
        return -1;
    if (!o->rkey)
        o->rkey = o->key;
    if (!o->rsalt)
        o->rsalt = o->salt;
    return 0;
}

/* make_session: one libsrtp2 session; outbound with the SSRC given, or
 * inbound for any SSRC. RFC 7714 GCM (16-octet tag) unless cm. */
static srtp_t make_session(const struct opts *o, const char *key, const char *salt, int inbound)
{
    uint8_t master[KEY_LEN + CM_SALT_LEN];
    size_t salt_len = o->cm ? CM_SALT_LEN : GCM_SALT_LEN;
    if (hex_decode(key, master, KEY_LEN) || hex_decode(salt, master + KEY_LEN, salt_len))
        return NULL;
    srtp_policy_t p;
    memset(&p, 0, sizeof(p));
    if (o->cm) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
    } else {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    }
    p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_specific;
    p.ssrc.value = o->ssrc;
    p.key = master;
    p.window_size = 128;
    p.next = NULL;
    srtp_t s = NULL;
    srtp_err_status_t st = srtp_create(&s, &p);
    memset(master, 0, sizeof(master));
    return st == srtp_err_status_ok ? s : NULL;
}

/* build: packet n in clear. RTP: version 2, PT 96, 20 octets of payload;
 * RTCP: an APP packet (RFC 3550 6.7), subtype 0 (Floor Request in
 * TS 24.380), name "MCPT", 8 octets of application data. */
static size_t build(const struct opts *o, unsigned n, uint8_t *buf)
{
    if (o->rtcp) {
        buf[0] = 0x80; /* V=2, P=0, subtype 0 */
        buf[1] = 204;  /* APP */
        buf[2] = 0;
        buf[3] = 4; /* length in 32-bit words - 1: 20 octets */
        buf[4] = (uint8_t)(o->ssrc >> 24);
        buf[5] = (uint8_t)(o->ssrc >> 16);
        buf[6] = (uint8_t)(o->ssrc >> 8);
        buf[7] = (uint8_t)o->ssrc;
        memcpy(buf + 8, "MCPT", 4);
        for (unsigned i = 0; i < 8; i++)
            buf[12 + i] = (uint8_t)(n + i);
        return 20;
    }
    buf[0] = 0x80;
    buf[1] = 96;
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    uint32_t ts = n * 320;
    buf[4] = (uint8_t)(ts >> 24);
    buf[5] = (uint8_t)(ts >> 16);
    buf[6] = (uint8_t)(ts >> 8);
    buf[7] = (uint8_t)ts;
    buf[8] = (uint8_t)(o->ssrc >> 24);
    buf[9] = (uint8_t)(o->ssrc >> 16);
    buf[10] = (uint8_t)(o->ssrc >> 8);
    buf[11] = (uint8_t)o->ssrc;
    for (unsigned i = 0; i < 20; i++)
        buf[12 + i] = (uint8_t)(0xa0 + n + i);
    return 32;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct run {
    int fd;
    srtp_t tx, rx;
    FILE *fsent, *frecv;
    unsigned sent, received, decrypted;
};

static void receive_all(const struct opts *o, struct run *r, int timeout_ms)
{
    struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
    while (poll(&pfd, 1, timeout_ms) > 0) {
        uint8_t buf[MAX_PKT + SRTP_MAX_TRAILER_LEN];
        ssize_t n = recv(r->fd, buf, MAX_PKT, 0);
        if (n <= 0)
            return;
        r->received++;
        hex_line(r->frecv, buf, (size_t)n);
        int len = (int)n;
        srtp_err_status_t st =
            o->rtcp ? srtp_unprotect_rtcp(r->rx, buf, &len) : srtp_unprotect(r->rx, buf, &len);
        if (st == srtp_err_status_ok)
            r->decrypted++;
        timeout_ms = 0;
    }
}

static int run_peer(const struct opts *o, struct run *r)
{
    struct sockaddr_storage la, pa;
    socklen_t llen, plen;
    if (parse_addr(o->local, &la, &llen) || parse_addr(o->peer, &pa, &plen)) {
        fprintf(stderr, "mcsec-srtp-peer: bad address\n");
        return 2;
    }
    r->fd = socket(la.ss_family, SOCK_DGRAM, 0);
    if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&la, llen) != 0) {
        fprintf(stderr, "mcsec-srtp-peer: bind %s: %s\n", o->local, strerror(errno));
        return 2;
    }
    /* --delay-ms: bound and receiving before the first send, so that the
     * far peer, started at the same time, is bound when media arrives */
    uint64_t next = now_us() + 1000u * (uint64_t)o->delay_ms;
    for (uint64_t t = now_us(); t < next; t = now_us())
        receive_all(o, r, next - t > 1000u ? (int)((next - t) / 1000u) : 0);
    for (unsigned n = 0; n < o->count; n++) {
        uint8_t buf[MAX_PKT + SRTP_MAX_TRAILER_LEN];
        int len = (int)build(o, n, buf);
        srtp_err_status_t st =
            o->rtcp ? srtp_protect_rtcp(r->tx, buf, &len) : srtp_protect(r->tx, buf, &len);
        if (st != srtp_err_status_ok) {
            fprintf(stderr, "mcsec-srtp-peer: protect failed (%d)\n", (int)st);
            return 2;
        }
        if (sendto(r->fd, buf, (size_t)len, 0, (struct sockaddr *)&pa, plen) == len) {
            r->sent++;
            hex_line(r->fsent, buf, (size_t)len);
        }
        next += o->interval_us;
        /* receive until the next send; the last millisecond by polling
         * (sub-millisecond pacing for the bench rates) */
        for (uint64_t t = now_us(); t < next; t = now_us())
            receive_all(o, r, next - t > 1000u ? (int)((next - t) / 1000u) : 0);
    }
    uint64_t end = now_us() + 1000u * o->wait_ms;
    for (uint64_t t = now_us(); t < end && r->decrypted < o->expect; t = now_us())
        receive_all(o, r, (int)((end - t) / 1000u) + 1);
    if (r->decrypted >= o->expect)
        receive_all(o, r, 50);
    return 0;
}

static FILE *open_out(const char *prefix, const char *ext)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s.%s", prefix, ext) >= (int)sizeof(path))
        return NULL;
    return fopen(path, "w");
}

int main(int argc, char **argv)
{
    struct opts o;
    if (parse_opts(argc, argv, &o) != 0) {
        usage();
        return 2;
    }
    if (srtp_init() != srtp_err_status_ok)
        return 2;
    struct run r = {.fd = -1};
    r.tx = make_session(&o, o.key, o.salt, 0);
    r.rx = make_session(&o, o.rkey, o.rsalt, 1);
    r.fsent = open_out(o.out, "sent");
    r.frecv = open_out(o.out, "recv");
    int rc = 2;
    if (!r.tx || !r.rx)
        fprintf(stderr, "mcsec-srtp-peer: bad key or salt, or suite not available\n");
    else if (!r.fsent || !r.frecv)
        fprintf(stderr, "mcsec-srtp-peer: cannot write %s.*\n", o.out);
    else
        rc = run_peer(&o, &r);
    if (rc == 0) {
        printf("sent=%u received=%u decrypted=%u suite=%s\n", r.sent, r.received, r.decrypted,
               o.cm ? "CM" : "GCM");
        rc = (r.sent == o.count && r.decrypted >= o.expect) ? 0 : 1;
    }
    if (r.fsent)
        fclose(r.fsent);
    if (r.frecv)
        fclose(r.frecv);
    if (r.fd >= 0)
        close(r.fd);
    if (r.tx)
        srtp_dealloc(r.tx);
    if (r.rx)
        srtp_dealloc(r.rx);
    srtp_shutdown();
    return rc;
}
