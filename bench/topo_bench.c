/* topo_bench: what a topology-hiding token costs per SIP header value.
 *
 * For the header values the border tokenizes on egress (a Via of our core,
 * a Record-Route entry, a Contact of our MC server, a Call-ID with a host),
 * times mcsec_topo_token_encode + mcsec_topo_token_decode (AES-SIV, base32,
 * bound to kind and dialog) against the OpenSSL floor: AES-128-GCM encrypt +
 * decrypt of the same bytes with a fresh 96-bit IV (one EVP context per
 * direction, initialised with the key once, as any token scheme needs at
 * least). Prints microseconds per header and the ratio token/floor.
 * Usage: topo_bench [ITERATIONS] (default 20000). Exit 1 when an operation
 * fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "mcsec/topo/topo.h"

/* A fixed test key (ID 01); not secret. */
static const char bench_topo_keys[] =
    "01 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

static const char bench_callid[] = "a84b4c76e66710-4711@10.20.30.40";

typedef struct {
    const char *name;
    mcsec_topo_kind_t kind;
    const char *value;
} bench_header_t;

static const bench_header_t bench_headers[] = {
    {"Via", MCSEC_TOPO_VIA,
     "SIP/2.0/UDP 10.20.30.40:5070;branch=z9hG4bK776asdhds-4711;rport=5070;received=10.20.30.40"},
    {"Record-Route", MCSEC_TOPO_RR, "<sip:10.20.30.41:5060;lr;ftag=1928301774;did=4d2.a1f>"},
    {"Contact", MCSEC_TOPO_CONTACT, "<sip:mcptt-server@10.20.30.40:5070;transport=udp>"},
    {"Call-ID", MCSEC_TOPO_CALLID, bench_callid},
};

/* Monotonic time in seconds. */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Token encode + decode of one value, checking the round trip; 0 or -1. */
static int token_once(mcsec_topo_t *topo, const bench_header_t *h)
{
    char token[2 * MCSEC_TOPO_MAX_VALUE];
    char back[2 * MCSEC_TOPO_MAX_VALUE];
    size_t token_len = 0, back_len = 0;
    mcsec_str_t callid = {bench_callid, strlen(bench_callid)};
    mcsec_str_t value = {h->value, strlen(h->value)};
    mcsec_topo_error_t err;
    if (mcsec_topo_token_encode(topo, h->kind, callid, value, token, sizeof(token), &token_len) !=
            MCSEC_OK ||
        mcsec_topo_token_decode(topo, h->kind, callid, (mcsec_str_t){token, token_len}, back,
                                sizeof(back), &back_len, &err) != MCSEC_OK) {
        return -1;
    }
    return back_len == value.len && memcmp(back, value.ptr, value.len) == 0 ? 0 : -1;
}

/* AES-128-GCM encrypt + decrypt of the same bytes (fresh IV, tag checked);
 * 0 or -1. The contexts carry the key already. */
static int gcm_once(EVP_CIPHER_CTX *enc, EVP_CIPHER_CTX *dec, const bench_header_t *h,
                    unsigned counter)
{
    unsigned char iv[12] = {0};
    unsigned char ct[MCSEC_TOPO_MAX_VALUE];
    unsigned char pt[MCSEC_TOPO_MAX_VALUE];
    unsigned char tag[16];
    int len = 0, fin = 0;
    int n = (int)strlen(h->value);
    memcpy(iv, &counter, sizeof(counter));
    if (EVP_EncryptInit_ex(enc, NULL, NULL, NULL, iv) != 1 ||
        EVP_EncryptUpdate(enc, ct, &len, (const unsigned char *)h->value, n) != 1 ||
        EVP_EncryptFinal_ex(enc, ct + len, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_GCM_GET_TAG, sizeof(tag), tag) != 1) {
        return -1;
    }
    if (EVP_DecryptInit_ex(dec, NULL, NULL, NULL, iv) != 1 ||
        EVP_DecryptUpdate(dec, pt, &len, ct, n) != 1 ||
        EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_GCM_SET_TAG, sizeof(tag), tag) != 1 ||
        EVP_DecryptFinal_ex(dec, pt + len, &fin) != 1) {
        return -1;
    }
    return memcmp(pt, h->value, (size_t)n) == 0 ? 0 : -1;
}

/* Two GCM contexts keyed once; 0 or -1. */
static int gcm_setup(EVP_CIPHER_CTX **enc, EVP_CIPHER_CTX **dec)
{
    static const unsigned char key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    *enc = EVP_CIPHER_CTX_new();
    *dec = EVP_CIPHER_CTX_new();
    if (*enc == NULL || *dec == NULL ||
        EVP_EncryptInit_ex(*enc, EVP_aes_128_gcm(), NULL, key, NULL) != 1 ||
        EVP_DecryptInit_ex(*dec, EVP_aes_128_gcm(), NULL, key, NULL) != 1) {
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    if (iterations <= 0) {
        fprintf(stderr, "usage: topo_bench [ITERATIONS]\n");
        return 2;
    }
    mcsec_topo_keys_t *keys = NULL;
    mcsec_topo_t *topo = NULL;
    char why[256] = "";
    mcsec_topo_config_t config;
    memset(&config, 0, sizeof(config));
    config.border_host = (mcsec_str_t){"border.a.mcx.example", strlen("border.a.mcx.example")};
    config.prev_key_validity = MCSEC_TOPO_DEFAULT_PREV_VALIDITY;
    if (mcsec_topo_keys_parse(bench_topo_keys, strlen(bench_topo_keys), "bench", 0, 0, &keys, why,
                              sizeof(why)) != MCSEC_OK ||
        mcsec_topo_create_with_keys(keys, &config, &topo, why, sizeof(why)) != MCSEC_OK) {
        fprintf(stderr, "topo_bench: cannot build the topology context: %s\n", why);
        return 1;
    }
    EVP_CIPHER_CTX *enc = NULL, *dec = NULL;
    int failed = gcm_setup(&enc, &dec) != 0;
    size_t n_headers = sizeof(bench_headers) / sizeof(bench_headers[0]);
    double sum_token = 0, sum_gcm = 0;
    if (!failed) {
        printf("topo_bench: %ld iterations per header\n", iterations);
        printf("%-14s %6s %8s %12s %12s %7s\n", "header", "octets", "token", "token us", "gcm us",
               "ratio");
    }
    for (size_t h = 0; h < n_headers && !failed; h++) {
        const bench_header_t *hdr = &bench_headers[h];
        char token[2 * MCSEC_TOPO_MAX_VALUE];
        size_t token_len = 0;
        mcsec_str_t callid = {bench_callid, strlen(bench_callid)};
        failed = token_once(topo, hdr) != 0 || gcm_once(enc, dec, hdr, 0) != 0 ||
                 mcsec_topo_token_encode(topo, hdr->kind, callid,
                                         (mcsec_str_t){hdr->value, strlen(hdr->value)}, token,
                                         sizeof(token), &token_len) != MCSEC_OK;
        double start = now_seconds();
        for (long i = 0; i < iterations && !failed; i++) {
            failed = token_once(topo, hdr) != 0;
        }
        double t_token = (now_seconds() - start) / (double)iterations;
        start = now_seconds();
        for (long i = 0; i < iterations && !failed; i++) {
            failed = gcm_once(enc, dec, hdr, (unsigned)i) != 0;
        }
        double t_gcm = (now_seconds() - start) / (double)iterations;
        if (!failed) {
            printf("%-14s %6zu %8zu %12.2f %12.2f %7.2f\n", hdr->name, strlen(hdr->value),
                   token_len, t_token * 1e6, t_gcm * 1e6, t_token / t_gcm);
            sum_token += t_token;
            sum_gcm += t_gcm;
        }
    }
    if (!failed) {
        printf("%-14s %6s %8s %12.2f %12.2f %7.2f\n", "mean/header", "", "",
               sum_token / (double)n_headers * 1e6, sum_gcm / (double)n_headers * 1e6,
               sum_token / sum_gcm);
    }
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    mcsec_topo_destroy(topo);
    if (failed) {
        fprintf(stderr, "topo_bench: an operation failed\n");
        return 1;
    }
    return 0;
}
