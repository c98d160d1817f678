/* mcsecctl ear sign|verify: make and check MCX-EAR header values (EAR
 * signed with ECCSI for the UID of the source ID, docs/profile.md section 3). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mcsec/ear/ear.h"
#include "mcsec/ibc/uid.h"
#include "mcsecctl.h"

/* Decimal in [0, max]; NULL text leaves *out alone and succeeds. */
static int parse_num(const char *text, uint64_t max, uint64_t *out)
{
    if (text == NULL) {
        return 1;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v > max) {
        return 0;
    }
    *out = v;
    return 1;
}

static int ear_sign(int argc, char **argv)
{
    static const char *const names[] = {
        "--keys",         "--source-id",  "--source-role", "--target-id", "--target-role",
        "--request-type", "--request-id", "--expiry",      "--now",       NULL};
    const char *keys_dir = mcsecctl_opt(argc, argv, "--keys");
    const char *source = mcsecctl_opt(argc, argv, "--source-id");
    const char *target = mcsecctl_opt(argc, argv, "--target-id");
    const char *type = mcsecctl_opt(argc, argv, "--request-type");
    const char *req_id = mcsecctl_opt(argc, argv, "--request-id");
    const char *expiry = mcsecctl_opt(argc, argv, "--expiry");
    uint64_t source_role = 0, target_role = 0, type_v = 0, id_v = 0, expiry_v = 0;
    uint64_t now = (uint64_t)time(NULL);
    int has_request = type != NULL || req_id != NULL || expiry != NULL;
    if (!mcsecctl_opts_known(argc, argv, names) || keys_dir == NULL || source == NULL ||
        target == NULL ||
        !parse_num(mcsecctl_opt(argc, argv, "--source-role"), 255, &source_role) ||
        !parse_num(mcsecctl_opt(argc, argv, "--target-role"), 255, &target_role) ||
        !parse_num(type, 255, &type_v) || !parse_num(req_id, MCSEC_EAR_REQUEST_ID_MAX, &id_v) ||
        !parse_num(expiry, UINT64_C(1) << 32, &expiry_v) ||
        !parse_num(mcsecctl_opt(argc, argv, "--now"), MCSEC_EAR_DATE_MAX, &now) ||
        mcsecctl_opt(argc, argv, "--source-role") == NULL ||
        mcsecctl_opt(argc, argv, "--target-role") == NULL ||
        (has_request && (type == NULL || req_id == NULL || expiry == NULL))) {
        fprintf(stderr, "usage: mcsecctl ear sign --keys DIR --source-id URI --source-role N "
                        "--target-id URI --target-role N [--request-type N --request-id N "
                        "--expiry SECONDS-FROM-NOW] [--now UNIX]\n");
        return MCSECCTL_USAGE;
    }
    char why[256] = "";
    mcsec_eccsi_keydir_t keys;
    mcsec_err_t err = mcsec_eccsi_keydir_read(keys_dir, &keys, why, sizeof(why));
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s: %s\n", keys_dir, why);
        return MCSECCTL_FAIL;
    }
    int status = MCSECCTL_FAIL;
    uint64_t period = 0;
    uint8_t uid[MCSEC_UID_LEN];
    mcsec_eccsi_signer_t *signer = NULL;
    if (strcmp(keys.uri, source) != 0) {
        fprintf(stderr, "mcsecctl: the keys in %s are for %s, not %s\n", keys_dir, keys.uri,
                source);
        goto out;
    }
    err = mcsec_key_period_number((int64_t)now, keys.kms.key_period, keys.kms.key_offset, &period);
    if (err == MCSEC_OK && period != keys.key_period_number) {
        fprintf(stderr,
                "mcsecctl: the keys in %s are for key period %" PRIu64 ", now is %" PRIu64
                ": issue new ones\n",
                keys_dir, keys.key_period_number, period);
        goto out;
    }
    if (err == MCSEC_OK) {
        err = mcsec_uid_compute(source, strlen(source), keys.kms.kms_uri, strlen(keys.kms.kms_uri),
                                keys.kms.key_period, keys.kms.key_offset, period, uid);
    }
    if (err == MCSEC_OK) {
        err = mcsec_eccsi_signer_new(keys.kms.kpak, uid, sizeof(uid), keys.ssk, keys.pvt, &signer);
    }
    mcsec_ear_t ear;
    memset(&ear, 0, sizeof(ear));
    ear.date = now;
    ear.source_role = (uint8_t)source_role;
    ear.source_id = (mcsec_str_t){source, strlen(source)};
    ear.target_role = (uint8_t)target_role;
    ear.target_id = (mcsec_str_t){target, strlen(target)};
    ear.has_request = has_request;
    ear.request_type = (uint8_t)type_v;
    ear.request_id = (uint32_t)id_v;
    ear.request_expiry = now + expiry_v;
    uint8_t raw[MCSEC_EAR_MAX_LEN];
    char header[MCSEC_EAR_HEADER_MAX];
    size_t len = 0;
    if (err == MCSEC_OK) {
        err = mcsec_ear_new_id(ear.ear_id);
    }
    if (err == MCSEC_OK) {
        err = mcsec_ear_sign(&ear, signer, raw, sizeof(raw), &len);
    }
    if (err == MCSEC_OK) {
        err = mcsec_ear_to_header(raw, len, header, sizeof(header));
    }
    if (err != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: ear sign: %s%s\n", mcsec_err_str(err),
                err == MCSEC_ERR_ARG ? " (roles 1-4, URIs 1-1024 octets)" : "");
        goto out;
    }
    printf("%s\n", header);
    status = MCSECCTL_OK;
out:
    mcsec_eccsi_signer_free(signer);
    mcsec_eccsi_keydir_clear(&keys);
    return status;
}

static void print_str(const char *name, mcsec_str_t value)
{
    printf("%s=%.*s\n", name, (int)value.len, value.ptr);
}

static void print_ear(const mcsec_ear_t *ear)
{
    const uint8_t *u = ear->ear_id;
    printf("ear_id=%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", u[0],
           u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
           u[15]);
    printf("date=%" PRIu64 "\nsource_role=%u\n", ear->date, ear->source_role);
    print_str("source_id", ear->source_id);
    printf("target_role=%u\n", ear->target_role);
    print_str("target_id", ear->target_id);
    if (ear->has_request) {
        printf("request_type=%u\nrequest_id=%" PRIu32 "\nrequest_expiry=%" PRIu64 "\n",
               ear->request_type, ear->request_id, ear->request_expiry);
    }
}

/* Host of a sip/sips URI as a NUL-terminated copy ("" when none). */
static void host_of(const char *uri, size_t len, char *out, size_t out_size)
{
    mcsec_str_t host = {"", 0};
    out[0] = '\0';
    if (mcsec_sip_uri_host((mcsec_str_t){uri, len}, &host) == MCSEC_OK && host.len < out_size) {
        memcpy(out, host.ptr, host.len);
        out[host.len] = '\0';
        for (char *p = out; *p != '\0'; p++) {
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        }
    }
}

static int ear_verify(int argc, char **argv)
{
    static const char *const names[] = {"--kms-pub", "--target-id", "--now", "--skew", NULL};
    const char *kms_path = mcsecctl_opt(argc, argv, "--kms-pub");
    const char *target = mcsecctl_opt(argc, argv, "--target-id");
    uint64_t now = (uint64_t)time(NULL), skew = MCSEC_EAR_DEFAULT_SKEW;
    if (!mcsecctl_opts_known(argc, argv, names) || kms_path == NULL || target == NULL ||
        !parse_num(mcsecctl_opt(argc, argv, "--now"), UINT64_C(1) << 48, &now) ||
        !parse_num(mcsecctl_opt(argc, argv, "--skew"), 86400, &skew) || skew == 0) {
        fprintf(stderr, "usage: mcsecctl ear verify --kms-pub FILE --target-id URI [--now UNIX] "
                        "[--skew S] < ear\n");
        return MCSECCTL_USAGE;
    }
    char why[256] = "";
    mcsec_kms_pub_t kms;
    if (mcsec_kms_pub_read(kms_path, &kms, why, sizeof(why)) != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: %s: %s\n", kms_path, why);
        return MCSECCTL_FAIL;
    }
    static char input[2 * MCSEC_EAR_HEADER_MAX];
    size_t len = fread(input, 1, sizeof(input) - 1, stdin);
    while (len > 0 && (input[len - 1] == '\n' || input[len - 1] == '\r')) {
        len--;
    }
    /* The partner is whoever signed under this KMS: its domains are the
     * source ID's host; ours are the target's. */
    static uint8_t buf[MCSEC_EAR_MAX_LEN];
    mcsec_ear_t ear;
    char source_host[256], target_host[256];
    char *partner_items[1] = {source_host};
    char *our_items[1] = {target_host};
    mcsec_strlist_t partner_domains = {partner_items, 1};
    mcsec_strlist_t our_domains = {our_items, 1};
    static const uint8_t roles[] = {1, 2, 3, 4};
    uint8_t types[256];
    for (int t = 0; t < 256; t++) {
        types[t] = (uint8_t)t;
    }
    source_host[0] = '\0';
    host_of(target, strlen(target), target_host, sizeof(target_host));
    if (mcsec_ear_from_header(input, len, buf, sizeof(buf), &len) == MCSEC_OK &&
        mcsec_ear_decode(buf, len, &ear) == MCSEC_OK) {
        host_of(ear.source_id.ptr, ear.source_id.len, source_host, sizeof(source_host));
    }
    mcsec_eccsi_pub_t *kpak = NULL;
    mcsec_replay_cache_t *replay = NULL;
    if (mcsec_eccsi_pub_new(kms.kpak, &kpak) != MCSEC_OK ||
        mcsec_replay_mem_new(1, &replay) != MCSEC_OK) {
        fprintf(stderr, "mcsecctl: out of memory\n");
        mcsec_eccsi_pub_free(kpak);
        return MCSECCTL_FAIL;
    }
    mcsec_ear_policy_t policy = {
        .kms = &kms,
        .kpak = kpak,
        .partner_domains = &partner_domains,
        .source_roles = roles,
        .source_role_count = sizeof(roles),
        .our_identity = target,
        .our_domains = &our_domains,
        .request_uri = {target, strlen(target)},
        .now = (int64_t)now,
        .skew = (uint32_t)skew,
        .request_types = types,
        .request_type_count = sizeof(types),
        .replay = replay,
        .offline = true, /* no request: no asserted identity to bind the source to */
    };
    /* An https origin is an HTTP-3 target (docs/ear.md): checked by that
     * profile's rule, its host standing for our border's HTTP name. */
    char http_host[256] = "";
    if (strncasecmp(target, "https://", 8) == 0) {
        snprintf(http_host, sizeof(http_host), "%.*s", (int)strcspn(target + 8, ":/"), target + 8);
        policy.http = true;
        policy.our_http_host = http_host;
    }
    char detail[160] = "";
    size_t input_len = strlen(input);
    while (input_len > 0 && (input[input_len - 1] == '\n' || input[input_len - 1] == '\r')) {
        input_len--;
    }
    mcsec_reason_t reason = mcsec_ear_check_header(input, input_len, &policy, buf, sizeof(buf),
                                                   &ear, detail, sizeof(detail));
    mcsec_eccsi_pub_free(kpak);
    mcsec_replay_free(replay);
    if (reason != MCSEC_REASON_NONE) {
        fprintf(stderr, "%s: %s\n", mcsec_reason_code(reason), detail);
        return MCSECCTL_FAIL;
    }
    print_ear(&ear);
    printf("result=ok\n");
    return MCSECCTL_OK;
}

static const mcsecctl_cmd_t ear_cmds[] = {
    {"sign",
     "--keys DIR --source-id URI --source-role N --target-id URI --target-role N "
     "[--request-type N --request-id N --expiry SECONDS-FROM-NOW] [--now UNIX]",
     "print a signed EAR (base64url, for the MCX-EAR header) made with kms issue keys", ear_sign},
    {"verify", "--kms-pub FILE --target-id URI [--now UNIX] [--skew S] < EAR",
     "check an EAR; prints its fields, or the reason code on stderr (exit 1)", ear_verify},
};

const mcsecctl_group_t mcsecctl_ear_group = {"ear", ear_cmds,
                                             (unsigned)(sizeof(ear_cmds) / sizeof(ear_cmds[0]))};
