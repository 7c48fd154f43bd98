// The client side of a running node's backup socket (node/backup_service.h), shared by
// `evchain backup create` and `evchain snapshot create`.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace evchain::cli {

// Asks the node running on `data_dir` for an online backup into `out` (absolute, must not
// exist) over DATA_DIR/backup.sock. nullopt when no node answers there; otherwise the node's
// JSON reply, or an empty value with `*error` set when the reply is not JSON.
std::optional<nlohmann::json> AskNodeForBackup(const std::string& data_dir, const std::string& out,
                                               std::string* error);

}  // namespace evchain::cli
