/* RPC commands mcsec.reload, mcsec.stats and mcsec.policy (formats in the
 * README). */
#ifndef MCSEC_RPC_H
#define MCSEC_RPC_H

#include "core/rpc.h"

extern rpc_export_t mcsec_rpc_exports[];

#endif
