// Where `evchain audit` reads blocks from: a node's data directory (LevelDB,
// docs/storage-format.md) or a node's HTTP API (GET /v1/blocks, docs/api.md).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "tools/cli/audit_core.h"

namespace evchain::cli {

// Opens the LevelDB database in `dir`. LevelDB takes a write lock (its LOCK file) even to read,
// so the node must be stopped, or a copy audited (or an online backup: docs/operations.md).
// Nothing is written to `dir`. The index check sorts 51 bytes per entry in unlinked temporary
// files in `tmp_dir` (empty: $TMPDIR or /tmp). Errors: "io".
Result<std::unique_ptr<BlockSource>> OpenDataDirSource(const std::string& dir,
                                                       const std::string& tmp_dir = "");

// Reads blocks 100 at a time from `url`; `token` (may be empty) is the bearer token a validator
// may require for block listing. Errors: "usage" (bad URL).
Result<std::unique_ptr<BlockSource>> OpenNodeSource(const std::string& url,
                                                    const std::string& token);

}  // namespace evchain::cli
