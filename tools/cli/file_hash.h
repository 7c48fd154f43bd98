// Streaming SHA-256 of a file of any size (1 MiB reads), reporting bytes to a progress bar.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "tools/cli/progress.h"

namespace evchain::cli {

// OK when `path` is a regular file (symlinks followed); else error "io" saying why: missing,
// unreadable, a directory, or another kind of file (a FIFO, a device).
Status CheckRegularFile(const std::string& path);

// `progress` may be null. Only a regular file is hashed (CheckRegularFile). Errors: "io",
// naming the path and the reason.
Result<Hash32> HashFile(const std::string& path, Progress* progress);

}  // namespace evchain::cli
