// evchain snapshot create|fetch|restore|show: a validator's committed chain in one file (from a
// data directory, or fetched from the other validators over the peer links), and a new data
// directory loaded from it after verifying it against the genesis (docs/snapshots.md,
// storage/snapshot.h).
#include "storage/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/encoding.h"
#include "common/time.h"
#include "node/config.h"
#include "node/snapshot_fetch.h"
#include "storage/evidence_log.h"
#include "storage/kv_store.h"
#include "tools/cli/backup_client.h"
#include "tools/cli/carry_pending.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/file_hash.h"
#include "tools/cli/progress.h"
#include "tools/cli/verbs.h"

namespace evchain::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSnapshotVerb = "snapshot";

struct SnapshotCliOptions {
  std::string data_dir;
  std::string file;
  std::string genesis;
  std::string config;
  std::vector<std::string> from;
  uint64_t min_rate_kib = node::SnapshotFetchOptions{}.min_bytes_per_s / 1024;
  bool replace = false;
  bool progress = false;
  bool json = false;
  int timeout_s = kDefaultBackupTimeoutSeconds;
};

UnixMillis NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::ordered_json InfoJson(const storage::SnapshotInfo& info) {
  return {
      {"format_version", info.version},     {"created_at", FormatRfc3339Millis(info.created_at)},
      {"chain_id", info.tip.chain_id},      {"height", info.tip.height},
      {"log_size", info.tip.log_size},      {"log_root", ToHex(info.tip.log_root)},
      {"block_hash", ToHex(info.tip_hash)}, {"block_time", FormatRfc3339Millis(info.tip.time)}};
}

// Closes a FILE* on scope exit.
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

Status SyncPath(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error("io", "cannot open " + path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::Error("io", "cannot sync " + path);
  return Status::Ok();
}

// Writes the snapshot of the (stopped) data directory or backup `dir` to `out`: into
// OUT.partial, synced, then renamed, so OUT is only ever a complete file.
int WriteFrom(const std::string& dir, const std::string& out, const SnapshotCliOptions& o) {
  auto store = storage::OpenLevelDb(dir);
  if (!store.ok()) {
    return Fail(kSnapshotVerb, kExitIo, "cannot open " + dir + ": " + store.status().message());
  }
  // Open once: it rolls back what a crash left, exactly as a node starting here would.
  uint64_t size = 0;
  {
    auto log = storage::EvidenceLog::Open(store->get());
    if (!log.ok()) return Fail(kSnapshotVerb, kExitIo, log.status().ToString());
    size = (*log)->size();
  }
  const std::string partial = out + ".partial";
  File f(std::fopen(partial.c_str(), "wbx"));
  if (!f) return Fail(kSnapshotVerb, kExitIo, "cannot create " + partial);
  std::setvbuf(f.get(), nullptr, _IOFBF, 1 << 20);
  Progress progress("snapshot", size, Progress::Unit::kItems, "entries", o.progress);
  uint64_t reported = 0;
  auto info = storage::WriteSnapshot(**store, f.get(), NowMillis(), [&](uint64_t done) {
    progress.Add(done - reported);
    reported = done;
  });
  progress.Finish();
  std::error_code ec;
  if (!info.ok() || ::fsync(fileno(f.get())) != 0 || std::fclose(f.release()) != 0) {
    fs::remove(partial, ec);
    return Fail(kSnapshotVerb, info.ok() ? kExitIo : kExitFailed,
                info.ok() ? "cannot write " + partial : info.status().ToString());
  }
  fs::rename(partial, out, ec);
  if (ec) return Fail(kSnapshotVerb, kExitIo, "cannot rename " + partial + ": " + ec.message());
  const std::string parent = fs::path(out).parent_path().string();
  if (Status s = SyncPath(parent.empty() ? "." : parent); !s.ok()) {
    return Fail(kSnapshotVerb, kExitIo, s.message());
  }
  const auto bytes = fs::file_size(out, ec);
  nlohmann::ordered_json j = {{"ok", true}, {"file", out}, {"bytes", bytes}};
  j.update(InfoJson(*info));
  std::cout << (o.json ? j.dump(2)
                       : "snapshot of " + dir + " in " + out + ": height " +
                             std::to_string(info->tip.height) + ", " +
                             std::to_string(info->tip.log_size) + " entries, " +
                             FormatBytes(static_cast<double>(bytes)))
            << "\n";
  return kExitOk;
}

int Create(const SnapshotCliOptions& o) {
  std::error_code ec;
  const std::string out = fs::absolute(o.file, ec).lexically_normal().string();
  if (fs::exists(out, ec)) return Fail(kSnapshotVerb, kExitUsage, out + " exists");
  if (!fs::exists(fs::path(o.data_dir) / "CURRENT", ec)) {
    return Fail(kSnapshotVerb, kExitIo, o.data_dir + " is not a node data directory");
  }
  // A running node holds its LevelDB lock: it makes an online backup beside OUT (from LevelDB
  // snapshot iterators, while it goes on committing), the snapshot is written from that, and
  // the backup is removed.
  const std::string staging = out + ".backup";
  std::string error;
  fs::remove_all(staging, ec);
  AskBackupOptions ask;
  ask.timeout = std::chrono::seconds(o.timeout_s);
  ask.progress_label = "online backup";
  ask.force_bar = o.progress;
  if (std::optional<nlohmann::json> reply = AskNodeForBackup(o.data_dir, staging, ask, &error)) {
    if (!error.empty()) return Fail(kSnapshotVerb, kExitIo, error);
    if (!(*reply)["ok"].is_boolean() || !(*reply)["ok"].get<bool>()) {
      fs::remove_all(staging, ec);
      const nlohmann::json& why = (*reply)["error"];
      return Fail(kSnapshotVerb, kExitIo,
                  "the running node refused an online backup: " +
                      (why.is_string() ? why.get<std::string>() : why.dump()));
    }
    const int rc = WriteFrom(staging, out, o);
    fs::remove_all(staging, ec);
    return rc;
  }
  return WriteFrom(o.data_dir, out, o);
}

// Fetches a snapshot from the other validators over the peer links, as the validator whose node
// config is given (its node must be stopped: the fetch takes its p2p address).
int Fetch(const SnapshotCliOptions& o) {
  auto config = node::LoadNodeConfig(o.config);
  if (!config.ok()) return Fail(kSnapshotVerb, kExitUsage, config.status().ToString());
  auto genesis = LoadGenesis(config->genesis_path);
  if (!genesis.ok()) return FailGenesis(kSnapshotVerb, genesis.status());
  const int self = genesis->ValidatorIndex(config->validator_id);
  if (self < 0) {
    return Fail(kSnapshotVerb, kExitUsage,
                "validator_id " + config->validator_id + " is not in the genesis");
  }
  auto key = crypto::SecretKey::LoadFile(config->key_file);
  if (!key.ok()) return Fail(kSnapshotVerb, kExitUsage, key.status().ToString());
  if (key->public_key() != genesis->validators[self].public_key) {
    return Fail(kSnapshotVerb, kExitUsage,
                config->key_file + " is not the genesis key of " + config->validator_id);
  }
  std::error_code ec;
  if (fs::exists(o.file, ec)) return Fail(kSnapshotVerb, kExitUsage, o.file + " exists");
  node::SnapshotFetchOptions options;
  options.listen_address = config->p2p_listen;
  options.min_bytes_per_s = o.min_rate_kib * 1024;
  for (const std::string& id : o.from) {
    const int peer = genesis->ValidatorIndex(id);
    if (peer < 0 || peer == self) {
      return Fail(kSnapshotVerb, kExitUsage,
                  "--from " + id + " is not another validator of the genesis");
    }
    options.peers.push_back(peer);
  }
  std::optional<Progress> progress;
  uint64_t reported = 0;
  options.progress = [&](uint64_t received, uint64_t total) {
    if (!progress || received < reported) {  // a first chunk, or another peer's snapshot
      progress.emplace("fetch", total, Progress::Unit::kBytes, "", o.progress);
      reported = 0;
    }
    progress->Add(received - reported);
    reported = received;
  };
  auto fetched = node::FetchSnapshotFromPeers(*genesis, self, *key, o.file, options);
  if (progress) progress->Finish();
  if (!fetched.ok()) {
    if (fetched.status().code() == "net_listen_failed") {
      return Fail(kSnapshotVerb, kExitIo,
                  fetched.status().message() + ": is the node of " + config->validator_id +
                      " running? Stop it first (the fetch uses its p2p address)");
    }
    return Fail(kSnapshotVerb, kExitIo, fetched.status().ToString());
  }
  const std::string& from = genesis->validators[fetched->peer].id;
  nlohmann::ordered_json j = {{"ok", true},
                              {"file", o.file},
                              {"from", from},
                              {"height", fetched->height},
                              {"bytes", fetched->bytes},
                              {"verified", false}};
  std::cout << (o.json ? j.dump(2)
                       : "fetched a snapshot at height " + std::to_string(fetched->height) +
                             " from " + from + " into " + o.file + " (" +
                             FormatBytes(static_cast<double>(fetched->bytes)) +
                             "), not verified yet: evchain snapshot restore --genesis " +
                             config->genesis_path + " --in " + o.file + " --data-dir " +
                             config->data_dir)
            << "\n";
  return kExitOk;
}

// A snapshot file to read: a regular file (cli::CheckRegularFile: a directory would read as an
// error, a FIFO's open would wait for a writer), opened. Error "io" saying why.
Result<File> OpenSnapshot(const std::string& path) {
  EVCHAIN_RETURN_IF_ERROR(CheckRegularFile(path));
  File in(std::fopen(path.c_str(), "rb"));
  if (!in) return Status::Error("io", "cannot open " + path + ": " + std::strerror(errno));
  return in;
}

// A header that cannot be read: exit 3 when reading failed, 1 when the bytes are not a
// snapshot's (docs/cli.md "Exit codes").
int FailHeader(const std::string& path, const Status& status) {
  return Fail(kSnapshotVerb, status.code() == "io_error" ? kExitIo : kExitFailed,
              path + ": " + status.ToString());
}

int Restore(const SnapshotCliOptions& o) {
  auto genesis = LoadGenesis(o.genesis);
  if (!genesis.ok()) return FailGenesis(kSnapshotVerb, genesis.status());
  auto in = OpenSnapshot(o.file);
  if (!in.ok()) return Fail(kSnapshotVerb, kExitIo, in.status().message());
  std::setvbuf(in->get(), nullptr, _IOFBF, 1 << 20);
  auto header = storage::ReadSnapshotHeader(in->get());
  if (!header.ok()) return FailHeader(o.file, header.status());
  std::rewind(in->get());

  std::error_code ec;
  const std::string dir = fs::absolute(o.data_dir, ec).lexically_normal().string();
  const bool occupied = fs::exists(dir, ec) && !fs::is_empty(dir, ec);
  if (occupied && !o.replace) {
    return Fail(kSnapshotVerb, kExitUsage,
                dir +
                    " is not empty: stop the node and add --replace (the old directory is "
                    "kept beside it)");
  }
  if (occupied) {
    // A running node holds the LevelDB lock: never pull a directory from under it.
    auto live = storage::OpenLevelDb(dir);
    if (!live.ok()) {
      return Fail(kSnapshotVerb, kExitIo,
                  "cannot open " + dir + " (" + live.status().message() + "): stop the node first");
    }
  }
  // Loaded into DIR.restoring and renamed only once everything verified: a refused snapshot
  // or a crash leaves nothing that looks like a data directory at DIR.
  const std::string staging = dir + ".restoring";
  fs::remove_all(staging, ec);
  auto fail = [&](int code, const std::string& message) {
    fs::remove_all(staging, ec);
    return Fail(kSnapshotVerb, code, message);
  };
  uint64_t size = 0;
  size_t carried = 0;  // acknowledged deposits carried over from the replaced directory
  {
    auto store = storage::OpenLevelDb(staging);
    if (!store.ok())
      return fail(kExitIo, "cannot create " + staging + ": " + store.status().message());
    // Two phases: every entry verified and loaded, then its index keys written in key order
    // (sorted in temporary files inside the staging directory).
    std::optional<Progress> progress;
    progress.emplace("verify+load", header->tip.log_size, Progress::Unit::kItems, "entries",
                     o.progress);
    uint64_t reported = 0;
    bool indexing = false;
    auto report = [&](uint64_t done) {
      progress->Add(done - reported);
      reported = done;
    };
    auto report_index = [&](uint64_t done) {
      if (!indexing) {
        indexing = true;
        progress.emplace("index", header->tip.log_size, Progress::Unit::kItems, "entries",
                         o.progress);
        reported = 0;
      }
      report(done);
    };
    auto loaded =
        storage::LoadSnapshot(in->get(), *genesis, **store, report, staging, report_index);
    progress->Finish();
    if (!loaded.ok()) {
      const bool io = loaded.status().code() == "io_error";
      return fail(io ? kExitIo : kExitFailed, "refused " + o.file + ": " +
                                                  loaded.status().ToString() +
                                                  "; nothing was written to " + dir);
    }
    // The node opens it this way: the log must open on what was loaded.
    auto log = storage::EvidenceLog::Open(store->get());
    if (!log.ok())
      return fail(kExitIo, "the loaded directory does not open: " + log.status().ToString());
    size = (*log)->size();
    if (occupied) {
      storage::WriteBatch batch;
      Result<size_t> n = CarryPendingDeposits(dir, &batch);
      if (!n.ok()) {
        std::cerr << "evchain snapshot: warning: " << CarryFailedText(dir, n.status()) << "\n";
      } else if (*n > 0) {
        if (Status s = (*store)->Write(batch, true); !s.ok()) {
          return fail(kExitIo, "cannot write the carried deposits: " + s.ToString());
        }
        carried = *n;
      }
    }
  }
  std::string moved;
  if (occupied) {
    moved = dir + ".before-restore-" + std::to_string(NowMillis() / 1000);
    fs::rename(dir, moved, ec);
    if (ec) return fail(kExitIo, "cannot move " + dir + " aside: " + ec.message());
  } else {
    fs::remove(dir, ec);  // an empty directory
  }
  fs::rename(staging, dir, ec);
  if (ec) return fail(kExitIo, "cannot rename " + staging + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  const std::string parent = fs::path(dir).parent_path().string();
  if (Status s = SyncPath(parent); !s.ok()) return Fail(kSnapshotVerb, kExitIo, s.message());
  nlohmann::ordered_json j = {{"ok", true}, {"data_dir", dir}, {"entries_checked", size}};
  j.update(InfoJson(*header));
  if (!moved.empty()) {
    j["moved_aside"] = moved;
    j["pending_carried"] = carried;
  }
  std::cout << (o.json
                    ? j.dump(2)
                    : "verified and restored " + o.file + " into " + dir + ": height " +
                          std::to_string(header->tip.height) + ", " + std::to_string(size) +
                          " entries, every leaf in the certified root" +
                          (moved.empty() ? ""
                                         : " (the old directory is " + moved + "; " +
                                               std::to_string(carried) + " acknowledged deposit" +
                                               (carried == 1 ? "" : "s") +
                                               " not yet committed carried over from its "
                                               "journal)") +
                          "; start the node to catch up from its peers")
            << "\n";
  return kExitOk;
}

int Show(const SnapshotCliOptions& o) {
  auto in = OpenSnapshot(o.file);
  if (!in.ok()) return Fail(kSnapshotVerb, kExitIo, in.status().message());
  auto header = storage::ReadSnapshotHeader(in->get());
  if (!header.ok()) return FailHeader(o.file, header.status());
  std::cout << InfoJson(*header).dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void AddSnapshot(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<SnapshotCliOptions>();
  auto* cmd = app.add_subcommand(
      "snapshot",
      "Write a validator's committed chain to one file, or start a new data directory from one");
  cmd->require_subcommand(1);
  auto* create = cmd->add_subcommand(
      "create",
      "Write the chain of a data directory, up to its latest certified block, to a new file. A "
      "running node is asked for an online backup first (DATA_DIR/backup.sock); a stopped "
      "one is read directly");
  create->add_option("--data-dir,--data", o->data_dir, "The node's data directory (or a backup)")
      ->required();
  create->add_option("--out", o->file, "The new snapshot file")->required();
  create->add_flag("--progress", o->progress,
                   "Draw a progress bar even when stderr is no terminal");
  create->add_flag("--json", o->json, "Print the result as JSON");
  create
      ->add_option("--timeout", o->timeout_s,
                   "Give up when a running node, asked for its online backup, sends nothing or "
                   "copies nothing for this many seconds (0: wait forever)")
      ->default_val(kDefaultBackupTimeoutSeconds)
      ->check(CLI::NonNegativeNumber);
  create->footer(
      "Example:\n  evchain snapshot create --data-dir /var/lib/evchain/court-2 --out "
      "/tmp/chain.evsnap\n");
  create->callback([o, exit_code] { *exit_code = Create(*o); });
  auto* fetch = cmd->add_subcommand(
      "fetch",
      "Fetch a snapshot from the other validators over the peer links, as the validator of "
      "--config (its node must be stopped: the fetch uses its p2p address and key). The file "
      "is not verified until `snapshot restore`; a peer whose snapshot is refused there can be "
      "skipped with --from");
  fetch->add_option("--config", o->config, "The node's config file (config.json)")->required();
  fetch->add_option("--out", o->file, "The new snapshot file")->required();
  fetch->add_option("--from", o->from,
                    "Validator ids to ask, in order (default: every other validator)");
  fetch
      ->add_option("--min-rate", o->min_rate_kib,
                   "Leave a peer that sends less than this many KiB a second over any minute "
                   "of its fetch, for the next (0: never)")
      ->default_val(o->min_rate_kib)
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 30));
  fetch->add_flag("--progress", o->progress, "Draw a progress bar even when stderr is no terminal");
  fetch->add_flag("--json", o->json, "Print the result as JSON");
  fetch->footer(
      "Example:\n  evchain snapshot fetch --config /etc/evchain/court-1/config.json --out "
      "/tmp/chain.evsnap\n");
  fetch->callback([o, exit_code] { *exit_code = Fetch(*o); });
  auto* restore = cmd->add_subcommand(
      "restore",
      "Verify a snapshot against the genesis and load it as a node's data directory (the node "
      "must be stopped). Refused unless the tip's certificate has a quorum of genesis "
      "validators, every header chains to the genesis, and every entry's leaf is in the root "
      "its block names; nothing is written to the data directory then");
  restore->add_option("--genesis", o->genesis, "The chain's genesis.json")->required();
  restore->add_option("--in", o->file, "The snapshot file")->required();
  restore->add_option("--data-dir,--data", o->data_dir, "The node's data directory")->required();
  restore->add_flag("--replace", o->replace,
                    "Move a non-empty data directory aside (DIR.before-restore-TIME) first");
  restore->add_flag("--progress", o->progress,
                    "Draw a progress bar even when stderr is no terminal");
  restore->add_flag("--json", o->json, "Print the result as JSON");
  restore->footer(
      "Example:\n  evchain snapshot restore --genesis genesis.json --in /tmp/chain.evsnap "
      "--data-dir /var/lib/evchain/court-1\n");
  restore->callback([o, exit_code] { *exit_code = Restore(*o); });
  auto* show =
      cmd->add_subcommand("show", "Print a snapshot's header (its tip) as JSON, unverified");
  show->add_option("--in", o->file, "The snapshot file")->required();
  show->footer("Example:\n  evchain snapshot show --in /tmp/chain.evsnap\n");
  show->callback([o, exit_code] { *exit_code = Show(*o); });
  cmd->footer(
      "A snapshot holds every block (header and certificate) and every entry; restore rebuilds\n"
      "the Merkle nodes and indexes from them, so a new validator needs no replay through\n"
      "consensus. After restore, start the node: it fetches the blocks committed since the\n"
      "snapshot from its peers. Only the tip's certificate signatures and the hash chain are\n"
      "checked; `evchain audit` checks every certificate and deposit signature.\n"
      "Format and checks: docs/snapshots.md.\n\n"
      "Examples:\n"
      "  evchain snapshot create --data-dir /var/lib/evchain/court-2 --out /tmp/chain.evsnap\n"
      "  evchain snapshot fetch --config /etc/evchain/court-1/config.json --out /tmp/chain.evsnap\n"
      "  evchain snapshot restore --genesis genesis.json --in /tmp/chain.evsnap \\\n"
      "      --data-dir /var/lib/evchain/court-1\n"
      "  evchain snapshot show --in /tmp/chain.evsnap\n"
      "  evchain audit --data-dir /var/lib/evchain/court-1 --genesis genesis.json\n");
}

}  // namespace evchain::cli
