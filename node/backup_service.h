// Online backups of a running node's data directory (docs/operations.md "Backing up and
// restoring"): a Unix socket in the data directory on which `evchain backup create` asks the node
// to copy its data directory (storage/backup.h) while it keeps running, and the consensus
// high-water mark a backup's restore marker records.
#pragma once

#include <atomic>
#include <memory>
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

// Backup options for `now`: the consensus high-water mark read from the backup itself.
storage::BackupOptions NodeBackupOptions();

// One request per connection, one line each way (docs/operations.md):
//   -> "backup <absolute directory>\n"
//   <- {"ok":true,"dir":...,"height":H,"log_size":N,"consensus_view":V,"consensus_seq":S}\n
//      or {"ok":false,"error":"..."}\n
// Requests are served one at a time on the service's own thread, never on the node's.
class BackupService {
 public:
  // Listens on `data_dir`/backup.sock (replacing a stale one: the node holds the directory's
  // LevelDB lock, so no other node uses it), mode 0600. `log` must outlive the service.
  static Result<std::unique_ptr<BackupService>> Start(const std::string& data_dir,
                                                      const storage::EvidenceLog& log);
  ~BackupService();  // stops listening, waits for a backup in progress, removes the socket
  BackupService(const BackupService&) = delete;
  BackupService& operator=(const BackupService&) = delete;

 private:
  BackupService(std::string path, int listen_fd, int wake_read, int wake_write,
                const storage::EvidenceLog& log);
  void Serve();
  void Handle(int fd);

  std::string path_;
  int listen_fd_;
  int wake_read_;
  int wake_write_;
  const storage::EvidenceLog& log_;
  std::thread thread_;
};

}  // namespace evchain::node
