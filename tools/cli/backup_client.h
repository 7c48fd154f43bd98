// The client side of a running node's backup socket (node/backup_service.h), shared by
// `evchain backup create` and `evchain snapshot create`.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace evchain::cli {

struct AskBackupOptions {
  // Gives up when the node sends nothing for this long (stopped, or wholly hung), or sends only
  // heartbeats whose counters stand still (its copy stuck, as on a hung disk). 0: waits forever.
  std::chrono::milliseconds timeout{30000};
  // Labels the progress shown on stderr from the node's progress lines (tools/cli/progress.h):
  // a bar on a terminal, or always with `force_bar`; otherwise a line per 10 %.
  std::string progress_label = "backup";
  bool force_bar = false;
};

// The default of --timeout, in seconds.
inline constexpr int kDefaultBackupTimeoutSeconds = 30;

// Asks the node running on `data_dir` for an online backup into `out` (absolute, must not
// exist) over DATA_DIR/backup.sock. nullopt when no node answers there; otherwise the node's
// final JSON line, or an empty value with `*error` set: a reply that is no JSON, the connection
// closed before it, or the timeout. Such an error says what became of `out` (the node removes
// an unfinished copy once it sees this command gone; this command removes one no process holds
// open, and keeps a complete one) and what the operator should do.
std::optional<nlohmann::json> AskNodeForBackup(const std::string& data_dir, const std::string& out,
                                               const AskBackupOptions& options, std::string* error);

}  // namespace evchain::cli
