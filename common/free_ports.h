// Free TCP ports on 127.0.0.1 for local networks (`evchain testnet`, the end-to-end benchmark).
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"

namespace evchain {

// `count` distinct free TCP ports on 127.0.0.1, from the kernel: each comes from binding port 0,
// and every socket stays open until all are chosen, so no port is handed out twice. Another
// process can still take one before its user binds it; that user then fails to start and says
// so. Error "io" when the kernel gives none.
Result<std::vector<uint16_t>> FreeLoopbackPorts(int count);

}  // namespace evchain
