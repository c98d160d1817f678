/* mcsec.expiry: every key and certificate of the running policy that
 * expires, with its days left (mcsec/config/config_expiry.h; the same list
 * as `mcsecctl policy expiry`). One struct per item: kind (signing, kms,
 * certificate, crl), what, path, expires (UTC, "YYYY-MM-DDTHH:MM:SSZ"),
 * days_left, due (1 when fewer than system.expiry_warning_days are left). */
#include "mcsec/config/config_expiry.h"
#include "mcsec/ibc/kms_cert.h"
#include "mcsec_rpc_expiry.h"
#include "mcsec_shm_policy.h"

const char *mcsec_rpc_expiry_doc[] = {
    "Keys and certificates of the running policy that expire: kind, what, path, expires, "
    "days_left, due (fewer than system.expiry_warning_days left); threshold first.",
    0};

void mcsec_rpc_expiry(rpc_t *rpc, void *ctx)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    if (policy == NULL) {
        rpc->fault(ctx, 500, "no usable policy (generation %d)", mcsec_shm_policy_generation());
        return;
    }
    mcsec_expiry_list_t list;
    if (mcsec_config_expiry(policy, 0, &list) != MCSEC_OK) {
        rpc->fault(ctx, 500, "out of memory");
        return;
    }
    void *th = NULL;
    void *arr = NULL;
    if (rpc->add(ctx, "{", &th) >= 0 &&
        rpc->struct_add(th, "d", "expiry_warning_days", (int)policy->system.expiry_warning_days) >=
            0 &&
        rpc->struct_add(th, "[", "items", &arr) >= 0) {
        for (size_t i = 0; i < list.count; i++) {
            const mcsec_expiry_item_t *item = &list.items[i];
            char date[32] = "?";
            void *st = NULL;
            (void)mcsec_kms_time_format(item->expires, date, sizeof(date));
            if (rpc->array_add(arr, "{", &st) < 0) {
                break;
            }
            rpc->struct_add(st, "ssssdd", "kind", mcsec_expiry_kind_str(item->kind), "what",
                            item->what, "path", item->path, "expires", date, "days_left",
                            (int)item->days_left, "due", item->due ? 1 : 0);
        }
    }
    mcsec_expiry_list_free(&list);
}
