/* libFuzzer target: arbitrary bytes as a policy file. The loader must
 * return a policy or diagnostics, never crash or leak; a loaded policy
 * must dump to YAML that loads again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcsec_policy_t *policy = NULL;
    mcsec_diag_list_t diags = {0};
    if (mcsec_policy_load_buffer((const char *)data, size, "<fuzz>", "/nonexistent", &policy,
                                 &diags) == MCSEC_OK) {
        char *dumped = NULL;
        if (mcsec_policy_dump(policy, &dumped) == MCSEC_OK) {
            mcsec_policy_t *again = NULL;
            mcsec_diag_list_t diags_again = {0};
            if (mcsec_policy_load_buffer(dumped, strlen(dumped), "<dump>", "/nonexistent", &again,
                                         &diags_again) != MCSEC_OK) {
                abort(); /* the dump of a valid policy must load */
            }
            mcsec_policy_free(again);
            mcsec_diag_list_free(&diags_again);
            free(dumped);
        }
        mcsec_policy_free(policy);
    }
    mcsec_diag_list_free(&diags);
    return 0;
}
