// Online backups of a running node's data directory (docs/operations.md "Backing up and
// restoring"): a Unix socket in the data directory on which `evchain backup create` asks the node
// to copy its data directory (storage/backup.h) while it keeps running, and the consensus
// high-water mark a backup's restore marker records.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/status.h"
#include "storage/backup.h"
#include "storage/evidence_log.h"
#include "storage/kv_store.h"

namespace evchain::node {

// The socket's name inside the data directory.
inline constexpr const char* kBackupSocketName = "backup.sock";

// The highest view and sequence number in the replica's records under "m" "c/"
// (node/consensus_store.h): the view of the state record "c/state" (consensus::pb::ReplicaState)
// and the largest of its stable checkpoint's sequence number and the sequence numbers of the
// messages "c/msg/<seq, 20 digits>/...". 0 for what is absent or does not parse; an error when
// the records cannot all be read (a high-water mark from part of them could be too low).
Result<storage::ConsensusHighWater> ConsensusHighWaterOf(const storage::KvStore& store);

// An estimate of the bytes a backup of `data_dir` copies: the size of both databases' LevelDB
// files (tables and write-ahead logs). Compression and overwritten records make it approximate.
uint64_t BackupBytesEstimate(const std::string& data_dir);

// Backup options for `now`: the consensus high-water mark read from the backup itself.
storage::BackupOptions NodeBackupOptions();

// One request per connection (docs/operations.md "The backup socket"):
//   -> "backup <absolute directory>\n"
//   <- {"progress":true,"bytes_done":N,"bytes_total":T,"records_done":R}\n   (zero or more)
//   <- {"ok":true,"dir":...,"height":H,"log_size":N,"consensus_view":V,"consensus_seq":S,
//       "seconds":X}\n  or {"ok":false,"error":"..."}\n   (last, exactly one)
// A progress line goes out when the backup starts, then at most every 0.5 s while records are
// copied and at least every 2 s (a heartbeat repeating the counters) until the final line: a
// client that hears nothing for several seconds may take the node for stopped or hung, and one
// whose counters stand still while heartbeats come may take its disk for hung. `bytes_done`
// counts the keys and values copied; `bytes_total` is an estimate (the LevelDB files of the data
// directory, never below bytes_done), so a percentage from it is approximate. A line without
// "progress" is the final one; clients ignore fields they do not know.
// When the client goes away (its end closed, a line cannot be sent within 10 s) an unfinished
// backup is cancelled and its directory removed; so is one the node is stopping during
// ({"ok":false,...}). A finished one (marker written) is kept even when its answer cannot be
// delivered: it is a complete backup.
// Requests are served one at a time on the service's own thread (the copy on one more thread,
// so that the service can report and notice a client gone), never on the node's threads; one
// that comes during a backup is answered at once {"ok":false,"error":"busy: ..."}.
class BackupService {
 public:
  // Listens on `data_dir`/backup.sock (replacing a stale one: the node holds the directory's
  // LevelDB lock, so no other node uses it), mode 0600. `log` must outlive the service.
  static Result<std::unique_ptr<BackupService>> Start(const std::string& data_dir,
                                                      const storage::EvidenceLog& log);
  // Stops listening, cancels a backup in progress (its directory is removed) and waits for it
  // to stop, removes the socket.
  ~BackupService();
  BackupService(const BackupService&) = delete;
  BackupService& operator=(const BackupService&) = delete;

 private:
  BackupService(std::string data_dir, std::string path, int listen_fd, int wake_read,
                int wake_write, const storage::EvidenceLog& log);
  void Serve();
  void Handle(int fd);
  // Runs the backup into `dir` while reporting its progress on `fd`; the final reply, or null
  // when the client is gone.
  nlohmann::ordered_json RunBackup(int fd, const std::string& dir);
  // Answers a connection that comes while a backup into `running` runs: busy (one at a time).
  void RefuseBusy(const std::string& running);

  std::string data_dir_;
  std::string path_;
  int listen_fd_;
  int wake_read_;
  int wake_write_;
  const storage::EvidenceLog& log_;
  std::thread thread_;
};

}  // namespace evchain::node
