/* libFuzzer target: arbitrary bytes through SPK unprotection, as a single
 * mcptt-info document and as a SIP body (first input line = Content-Type,
 * the rest = body, so the multipart splitter is fuzzed too). The receiver
 * holds the key the seeds were protected with, so mutations reach
 * xmlsec's verification and decryption. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/spk/keystore.h"
#include "mcsec/spk/xmlprot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mcsec_xmlprot_t *receiver(void)
{
    static mcsec_xmlprot_t *prot;
    if (!prot) {
        static const char keys_text[] = "30000001 000102030405060708090a0b0c0d0e0f\n"
                                        "3abcdef0 f0e0d0c0b0a090807060504030201000\n";
        mcsec_keystore_t *keys = NULL;
        if (mcsec_keystore_parse_spk(keys_text, sizeof(keys_text) - 1, "fuzz", &keys, NULL, 0) !=
            MCSEC_OK)
            abort();
        static const char *const types[] = {"application/resource-lists+xml"};
        mcsec_xmlprot_conf_t conf = {.keys = keys,
                                     .identity = "sip:border@a.mcx.example",
                                     .signed_types = types,
                                     .signed_type_count = 1};
        if (mcsec_xmlprot_create(&conf, &prot) != MCSEC_OK)
            abort();
        mcsec_keystore_destroy(keys);
    }
    return prot;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcsec_xmlprot_t *prot = receiver();
    mcsec_body_t out = {0};
    mcsec_xmlprot_result_t result;
    const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200);
    if (!nl) {
        mcsec_xmlprot_unprotect_doc(prot, data, size, true, &out, &result);
        mcsec_body_free(&out);
        return 0;
    }
    char content_type[201];
    size_t ct_len = (size_t)(nl - data);
    memcpy(content_type, data, ct_len);
    content_type[ct_len] = '\0';
    if (memchr(content_type, '\0', ct_len))
        return 0;
    const uint8_t *body = nl + 1;
    size_t body_len = size - ct_len - 1;
    if (mcsec_xmlprot_unprotect_body(prot, content_type, body, body_len, true, &out, &result) ==
        MCSEC_OK) {
        /* What comes out clean must go back in. */
        mcsec_body_t again = {0};
        if (mcsec_xmlprot_protect_body(prot, out.content_type, out.data, out.len, &again,
                                       &result) == MCSEC_OK)
            mcsec_body_free(&again);
    }
    mcsec_body_free(&out);
    mcsec_xmlprot_unprotect_doc(prot, body, body_len, false, &out, &result);
    mcsec_body_free(&out);
    return 0;
}
