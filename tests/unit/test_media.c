/* Media through the border (libmcsec/src/media, docs/media.md): the SDP
 * reader's grammar and limits, every rule of mcsec_media_check_rules()
 * and mcsec_media_check_anchored(), the SDP part of a body, and the media
 * sections of the policy (loader diagnostics with their positions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/media/media.h"
#include "mcsec/media/sdes_hold.h"
#include "mcsec/media/sdp.h"
#include "mcsec/policy/policy.h"

#define HEAD                                                                                       \
    "version: 1\n"                                                                                 \
    "system:\n"                                                                                    \
    "  name: system-a\n"                                                                           \
    "  identity: sip:border@a.mcx.example\n"                                                       \
    "  domains: [a.mcx.example]\n"                                                                 \
    "  sip:\n"                                                                                     \
    "    core: 10.0.0.2:5060\n"                                                                    \
    "  http:\n"                                                                                    \
    "    internal_hosts: [\"gms.a.internal:8080\"]\n"

#define SYSTEM_MEDIA                                                                               \
    "  media:\n"                                                                                   \
    "    outside_address: 192.0.2.10\n"                                                            \
    "    inside_address: 10.0.0.10\n"                                                              \
    "    port_min: 30000\n"                                                                        \
    "    port_max: 30999\n"

#define PARTNER                                                                                    \
    "partners:\n"                                                                                  \
    "  - name: system-b\n"                                                                         \
    "    identity: sip:border@b.mcx.example\n"                                                     \
    "    domains: [b.mcx.example]\n"                                                               \
    "    addresses:\n"                                                                             \
    "      is_proxy: [198.51.100.1:5060]\n"                                                        \
    "    auth: implicit\n"                                                                         \
    "    sip:\n"                                                                                   \
    "      methods: [INVITE]\n"

static const char POLICY[] = HEAD SYSTEM_MEDIA PARTNER "    media:\n"
                                                       "      relay_addresses: [198.51.100.20, "
                                                       "\"2001:db8::20\"]\n"
                                                       "      port_min: 40000\n"
                                                       "      port_max: 40999\n"
                                                       "      max_streams: 3\n";

static mcsec_policy_t *policy;
static char detail[160];

static int setup(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_err_t rc =
        mcsec_policy_load_buffer(POLICY, strlen(POLICY), "p.yaml", NULL, &policy, &diags);
    for (size_t i = 0; i < diags.count; i++) {
        char out[512];
        mcsec_diag_format(&diags.items[i], out, sizeof(out));
        print_message("%s\n", out);
    }
    assert_int_equal(rc, MCSEC_OK);
    mcsec_diag_list_free(&diags);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mcsec_policy_free(policy);
    return 0;
}

static mcsec_reason_t rules(const char *sdp, bool from_partner)
{
    detail[0] = '\0';
    mcsec_reason_t r_ = mcsec_media_check_rules(&policy->partners[0], (const uint8_t *)sdp,
                                                strlen(sdp), from_partner, detail, sizeof(detail));
    return r_;
}

static mcsec_reason_t anchored(const char *sdp, bool egress)
{
    detail[0] = '\0';
    return mcsec_media_check_anchored(policy, &policy->partners[0], (const uint8_t *)sdp,
                                      strlen(sdp), egress, detail, sizeof(detail));
}

/* An SDP from the partner's relay: MCPTT audio and floor control. */
#define PARTNER_SDP                                                                                \
    "v=0\r\n"                                                                                      \
    "o=- 1 1 IN IP4 198.51.100.20\r\n"                                                             \
    "s=-\r\n"                                                                                      \
    "c=IN IP4 198.51.100.20\r\n"                                                                   \
    "t=0 0\r\n"                                                                                    \
    "m=audio 40000 RTP/SAVP 96\r\n"                                                                \
    "a=rtpmap:96 AMR-WB/16000\r\n"                                                                 \
    "a=rtcp:40001\r\n"                                                                             \
    "a=key-mgmt:mikey AQAFgM0AAAAA\r\n"                                                            \
    "m=application 40002 udp MCPTT\r\n"                                                            \
    "a=fmtp:MCPTT mc_queueing\r\n"

/* Replaces the first occurrence of from in PARTNER_SDP (or base) by to. */
static const char *edit(const char *base, const char *from, const char *to)
{
    static char out[8192];
    const char *at = strstr(base, from);
    assert_non_null(at);
    snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
    return out;
}

static void test_partner_sdp_passes(void **state)
{
    (void)state;
    assert_int_equal(rules(PARTNER_SDP, true), MCSEC_REASON_NONE);
    /* LF line ends (RFC 8866 5) and a trailing empty line */
    assert_int_equal(rules("v=0\no=- 1 1 IN IP4 198.51.100.20\ns=-\nc=IN IP4 198.51.100.20\n"
                           "m=audio 40000 RTP/SAVPF 96\n\r\n",
                           true),
                     MCSEC_REASON_NONE);
    /* IPv6 relay address, hold by the unspecified address (RFC 3264 8.4) */
    assert_int_equal(
        rules(edit(PARTNER_SDP, "c=IN IP4 198.51.100.20", "c=IN IP6 2001:db8::20"), true),
        MCSEC_REASON_NONE);
    assert_int_equal(rules(edit(PARTNER_SDP, "c=IN IP4 198.51.100.20", "c=IN IP4 0.0.0.0"), true),
                     MCSEC_REASON_NONE);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "o=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\n",             /* no v= */
        "v=0\r\ns=-\r\no=- 1 1 IN IP4 198.51.100.20\r\n",      /* order */
        "v=1\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\n",      /* version */
        "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n",                    /* o= fields */
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nx\r\n", /* not type=value */
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nA=b\r\n",
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 1.2.3.4\rx\r\n",
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nm=audio 40000 RTP/SAVP\r\n",
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nm=audio 70000 RTP/SAVP 0\r\n",
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nm=audio 40000  RTP/SAVP 0\r\n",
        /* an active stream without any c= */
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nm=audio 40000 RTP/SAVP 0\r\n",
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
        "c=IN IP4 198.51.100.20\r\n",                     /* two c= at one level */
        "v=0\r\no=- 1 1 IN IP6 198.51.100.20\r\ns=-\r\n", /* address type */
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\n\r\nt=0 0\r\n",
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
        "m=audio 40000 RTP/SAVP 0\r\na=candidate:1 1 UDP 1 198.51.100.20\r\n",
        "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
        "m=audio 40000 RTP/SAVP 0\r\na=rtcp:x\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (rules(bad[i], true) != MCSEC_REASON_MEDIA_MALFORMED) {
            fail_msg("case %zu passed: %s", i, bad[i]);
        }
    }
    /* a line over the limit */
    size_t n = MCSEC_SDP_MAX_LINE + 64;
    char *big = malloc(n + 128);
    assert_non_null(big);
    int head = snprintf(big, 128, "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\na=x:");
    memset(big + head, 'a', n);
    memcpy(big + head + n, "\r\n", 3);
    assert_int_equal(rules(big, true), MCSEC_REASON_MEDIA_MALFORMED);
    free(big);
    /* a NUL inside */
    static const char nul[] = "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\0\r\n";
    assert_int_equal(mcsec_media_check_rules(&policy->partners[0], (const uint8_t *)nul,
                                             sizeof(nul) - 1, true, detail, sizeof(detail)),
                     MCSEC_REASON_MEDIA_MALFORMED);
}

static void test_insecure_profile(void **state)
{
    (void)state;
    assert_int_equal(rules(edit(PARTNER_SDP, "RTP/SAVP", "RTP/AVP"), true),
                     MCSEC_REASON_MEDIA_INSECURE_PROFILE);
    assert_int_equal(rules(edit(PARTNER_SDP, "RTP/SAVP", "rtp/avpf"), false),
                     MCSEC_REASON_MEDIA_INSECURE_PROFILE);
    /* a disabled stream carries no media (RFC 3264): not judged */
    assert_int_equal(rules(edit(PARTNER_SDP, "m=audio 40000 RTP/SAVP", "m=audio 0 RTP/AVP"), true),
                     MCSEC_REASON_NONE);
}

static void test_line_not_allowed(void **state)
{
    (void)state;
    assert_int_equal(
        rules(edit(PARTNER_SDP, "m=application 40002 udp MCPTT", "m=image 40002 udptl t38"), true),
        MCSEC_REASON_MEDIA_LINE_NOT_ALLOWED);
    assert_int_equal(
        rules(edit(PARTNER_SDP, "m=audio 40000 RTP/SAVP", "m=audio 40000 UDP/TLS/RTP/SAVP"), false),
        MCSEC_REASON_MEDIA_LINE_NOT_ALLOWED);
    /* case does not matter (docs/media.md) */
    assert_int_equal(rules(edit(PARTNER_SDP, "udp MCPTT", "UDP mcptt"), true), MCSEC_REASON_NONE);
}

/* PARTNER_SDP followed by count more media sections on port. */
static const char *with_streams(size_t count, unsigned port)
{
    static char out[65536];
    size_t n = (size_t)snprintf(out, sizeof(out), "%s", PARTNER_SDP);
    for (size_t i = 0; i < count && n + 64 < sizeof(out); i++) {
        n += (size_t)snprintf(out + n, sizeof(out) - n, "m=video %u RTP/SAVP 97\r\n",
                              port == 0 ? 0 : port + (unsigned)i * 2);
    }
    return out;
}

static void test_too_many_streams(void **state)
{
    (void)state;
    assert_int_equal(rules(with_streams(1, 40010), true), MCSEC_REASON_NONE);
    assert_int_equal(rules(with_streams(2, 40010), true), MCSEC_REASON_MEDIA_TOO_MANY_STREAMS);
    assert_int_equal(rules(with_streams(2, 40010), false), MCSEC_REASON_MEDIA_TOO_MANY_STREAMS);
    /* disabled streams are not counted */
    assert_int_equal(rules(with_streams(20, 0), true), MCSEC_REASON_NONE);
    /* hundreds of m-lines: refused, whatever their ports */
    assert_int_equal(rules(with_streams(300, 0), true), MCSEC_REASON_MEDIA_TOO_MANY_STREAMS);
}

static void test_third_party_address(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to;
    } cases[] = {
        {"c=IN IP4 198.51.100.20", "c=IN IP4 203.0.113.5"},
        {"o=- 1 1 IN IP4 198.51.100.20", "o=- 1 1 IN IP4 203.0.113.5"},
        {"o=- 1 1 IN IP4 198.51.100.20", "o=- 1 1 IN IP4 relay.b.example"},
        {"a=rtcp:40001", "a=rtcp:40001 IN IP4 203.0.113.5"},
        {"a=rtcp:40001", "a=rtcp:50001"},
        {"m=audio 40000", "m=audio 39998"},
        {"m=audio 40000", "m=audio 40998/2"},
        {"a=rtcp:40001", "a=candidate:1 1 UDP 2130706431 203.0.113.5 40000 typ host"},
        {"a=rtcp:40001", "a=candidate:1 1 UDP 2130706431 198.51.100.20 41000 typ host"},
        {"a=rtcp:40001", "a=candidate:1 1 UDP 1694498815 198.51.100.20 40000 typ srflx raddr "
                         "10.1.1.1 rport 5000"},
        {"a=rtcp:40001", "a=remote-candidates:1 203.0.113.5 40000"},
        {"m=application 40002 udp MCPTT", "m=application 40002 udp MCPTT\r\nc=IN IP4 203.0.113.5"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mcsec_reason_t r = rules(edit(PARTNER_SDP, cases[i].from, cases[i].to), true);
        if (r != MCSEC_REASON_MEDIA_THIRD_PARTY_ADDRESS) {
            fail_msg("case %zu (%s): %s", i, cases[i].to, mcsec_reason_code(r));
        }
    }
    /* A candidate on the relay passes; a third party in a disabled stream
     * (port 0) is not judged. */
    assert_int_equal(rules(edit(PARTNER_SDP, "a=rtcp:40001",
                                "a=candidate:1 1 UDP 2130706431 198.51.100.20 40000 typ host"),
                           true),
                     MCSEC_REASON_NONE);
    assert_int_equal(rules(edit(PARTNER_SDP, "m=application 40002 udp MCPTT",
                                "m=application 0 udp MCPTT\r\nc=IN IP4 203.0.113.5"),
                           true),
                     MCSEC_REASON_NONE);
    /* From our core the addresses are the relay's to replace. */
    assert_int_equal(
        rules(edit(PARTNER_SDP, "c=IN IP4 198.51.100.20", "c=IN IP4 10.0.0.99"), false),
        MCSEC_REASON_NONE);
}

/* The SDP our relay writes towards the partner. */
#define OUT_SDP                                                                                    \
    "v=0\r\n"                                                                                      \
    "o=- 1 1 IN IP4 192.0.2.10\r\n"                                                                \
    "s=-\r\n"                                                                                      \
    "c=IN IP4 192.0.2.10\r\n"                                                                      \
    "t=0 0\r\n"                                                                                    \
    "m=audio 30000 RTP/SAVP 96\r\n"                                                                \
    "a=rtcp:30001\r\n"                                                                             \
    "m=application 30002 udp MCPTT\r\n"

static void test_anchored(void **state)
{
    (void)state;
    assert_int_equal(anchored(OUT_SDP, true), MCSEC_REASON_NONE);
    static const struct {
        const char *from, *to;
    } cases[] = {
        {"c=IN IP4 192.0.2.10", "c=IN IP4 10.0.0.10"},            /* the inside side */
        {"o=- 1 1 IN IP4 192.0.2.10", "o=- 1 1 IN IP4 10.0.0.2"}, /* the core */
        {"m=audio 30000", "m=audio 29000"},
        {"a=rtcp:30001", "a=rtcp:31001"},
        {"a=rtcp:30001", "a=rtcp:30001 IN IP4 10.0.0.5"},
        {"a=rtcp:30001", "a=candidate:1 1 UDP 1 192.0.2.10 30000 typ srflx raddr 10.0.0.5 "
                         "rport 4000"},
        {"a=rtcp:30001", "a=candidate:1 1 UDP 1 10.0.0.5 30000 typ host"},
        {"a=rtcp:30001", "a=label:10.0.0.2"},       /* the core's address, anywhere */
        {"a=rtcp:30001", "a=label:GMS.a.internal"}, /* an internal host */
        {"s=-", "s"},                               /* unreadable */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mcsec_reason_t r = anchored(edit(OUT_SDP, cases[i].from, cases[i].to), true);
        mcsec_reason_t want = i + 1 == sizeof(cases) / sizeof(cases[0])
                                  ? MCSEC_REASON_MEDIA_MALFORMED
                                  : MCSEC_REASON_MEDIA_NOT_ANCHORED;
        if (r != want) {
            fail_msg("case %zu (%s): %s", i, cases[i].to, mcsec_reason_code(r));
        }
    }
    /* 10.0.0.20 is not 10.0.0.2: whole addresses only */
    assert_int_equal(anchored(edit(OUT_SDP, "a=rtcp:30001", "a=label:10.0.0.20"), true),
                     MCSEC_REASON_NONE);
    /* towards our core: the inside address, never the outside or the partner's */
    char inside[512];
    snprintf(inside, sizeof(inside), "%s",
             "v=0\r\no=- 1 1 IN IP4 10.0.0.10\r\ns=-\r\nc=IN IP4 10.0.0.10\r\nt=0 0\r\n"
             "m=audio 30000 RTP/SAVP 96\r\na=rtcp:30001\r\nm=application 30002 udp MCPTT\r\n");
    assert_int_equal(anchored(inside, false), MCSEC_REASON_NONE);
    assert_int_equal(anchored(OUT_SDP, false), MCSEC_REASON_MEDIA_NOT_ANCHORED);
    assert_int_equal(anchored(edit(inside, "a=rtcp:30001", "a=label:198.51.100.20"), false),
                     MCSEC_REASON_MEDIA_NOT_ANCHORED);
    assert_int_equal(anchored(inside, true), MCSEC_REASON_MEDIA_NOT_ANCHORED);
}

static mcsec_reason_t keys(const char *before, const char *after)
{
    detail[0] = '\0';
    return mcsec_media_check_keys((const uint8_t *)before, strlen(before), (const uint8_t *)after,
                                  strlen(after), detail, sizeof(detail));
}

static void test_key_lines_untouched(void **state)
{
    (void)state;
    static const char given[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\n"
                                "a=key-mgmt:mikey AQAF\r\nm=audio 6000 RTP/SAVP 96\r\n"
                                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\r\n"
                                "m=video 6002 RTP/SAVP 97\r\n"
                                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:REVG\r\n";
    /* the relay's rewrite: other addresses and ports, lines moved */
    assert_int_equal(keys(given, "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\n"
                                 "m=audio 30000 RTP/SAVP 96\r\n"
                                 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\r\n"
                                 "a=key-mgmt:mikey AQAF\r\nm=video 30002 RTP/SAVP 97\n"
                                 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:REVG\n"),
                     MCSEC_REASON_NONE);
    /* SDES added (rtpengine's default on an RTP/SAVP offer), removed, changed */
    assert_int_equal(keys("v=0\r\nm=audio 6000 RTP/SAVP 96\r\na=key-mgmt:mikey AQAF\r\n",
                          "v=0\r\nm=audio 30000 RTP/SAVP 96\r\na=key-mgmt:mikey AQAF\r\n"
                          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WFla\r\n"),
                     MCSEC_REASON_MEDIA_KEYS_ALTERED);
    assert_int_equal(keys(given, "v=0\r\nm=audio 30000 RTP/SAVP 96\r\na=key-mgmt:mikey AQAF\r\n"
                                 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\r\n"),
                     MCSEC_REASON_MEDIA_KEYS_ALTERED);
    assert_int_equal(keys("a=key-mgmt:mikey AQAF\r\n", "a=key-mgmt:mikey AQAG\r\n"),
                     MCSEC_REASON_MEDIA_KEYS_ALTERED);
    assert_int_equal(keys("a=crypto:1 X inline:A\r\na=crypto:1 X inline:A\r\n",
                          "a=crypto:1 X inline:A\r\na=crypto:2 X inline:A\r\n"),
                     MCSEC_REASON_MEDIA_KEYS_ALTERED);
}

/* SDES lines held back from the relay (mcsec/media/sdes_hold.h): stripped
 * with their line ends, put back unchanged, in order, after the last a=
 * line of their section of the relay's SDP; other m-lines refused. */
static char *restored(const mcsec_sdes_hold_t *hold, const char *relay, mcsec_reason_t *reason)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    detail[0] = '\0';
    *reason = mcsec_sdes_hold_restore(hold, (const uint8_t *)relay, strlen(relay), &out, &out_len,
                                      detail, sizeof(detail));
    if (*reason != MCSEC_REASON_NONE) {
        assert_null(out);
        return NULL;
    }
    char *text = malloc(out_len + 1);
    assert_non_null(text);
    memcpy(text, out, out_len);
    text[out_len] = '\0';
    free(out);
    return text;
}

static void test_sdes_hold(void **state)
{
    (void)state;
    static const char given[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
                                "t=0 0\r\nm=audio 6000 RTP/SAVP 96\r\n"
                                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\r\n"
                                "a=rtpmap:96 opus/48000/2\r\n"
                                "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:R0hJ\r\n"
                                "m=application 6002 udp MCPTT\r\na=fmtp:MCPTT mc_queueing\r\n"
                                "m=video 6004 RTP/SAVP 97\r\n"
                                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:REVG\r\n";
    mcsec_sdes_hold_t hold;
    memset(&hold, 0, sizeof(hold));
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(
        mcsec_sdes_hold_strip((const uint8_t *)given, strlen(given), &hold, &out, &out_len),
        MCSEC_OK);
    static const char stripped[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
                                   "t=0 0\r\nm=audio 6000 RTP/SAVP 96\r\n"
                                   "a=rtpmap:96 opus/48000/2\r\n"
                                   "m=application 6002 udp MCPTT\r\na=fmtp:MCPTT mc_queueing\r\n"
                                   "m=video 6004 RTP/SAVP 97\r\n";
    assert_int_equal(out_len, strlen(stripped));
    assert_memory_equal(out, stripped, out_len);
    free(out);
    assert_int_equal(hold.count, 3);
    /* the relay's SDP: addresses and ports rewritten, attributes added */
    static const char relay[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n"
                                "t=0 0\r\nm=audio 30000 RTP/SAVP 96\r\n"
                                "a=rtpmap:96 opus/48000/2\r\na=sendrecv\r\na=rtcp:30001\r\n"
                                "m=application 30002 udp MCPTT\r\na=fmtp:MCPTT mc_queueing\r\n"
                                "m=video 30004 RTP/SAVP 97\r\nb=AS:512\r\n";
    mcsec_reason_t reason;
    char *back = restored(&hold, relay, &reason);
    assert_int_equal(reason, MCSEC_REASON_NONE);
    assert_string_equal(back, "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n"
                              "t=0 0\r\nm=audio 30000 RTP/SAVP 96\r\n"
                              "a=rtpmap:96 opus/48000/2\r\na=sendrecv\r\na=rtcp:30001\r\n"
                              "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\r\n"
                              "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:R0hJ\r\n"
                              "m=application 30002 udp MCPTT\r\na=fmtp:MCPTT mc_queueing\r\n"
                              "m=video 30004 RTP/SAVP 97\r\nb=AS:512\r\n"
                              "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:REVG\r\n");
    /* the key check then passes against the SDP given */
    assert_int_equal(keys(given, back), MCSEC_REASON_NONE);
    free(back);
    /* a relay that adds SDES of its own: restored, but the key check refuses */
    back = restored(&hold,
                    "v=0\r\nm=audio 30000 RTP/SAVP 96\r\na=crypto:9 AES_CM_128_HMAC_SHA1_80 "
                    "inline:WFla\r\nm=application 30002 udp MCPTT\r\nm=video 30004 RTP/SAVP 97\r\n",
                    &reason);
    assert_int_equal(reason, MCSEC_REASON_NONE);
    assert_int_equal(keys(given, back), MCSEC_REASON_MEDIA_KEYS_ALTERED);
    free(back);
    /* m-lines dropped, reordered, or another proto: the lines cannot go back */
    assert_null(restored(&hold, "v=0\r\nm=audio 30000 RTP/SAVP 96\r\n", &reason));
    assert_int_equal(reason, MCSEC_REASON_MEDIA_KEYS_ALTERED);
    assert_null(restored(&hold,
                         "v=0\r\nm=application 30002 udp MCPTT\r\nm=audio 30000 RTP/SAVP 96\r\n"
                         "m=video 30004 RTP/SAVP 97\r\n",
                         &reason));
    assert_int_equal(reason, MCSEC_REASON_MEDIA_KEYS_ALTERED);
    assert_null(restored(&hold,
                         "v=0\r\nm=audio 30000 RTP/AVP 96\r\nm=application 30002 udp MCPTT\r\n"
                         "m=video 30004 RTP/SAVP 97\r\n",
                         &reason));
    assert_int_equal(reason, MCSEC_REASON_MEDIA_KEYS_ALTERED);
    /* LF endings and a last line without one */
    back = restored(&hold,
                    "v=0\nm=audio 1 RTP/SAVP 96\na=x\nm=application 2 udp MCPTT\n"
                    "m=video 3 RTP/SAVP 97",
                    &reason);
    assert_int_equal(reason, MCSEC_REASON_NONE);
    assert_string_equal(back, "v=0\nm=audio 1 RTP/SAVP 96\na=x\n"
                              "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\n"
                              "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:R0hJ\n"
                              "m=application 2 udp MCPTT\nm=video 3 RTP/SAVP 97\n"
                              "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:REVG\n");
    free(back);
    /* the last line without its LF but with a CR: the same m-line as given */
    back = restored(&hold,
                    "v=0\r\nm=audio 1 RTP/SAVP 96\r\nm=application 2 udp MCPTT\r\n"
                    "m=video 3 RTP/SAVP 97\r",
                    &reason);
    assert_int_equal(reason, MCSEC_REASON_NONE);
    free(back);
    mcsec_sdes_hold_clear(&hold);
    /* nothing held: a copy, whatever the m-lines */
    assert_int_equal(mcsec_sdes_hold_strip((const uint8_t *)"v=0\r\n", 5, &hold, &out, &out_len),
                     MCSEC_OK);
    free(out);
    back = restored(&hold, "v=0\r\nm=audio 1 RTP/SAVP 96\r\n", &reason);
    assert_string_equal(back, "v=0\r\nm=audio 1 RTP/SAVP 96\r\n");
    free(back);
    mcsec_sdes_hold_clear(&hold);
    mcsec_sdes_hold_clear(&hold);
}

#define MULTIPART_CT "multipart/mixed;boundary=XyZ"

static void test_sdp_find_and_splice(void **state)
{
    (void)state;
    static const char body[] = "--XyZ\r\nContent-Type: application/sdp\r\n\r\n" OUT_SDP
                               "\r\n--XyZ\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml"
                               "\r\n\r\n<mcptt-info/>\r\n--XyZ--\r\n";
    size_t offset = 0, len = 0;
    const char *fault = NULL;
    assert_int_equal(mcsec_media_sdp_find(MULTIPART_CT, strlen(MULTIPART_CT), (const uint8_t *)body,
                                          strlen(body), &offset, &len, &fault),
                     1);
    assert_int_equal(len, strlen(OUT_SDP));
    assert_memory_equal(body + offset, OUT_SDP, len);
    static const char fresh[] = "v=0\r\no=- 2 2 IN IP4 192.0.2.10\r\ns=-\r\n";
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(mcsec_media_sdp_splice((const uint8_t *)body, strlen(body), offset, len,
                                            (const uint8_t *)fresh, strlen(fresh), &out, &out_len),
                     MCSEC_OK);
    char want[1024];
    snprintf(want, sizeof(want), "%.*s%s%s", (int)offset, body, fresh, body + offset + len);
    assert_int_equal(out_len, strlen(want));
    assert_memory_equal(out, want, out_len);
    free(out);
    /* the body itself */
    assert_int_equal(mcsec_media_sdp_find("application/sdp", 15, (const uint8_t *)OUT_SDP,
                                          strlen(OUT_SDP), &offset, &len, &fault),
                     1);
    assert_int_equal(offset, 0);
    /* none */
    assert_int_equal(
        mcsec_media_sdp_find("text/plain", 10, (const uint8_t *)"x", 1, &offset, &len, &fault), 0);
    /* two SDP parts; an SDP part with Content-Length */
    static const char two[] = "--XyZ\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
                              "\r\n--XyZ\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
                              "\r\n--XyZ--\r\n";
    assert_int_equal(mcsec_media_sdp_find(MULTIPART_CT, strlen(MULTIPART_CT), (const uint8_t *)two,
                                          strlen(two), &offset, &len, &fault),
                     -1);
    static const char cl[] = "--XyZ\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n"
                             "\r\nv=0\r\n\r\n--XyZ--\r\n";
    assert_int_equal(mcsec_media_sdp_find(MULTIPART_CT, strlen(MULTIPART_CT), (const uint8_t *)cl,
                                          strlen(cl), &offset, &len, &fault),
                     -1);
}

/* Loading yaml fails with a problem at line:col whose text holds text. */
static void load_bad(const char *yaml, unsigned line, unsigned col, const char *text)
{
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *p = NULL;
    assert_int_not_equal(mcsec_policy_load_buffer(yaml, strlen(yaml), "m.yaml", NULL, &p, &diags),
                         MCSEC_OK);
    assert_null(p);
    bool found = false;
    for (size_t i = 0; i < diags.count; i++) {
        if (diags.items[i].line == line && diags.items[i].col == col &&
            strstr(diags.items[i].message, text))
            found = true;
    }
    if (!found) {
        for (size_t i = 0; i < diags.count; i++) {
            char out[512];
            mcsec_diag_format(&diags.items[i], out, sizeof(out));
            print_message("%s\n", out);
        }
        fail_msg("no problem at %u:%u with '%s'", line, col, text);
    }
    mcsec_diag_list_free(&diags);
}

#define PARTNER_MEDIA_HEAD                                                                         \
    "    media:\n"                                                                                 \
    "      relay_addresses: [198.51.100.20]\n"                                                     \
    "      port_min: 40000\n"                                                                      \
    "      port_max: 40999\n"

static void test_policy_media(void **state)
{
    (void)state;
    const mcsec_partner_t *b = &policy->partners[0];
    assert_true(policy->system.media.enabled);
    assert_int_equal(policy->system.media.port_min, 30000);
    assert_int_equal(b->media.relay_address_count, 2);
    assert_int_equal(b->media.max_streams, 3);
    assert_false(b->media.allow_insecure);
    /* the default allow list */
    assert_int_equal(b->media.allow.count, 5);
    assert_string_equal(b->media.allow.items[4], "application udp mcptt");
    /* without system.media: off, and no partner may have one */
    static const char off[] = HEAD PARTNER;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *p = NULL;
    assert_int_equal(mcsec_policy_load_buffer(off, strlen(off), "o.yaml", NULL, &p, &diags),
                     MCSEC_OK);
    assert_false(p->system.media.enabled);
    mcsec_policy_free(p);
    mcsec_diag_list_free(&diags);
    load_bad(HEAD PARTNER PARTNER_MEDIA_HEAD, 20, 7, "needs system.media");
    load_bad(HEAD SYSTEM_MEDIA PARTNER, 16, 5, "'partner.media' is required");
    load_bad(HEAD "  media:\n    outside_address: 192.0.2.10\n    inside_address: 192.0.2.10\n"
                  "    port_min: 2\n    port_max: 1\n" PARTNER PARTNER_MEDIA_HEAD,
             12, 21, "must differ");
    load_bad(HEAD "  media:\n    outside_address: 192.0.2.10\n    inside_address: 10.0.0.10\n"
                  "    port_min: 2\n    port_max: 1\n" PARTNER PARTNER_MEDIA_HEAD,
             14, 15, "is below");
    load_bad(HEAD "  media:\n    outside_address: 192.0.2.10\n    inside_address: 10.0.0.2\n"
                  "    port_min: 1\n    port_max: 2\n" PARTNER PARTNER_MEDIA_HEAD,
             12, 21, "is an address of our SIP core");
    load_bad(HEAD SYSTEM_MEDIA PARTNER PARTNER_MEDIA_HEAD "      allow: [\"audio RTP/AVP\"]\n", 28,
             14, "set partner.media.allow_insecure");
    load_bad(HEAD SYSTEM_MEDIA PARTNER PARTNER_MEDIA_HEAD "      allow: [\"audio\"]\n", 28, 15,
             "expected '<media> <proto>'");
    load_bad(HEAD SYSTEM_MEDIA PARTNER PARTNER_MEDIA_HEAD "      max_streams: 65\n", 28, 20,
             "max_streams");
    load_bad(HEAD SYSTEM_MEDIA PARTNER "    media:\n      relay_addresses: [198.51.100.20:4000]\n"
                                       "      port_min: 40000\n      port_max: 40999\n",
             25, 24, "without a port");
    /* policy show: the media sections dump and load back the same */
    char *text = NULL;
    assert_int_equal(mcsec_policy_dump(policy, &text), MCSEC_OK);
    p = NULL;
    assert_int_equal(mcsec_policy_load_buffer(text, strlen(text), "dump", NULL, &p, &diags),
                     MCSEC_OK);
    assert_true(p->system.media.enabled);
    assert_string_equal(p->system.media.inside_address.ip, "10.0.0.10");
    assert_int_equal(p->system.media.port_max, 30999);
    assert_int_equal(p->partners[0].media.relay_address_count, 2);
    assert_string_equal(p->partners[0].media.relay_addresses[1].ip, "2001:db8::20");
    assert_int_equal(p->partners[0].media.max_streams, 3);
    assert_int_equal(p->partners[0].media.allow.count, 5);
    mcsec_policy_free(p);
    free(text);
    mcsec_diag_list_free(&diags);
    /* allow_insecure lets a listed plain RTP line through */
    static const char insecure[] = HEAD SYSTEM_MEDIA PARTNER PARTNER_MEDIA_HEAD
        "      allow: [\"audio RTP/AVP\"]\n      allow_insecure: true\n";
    p = NULL;
    assert_int_equal(
        mcsec_policy_load_buffer(insecure, strlen(insecure), "i.yaml", NULL, &p, &diags), MCSEC_OK);
    static const char plain[] = "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\n"
                                "c=IN IP4 198.51.100.20\r\nm=audio 40000 RTP/AVP 0\r\n";
    assert_int_equal(mcsec_media_check_rules(&p->partners[0], (const uint8_t *)plain, strlen(plain),
                                             true, detail, sizeof(detail)),
                     MCSEC_REASON_NONE);
    mcsec_policy_free(p);
    mcsec_diag_list_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partner_sdp_passes), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_insecure_profile),   cmocka_unit_test(test_line_not_allowed),
        cmocka_unit_test(test_too_many_streams),   cmocka_unit_test(test_third_party_address),
        cmocka_unit_test(test_anchored),           cmocka_unit_test(test_key_lines_untouched),
        cmocka_unit_test(test_sdes_hold),          cmocka_unit_test(test_sdp_find_and_splice),
        cmocka_unit_test(test_policy_media),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
