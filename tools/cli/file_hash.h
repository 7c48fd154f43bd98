// Streaming SHA-256 of a file of any size (1 MiB reads), reporting bytes to a progress bar.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "tools/cli/progress.h"

namespace evchain::cli {

// `progress` may be null. Errors: "io".
Result<Hash32> HashFile(const std::string& path, Progress* progress);

}  // namespace evchain::cli
