// Online backups of a data directory and the marker that says a directory is a restored copy
// (docs/operations.md "Backing up and restoring", docs/storage-format.md "Backups and the
// restore marker").
//
// A backup is itself a data directory: both LevelDB databases, copied record by record from
// snapshot iterators while the node keeps writing, plus the restore marker (index store key
// `r`). Whatever way it is put back (`evchain backup restore`, tar, cp -a), the marker goes
// with it, so a node starting on it knows that its consensus records may be older than what it
// has signed since (ReadRestoreMarker at start).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "common/time.h"
#include "storage/kv_store.h"

namespace evchain::storage {

// The highest consensus view and sequence number in a set of consensus records (node/ reads
// its own records: node/backup_service.h ConsensusHighWaterOf).
struct ConsensusHighWater {
  uint64_t view = 0;
  uint64_t seq = 0;
};

// The restore marker, value of index-store key `r` (docs/storage-format.md): present only in
// backups and in data directories restored from one, never written by a running node.
struct RestoreMarker {
  uint64_t height = 0;          // committed height of the backup's log
  uint64_t log_size = 0;        // its size
  Hash32 last_block_hash{};     // hash of block `height` (zero for an empty log)
  uint64_t consensus_view = 0;  // highest view in the backup's consensus records
  uint64_t consensus_seq = 0;   // highest sequence number (block height) in them
  UnixMillis created_at = 0;    // wall-clock time of the snapshot
};
std::string EncodeRestoreMarker(const RestoreMarker& marker);
Result<RestoreMarker> DecodeRestoreMarker(std::string_view value);

// The marker of the data directory open in `store`, nullopt when it is not a restored copy.
// A marker that does not decode is "corruption" (a node must not start on it as if it were not
// restored).
Result<std::optional<RestoreMarker>> ReadRestoreMarker(const KvStore& store);
// Deletes the marker (synced): for the node, once it has made sure it cannot sign anything
// conflicting with what it signed before the restore.
Status ClearRestoreMarker(KvStore& store);

// How far a backup's copy has got: records copied so far (both stores) and their keys' and
// values' bytes. The copy cannot know its total ahead (LevelDB keeps no record count); a caller
// that wants a percentage estimates it (node/backup_service.h: the data directory's size).
struct BackupProgress {
  uint64_t records = 0;
  uint64_t bytes = 0;
};

struct BackupOptions {
  // Reads the consensus high-water mark from the backup's own index store (a consistent
  // snapshot) before the marker is written; nullptr: 0, 0.
  std::function<Result<ConsensusHighWater>(const KvStore& backup)> consensus;
  UnixMillis now = 0;  // created_at
  // Opens the new data directory `dir` for the copy; unset: OpenLevelDb(dir). For tests: a
  // store that models a power cut (tests/storage/power_cut_store.h).
  std::function<Result<std::unique_ptr<KvStore>>(const std::string& dir)> open_copy;
  // Called after every record copied, on the copying thread, so it must be cheap (store the
  // counters in atomics; report them from another thread). Returning false cancels the backup:
  // CreateBackup then fails with "cancelled" and removes `dir`. nullptr: no reports.
  std::function<bool(const BackupProgress&)> progress;
};

// Copies the data directory open in `store` (both databases) into a new data directory `dir`,
// which must not exist, without stopping writers: a snapshot of the index store is taken first
// and of the companion after it, so the companion holds every entry the index store's commit
// names (an append in flight is rolled back or dropped by EvidenceLog::Open, as after a crash).
// The marker is written last, synced: a backup without it is incomplete (a crash mid-copy) and
// `evchain backup restore` refuses it. Returns the marker written. Errors: "exists",
// "io_error", "corruption", "cancelled" (options.progress said so). Whatever fails removes `dir`.
Result<RestoreMarker> CreateBackup(KvStore& store, const std::string& dir,
                                   const BackupOptions& options);

}  // namespace evchain::storage
