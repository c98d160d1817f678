/* mcsecctl gmk guk-id: the GUK-ID a receiving entity derives from a GMK
 * (TS 33.180 5.2.3 end-point diversity).
 * mcsecctl gmk check: the border's GMK transfer check on one I_MESSAGE
 * (docs/gmk.md), printing what it decoded and the verdict. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "mcsec/gmk/gmk_check.h"
#include "mcsec/spk/kdf.h"
#include "mcsec/ibc/uid.h"
#include "mcsecctl.h"

/* Decodes hex into out (at most out_size octets); returns the length or
 * -1. */
static long hex_decode(const char *hex, unsigned char *out, size_t out_size)
{
    size_t len = strlen(hex);
    if (len == 0 || len % 2 || len / 2 > out_size)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned value;
        if (sscanf(hex + 2 * i, "%2x", &value) != 1 ||
            !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
            return -1;
        out[i] = (unsigned char)value;
    }
    return (long)(len / 2);
}

static int gmk_guk_id(int argc, char **argv)
{
    const char *gmk_hex = NULL, *gmk_id_hex = NULL, *uri = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--gmk") == 0)
            gmk_hex = argv[i + 1];
        else if (strcmp(argv[i], "--gmk-id") == 0)
            gmk_id_hex = argv[i + 1];
        else if (strcmp(argv[i], "--uri") == 0)
            uri = argv[i + 1];
        else
            gmk_hex = NULL, i = argc;
    }
    unsigned char gmk[32], id[4];
    long gmk_len = gmk_hex ? hex_decode(gmk_hex, gmk, sizeof(gmk)) : -1;
    if (argc % 2 == 0 || gmk_len != 16 || !gmk_id_hex || hex_decode(gmk_id_hex, id, 4) != 4 ||
        !uri) {
        OPENSSL_cleanse(gmk, sizeof(gmk));
        fprintf(stderr, "usage: mcsecctl gmk guk-id --gmk HEX(16 octets) --gmk-id HEX(4 "
                        "octets) --uri URI\n");
        return MCSECCTL_USAGE;
    }
    uint32_t gmk_id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
    uint32_t guk_id = 0;
    mcsec_err_t rc = mcsec_kdf_guk_id(gmk, (size_t)gmk_len, gmk_id, uri, strlen(uri), &guk_id);
    OPENSSL_cleanse(gmk, sizeof(gmk));
    if (rc != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s\n", mcsec_err_str(rc));
        return MCSECCTL_FAIL;
    }
    printf("%08x\n", guk_id);
    return fflush(stdout) == 0 ? MCSECCTL_OK : MCSECCTL_FAIL;
}

/* Reads all of stdin, at most size octets (more is an error: -1). */
static long read_stdin(uint8_t *out, size_t size)
{
    size_t n = 0;
    size_t got;
    while ((got = fread(out + n, 1, size - n, stdin)) > 0) {
        n += got;
        if (n == size) {
            return getchar() == EOF ? (long)n : -1;
        }
    }
    return ferror(stdin) ? -1 : (long)n;
}

static bool parse_integer(const char *text, long long min, long long max, long long *out)
{
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || value < min || value > max)
        return false;
    *out = value;
    return true;
}

/* Prints an identity payload: text, or the UID in hex. */
static void print_idr(const char *name, const mcsec_mikey_idr_t *idr, bool uid)
{
    if (!idr->present)
        return;
    printf("%-9s ", name);
    if (uid) {
        for (size_t i = 0; i < idr->data.len; i++)
            printf("%02x", idr->data.ptr[i]);
    } else {
        printf("%.*s", (int)idr->data.len, (const char *)idr->data.ptr);
    }
    printf("\n");
}

static void print_message(const mcsec_mikey_t *msg)
{
    static const char *const purposes[] = {"GMK", "PCK", "CSK", "SPK", "MKFC", "MSCCK", "MuSiK"};
    unsigned purpose = mcsec_mikey_purpose(msg);
    time_t t = (time_t)mcsec_mikey_unix_time(msg);
    struct tm tm;
    char when[32] = "?";
    if (gmtime_r(&t, &tm) != NULL)
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("version   %u\ndata_type %u (SAKKE)\nprf       %u\n", msg->version, msg->data_type,
           msg->prf);
    printf("csb_id    %08" PRIx32 " (purpose %u %s)\n", msg->csb_id, purpose,
           purpose < 7 ? purposes[purpose] : "unknown");
    printf("cs        %u (map type %u)\n", msg->cs_count, msg->cs_map_type);
    printf("t         %" PRId64 " (%s)\n", (int64_t)t, when);
    printf("rand      %zu octets\n", msg->rand.len);
    print_idr("idri", &msg->idr[MCSEC_MIKEY_IDR_I], false);
    print_idr("idrr", &msg->idr[MCSEC_MIKEY_IDR_R], false);
    print_idr("idrkmsi", &msg->idr[MCSEC_MIKEY_IDR_KMSI], false);
    print_idr("idrkmsr", &msg->idr[MCSEC_MIKEY_IDR_KMSR], false);
    print_idr("idruidi", &msg->idr[MCSEC_MIKEY_IDR_UIDI], true);
    print_idr("idruidr", &msg->idr[MCSEC_MIKEY_IDR_UIDR], true);
    printf("sp        %zu\nsakke     params %u, id scheme %u, %zu octets\n", msg->sp_count,
           msg->sakke_params, msg->sakke_id_scheme, msg->sakke_data.len);
    for (size_t i = 0; i < msg->ext_count; i++)
        printf("ext       type %u, %zu octets\n", msg->ext[i].type, msg->ext[i].data.len);
    printf("sign      ECCSI, %zu octets over %zu octets\n", msg->signature.len,
           msg->signed_part.len);
}

static int gmk_check_usage(void)
{
    fprintf(stderr, "usage: mcsecctl gmk check --kms-pub FILE --initiator URI --responder URI "
                    "[--own-kms-pub FILE] [--now UNIX] [--max-age SECONDS] < message\n");
    return MCSECCTL_USAGE;
}

static int gmk_check(int argc, char **argv)
{
    const char *kms_path = NULL, *own_kms_path = NULL, *initiator = NULL, *responder = NULL;
    long long now = (long long)time(NULL), max_age = MCSEC_GMK_DEFAULT_MAX_AGE;
    if (argc % 2 == 0)
        return gmk_check_usage();
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *value = argv[i + 1];
        if (strcmp(argv[i], "--kms-pub") == 0)
            kms_path = value;
        else if (strcmp(argv[i], "--own-kms-pub") == 0)
            own_kms_path = value;
        else if (strcmp(argv[i], "--initiator") == 0)
            initiator = value;
        else if (strcmp(argv[i], "--responder") == 0)
            responder = value;
        else if (strcmp(argv[i], "--now") == 0) {
            if (!parse_integer(value, 0, INT64_C(1) << 40, &now))
                return gmk_check_usage();
        } else if (strcmp(argv[i], "--max-age") == 0) {
            if (!parse_integer(value, 1, MCSEC_GMK_MAX_AGE_LIMIT, &max_age))
                return gmk_check_usage();
        } else
            return gmk_check_usage();
    }
    if (!kms_path || !initiator || !responder)
        return gmk_check_usage();
    mcsec_kms_pub_t kms, own_kms;
    char why[256];
    if (mcsec_kms_pub_read(kms_path, &kms, why, sizeof(why)) != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s: %s\n", kms_path, why);
        return MCSECCTL_FAIL;
    }
    own_kms = kms;
    if (own_kms_path && mcsec_kms_pub_read(own_kms_path, &own_kms, why, sizeof(why)) != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s: %s\n", own_kms_path, why);
        return MCSECCTL_FAIL;
    }
    static uint8_t input[4 * MCSEC_MIKEY_MAX_LEN];
    static uint8_t octets[MCSEC_MIKEY_MAX_LEN];
    long input_len = read_stdin(input, sizeof(input));
    size_t len = 0;
    mcsec_eccsi_pub_t *kpak = NULL;
    mcsec_replay_cache_t *replay = NULL;
    if (mcsec_eccsi_pub_new(kms.kpak, &kpak) != MCSEC_OK ||
        mcsec_replay_mem_new(1, &replay) != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s: KPAK is not a point of P-256\n", kms_path);
        mcsec_eccsi_pub_free(kpak);
        return MCSECCTL_FAIL;
    }
    mcsec_gmk_policy_t policy = {
        .signer_kms = &kms,
        .signer_kpak = kpak,
        .receiver_kms = &own_kms,
        .initiator = initiator,
        .responder = responder,
        .push = true,
        .now = (int64_t)now,
        .max_age = (uint32_t)max_age,
        .replay = replay,
    };
    mcsec_reason_t reason = MCSEC_REASON_GMK_MALFORMED;
    char detail[160] = "input is not binary, base64, hex or 'mikey <base64>' of at most 4096 "
                       "octets";
    mcsec_mikey_t msg;
    memset(&msg, 0, sizeof(msg));
    if (input_len > 0 &&
        mcsec_mikey_decode_text(input, (size_t)input_len, octets, sizeof(octets), &len) == MCSEC_OK)
        reason = mcsec_gmk_check_octets(octets, len, &policy, &msg, detail, sizeof(detail));
    mcsec_eccsi_pub_free(kpak);
    mcsec_replay_free(replay);
    if (msg.signature.ptr != NULL)
        print_message(&msg);
    if (reason != MCSEC_REASON_NONE) {
        printf("verdict   %s\n", mcsec_reason_code(reason));
        fprintf(stderr, "mcsecctl: %s: %s\n", mcsec_reason_code(reason), detail);
        return MCSECCTL_FAIL;
    }
    printf("verdict   ok\n");
    return fflush(stdout) == 0 ? MCSECCTL_OK : MCSECCTL_FAIL;
}

static const mcsecctl_cmd_t gmk_cmds[] = {
    {"guk-id", "--gmk HEX --gmk-id HEX --uri URI",
     "print the GUK-ID the receiving entity URI derives from a GMK", gmk_guk_id},
    {"check",
     "--kms-pub FILE --initiator URI --responder URI [--own-kms-pub FILE] [--now UNIX] "
     "[--max-age SECONDS] < message",
     "check one GMK transport I_MESSAGE (binary, base64, hex or 'mikey <base64>') as the border "
     "does; exit 1 with the reason code",
     gmk_check},
};

const mcsecctl_group_t mcsecctl_gmk_group = {"gmk", gmk_cmds,
                                             (unsigned)(sizeof(gmk_cmds) / sizeof(gmk_cmds[0]))};
