// evchain backup create|restore|show: online backups of a validator's data directory and their
// restore (docs/operations.md "Backing up and restoring", storage/backup.h).
#include "storage/backup.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/encoding.h"
#include "common/time.h"
#include "node/backup_service.h"
#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "storage/kv_store.h"
#include "tools/cli/backup_client.h"
#include "tools/cli/carry_pending.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/progress.h"
#include "tools/cli/verbs.h"

namespace evchain::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kBackupVerb = "backup";

struct BackupCliOptions {
  std::string data_dir;
  std::string out;
  std::string from;
  bool replace = false;
  bool json = false;
  int timeout_s = kDefaultBackupTimeoutSeconds;
};

nlohmann::ordered_json MarkerJson(const storage::RestoreMarker& m) {
  return {{"height", m.height},
          {"log_size", m.log_size},
          {"last_block_hash", ToHex(m.last_block_hash)},
          {"consensus_view", m.consensus_view},
          {"consensus_seq", m.consensus_seq},
          {"created_at", FormatRfc3339Millis(m.created_at)}};
}

int Create(const BackupCliOptions& o) {
  if (o.data_dir.empty() || o.out.empty()) {
    return Fail(kBackupVerb, kExitUsage, "create needs --data-dir D --out DIR");
  }
  std::error_code ec;
  const std::string out = fs::absolute(o.out, ec).lexically_normal().string();
  if (fs::exists(out, ec)) return Fail(kBackupVerb, kExitUsage, out + " exists");
  std::string error;
  AskBackupOptions ask;
  ask.timeout = std::chrono::seconds(o.timeout_s);
  if (std::optional<nlohmann::json> reply = AskNodeForBackup(o.data_dir, out, ask, &error)) {
    if (!error.empty()) return Fail(kBackupVerb, kExitIo, error);
    if (!(*reply)["ok"].is_boolean() || !(*reply)["ok"].get<bool>()) {
      const nlohmann::json& why = (*reply)["error"];
      return Fail(kBackupVerb, kExitIo,
                  "the node refused: " + (why.is_string() ? why.get<std::string>() : why.dump()));
    }
    std::cout << (o.json ? reply->dump(2)
                         : "online backup of the running node in " + out + ": height " +
                               reply->value("height", nlohmann::json(0)).dump() + ", " +
                               reply->value("log_size", nlohmann::json(0)).dump() + " entries")
              << "\n";
    return kExitOk;
  }
  // No node answers: the directory is copied by this process (the node is stopped).
  if (!fs::exists(fs::path(o.data_dir) / "CURRENT", ec)) {
    return Fail(kBackupVerb, kExitIo, o.data_dir + " is not a node data directory");
  }
  auto store = storage::OpenLevelDb(o.data_dir);
  if (!store.ok()) {
    return Fail(kBackupVerb, kExitIo,
                "cannot open " + o.data_dir + ": " + store.status().message() +
                    " (a node holds it but does not answer on its backup socket)");
  }
  auto log = storage::EvidenceLog::Open(store->get());
  if (!log.ok()) return Fail(kBackupVerb, kExitIo, log.status().ToString());
  storage::BackupOptions options = node::NodeBackupOptions();
  const uint64_t estimate = node::BackupBytesEstimate(o.data_dir);
  Progress progress("backup", estimate, Progress::Unit::kBytes, "", false,
                    Progress::NotTerminal::kLinePer10Percent);
  options.progress = [&](const storage::BackupProgress& p) {
    progress.Update(p.bytes, std::max(estimate, p.bytes));
    return true;
  };
  auto marker = (*log)->Backup(out, options);
  progress.Finish();
  if (!marker.ok()) return Fail(kBackupVerb, kExitIo, marker.status().ToString());
  nlohmann::ordered_json j = {{"ok", true}, {"dir", out}};
  j.update(MarkerJson(*marker));
  std::cout << (o.json ? j.dump(2)
                       : "backup of the stopped node in " + out + ": height " +
                             std::to_string(marker->height) + ", " +
                             std::to_string(marker->log_size) + " entries")
            << "\n";
  return kExitOk;
}

// Opens a data directory or backup and reads its marker and log state.
struct Opened {
  std::unique_ptr<storage::KvStore> store;
  std::unique_ptr<storage::EvidenceLog> log;
  std::optional<storage::RestoreMarker> marker;
};
Result<Opened> OpenDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(fs::path(dir) / "CURRENT", ec)) {
    return Status::Error("io", dir + " is not a data directory or backup");
  }
  Opened o;
  auto store = storage::OpenLevelDb(dir);
  if (!store.ok())
    return Status::Error("io", "cannot open " + dir + ": " + store.status().message());
  o.store = std::move(*store);
  auto marker = storage::ReadRestoreMarker(*o.store);
  if (!marker.ok()) return marker.status();
  o.marker = *marker;
  auto log = storage::EvidenceLog::Open(o.store.get());
  if (!log.ok()) return log.status();
  o.log = std::move(*log);
  return o;
}

int Restore(const BackupCliOptions& o) {
  if (o.from.empty() || o.data_dir.empty()) {
    return Fail(kBackupVerb, kExitUsage, "restore needs --from BACKUP --data-dir D");
  }
  std::error_code ec;
  {
    auto backup = OpenDir(o.from);
    if (!backup.ok()) return Fail(kBackupVerb, kExitIo, backup.status().ToString());
    if (!backup->marker) {
      return Fail(kBackupVerb, kExitIo,
                  o.from + " has no restore marker: not a complete backup (docs/operations.md)");
    }
    if (backup->log->height() != backup->marker->height) {
      return Fail(kBackupVerb, kExitIo, o.from + ": the log's height differs from its marker's");
    }
  }
  std::string moved;
  if (fs::exists(o.data_dir, ec) && !fs::is_empty(o.data_dir, ec)) {
    if (!o.replace) {
      return Fail(kBackupVerb, kExitUsage,
                  o.data_dir +
                      " is not empty: stop the node and add --replace (the old "
                      "directory is kept beside it)");
    }
    {
      // A running node holds the LevelDB lock: never pull a directory from under it.
      auto live = storage::OpenLevelDb(o.data_dir);
      if (!live.ok()) {
        return Fail(kBackupVerb, kExitIo,
                    "cannot open " + o.data_dir + " (" + live.status().message() +
                        "): stop the node first");
      }
    }
    moved = o.data_dir + ".before-restore-" +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
    fs::rename(o.data_dir, moved, ec);
    if (ec)
      return Fail(kBackupVerb, kExitIo, "cannot move " + o.data_dir + " aside: " + ec.message());
  }
  // Copy into a fresh directory beside the target, then rename: a crash mid-copy leaves no
  // half-restored data directory.
  const std::string staging = o.data_dir + ".restoring";
  size_t carried = 0;  // acknowledged deposits carried over from the moved directory
  fs::remove_all(staging, ec);
  fs::copy(o.from, staging, fs::copy_options::recursive, ec);
  if (ec) return Fail(kBackupVerb, kExitIo, "cannot copy " + o.from + ": " + ec.message());
  fs::remove(fs::path(staging) / "LOCK", ec);
  fs::remove(fs::path(staging) / "entries" / "LOCK", ec);
  fs::remove(fs::path(staging) / node::kBackupSocketName, ec);
  {
    // Opening syncs nothing by itself; a synced write of the marker makes the copy's logs
    // durable before the rename.
    auto copy = OpenDir(staging);
    if (!copy.ok() || !copy->marker) {
      return Fail(kBackupVerb, kExitIo,
                  "the copy in " + staging + " does not open with its marker");
    }
    storage::WriteBatch batch;
    if (!moved.empty()) {
      Result<size_t> n = CarryPendingDeposits(moved, &batch);
      if (n.ok()) {
        carried = *n;
      } else {
        std::cerr << "evchain backup: warning: " << CarryFailedText(moved, n.status()) << "\n";
      }
    }
    batch.Put(storage::keys::RestoreMarker(), storage::EncodeRestoreMarker(*copy->marker));
    if (Status s = copy->store->Write(batch, true); !s.ok()) {
      return Fail(kBackupVerb, kExitIo, s.ToString());
    }
  }
  fs::rename(staging, o.data_dir, ec);
  if (ec) return Fail(kBackupVerb, kExitIo, "cannot rename " + staging + ": " + ec.message());
  fs::permissions(o.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  std::cout << "restored " << o.from << " into " << o.data_dir
            << (moved.empty() ? "" : " (the old directory is " + moved + ")")
            << "; it carries the restore marker (docs/operations.md)";
  if (!moved.empty()) {
    std::cout << " and " << carried << " acknowledged deposit" << (carried == 1 ? "" : "s")
              << " not yet committed, from the old directory's journal";
  }
  std::cout << "\n";
  return kExitOk;
}

int Show(const BackupCliOptions& o) {
  if (o.data_dir.empty()) return Fail(kBackupVerb, kExitUsage, "show needs --data-dir D");
  auto opened = OpenDir(o.data_dir);
  if (!opened.ok()) return Fail(kBackupVerb, kExitIo, opened.status().ToString());
  nlohmann::ordered_json j = {{"dir", o.data_dir},
                              {"height", opened->log->height()},
                              {"log_size", opened->log->size()},
                              {"restored_from_backup", nullptr}};
  if (opened->marker) j["restored_from_backup"] = MarkerJson(*opened->marker);
  std::cout << j.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void AddBackup(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<BackupCliOptions>();
  auto* cmd = app.add_subcommand("backup", "Back up a validator's data directory, or restore one");
  cmd->require_subcommand(1);
  auto* create = cmd->add_subcommand(
      "create",
      "Copy a data directory into a new backup directory; a running node makes the "
      "copy itself (online, through DATA_DIR/backup.sock)");
  create->add_option("--data-dir", o->data_dir, "The node's data directory")->required();
  create->add_option("--out", o->out, "New directory for the backup")->required();
  create->add_flag("--json", o->json, "Print the result as JSON");
  create
      ->add_option("--timeout", o->timeout_s,
                   "Give up when the running node sends nothing, or copies nothing, for this "
                   "many seconds (0: wait forever)")
      ->default_val(kDefaultBackupTimeoutSeconds)
      ->check(CLI::NonNegativeNumber);
  create->footer(
      "Example:\n  evchain backup create --data-dir /var/lib/evchain/court-1 --out "
      "/backup/court-1-$(date +%F)\n");
  create->callback([o, exit_code] { *exit_code = Create(*o); });
  auto* restore = cmd->add_subcommand(
      "restore", "Put a backup in place as a node's data directory (the node must be stopped)");
  restore->add_option("--from", o->from, "The backup directory")->required();
  restore->add_option("--data-dir", o->data_dir, "The node's data directory")->required();
  restore->add_flag("--replace", o->replace,
                    "Move a non-empty data directory aside (DIR.before-restore-TIME) first");
  restore->footer(
      "Example:\n  evchain backup restore --from /backup/court-1-2026-12-01 --data-dir "
      "/var/lib/evchain/court-1 --replace\n");
  restore->callback([o, exit_code] { *exit_code = Restore(*o); });
  auto* show = cmd->add_subcommand(
      "show", "Print a data directory's or backup's height and restore marker as JSON");
  show->add_option("--data-dir", o->data_dir, "A data directory or backup")->required();
  show->footer("Example:\n  evchain backup show --data-dir /backup/court-1-2026-12-01\n");
  show->callback([o, exit_code] { *exit_code = Show(*o); });
  cmd->footer(
      "Examples:\n"
      "  evchain backup create --data-dir /var/lib/evchain/court-1 --out /backup/court-1-$(date "
      "+%F)\n"
      "  evchain backup restore --from /backup/court-1-2026-12-01 --data-dir "
      "/var/lib/evchain/court-1 --replace\n"
      "  evchain backup show --data-dir /backup/court-1-2026-12-01\n");
}

}  // namespace evchain::cli
