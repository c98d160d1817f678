/* RPC command mcsec.expiry (see mcsec_rpc_expiry.c and the README). */
#ifndef MCSEC_RPC_EXPIRY_H
#define MCSEC_RPC_EXPIRY_H

#include "core/rpc.h"

extern const char *mcsec_rpc_expiry_doc[];
void mcsec_rpc_expiry(rpc_t *rpc, void *ctx);

#endif
