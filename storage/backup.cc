#include "storage/backup.h"

#include <filesystem>
#include <functional>

#include "storage/codec.h"
#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace evchain::storage {
namespace {

constexpr uint8_t kMarkerVersion = 1;
// Records per copy batch are bounded by bytes: a few MiB keeps LevelDB's write path efficient
// without holding much of the copy in memory.
constexpr size_t kCopyBatchBytes = 4 << 20;

// Copies every record `it` yields into `to`, in batches, each synced: LevelDB makes an unsynced
// write durable with a later synced one only within one write-ahead log file, and starts a new
// one (closing the old without an fsync) whenever a memtable fills, so the marker, synced last,
// could otherwise reach the disk over batches that did not. Skips the restore marker (a backup
// of a restored directory gets a new one).
// Counts every record in `*progress` and reports it to `report` (when set), which may cancel.
Status CopyAll(Iterator& it, KvStore& to, bool skip_marker, BackupProgress* progress,
               const std::function<bool(const BackupProgress&)>& report) {
  WriteBatch batch;
  size_t bytes = 0;
  const std::string marker = keys::RestoreMarker();
  for (it.Seek(""); it.Valid(); it.Next()) {
    if (skip_marker && it.key() == marker) continue;
    batch.Put(it.key(), it.value());
    const size_t record_bytes = it.key().size() + it.value().size();
    bytes += record_bytes;
    ++progress->records;
    progress->bytes += record_bytes;
    if (report && !report(*progress)) return Status::Error("cancelled", "the backup was cancelled");
    if (bytes >= kCopyBatchBytes) {
      EVCHAIN_RETURN_IF_ERROR(to.Write(batch, /*sync=*/true));
      batch = WriteBatch();
      bytes = 0;
    }
  }
  // A damaged block is skipped by the scan: a backup without it must fail, not look whole.
  EVCHAIN_RETURN_IF_ERROR(it.status());
  return batch.empty() ? Status::Ok() : to.Write(batch, /*sync=*/true);
}

Result<RestoreMarker> CopyInto(KvStore& store, const std::string& dir,
                               const BackupOptions& options) {
  // The index store first: its commit (state `s`) never names entries the companion, read
  // afterwards, lacks (a block's companion records are durable before AppendBlock returns, and
  // the snapshot of a commit still in flight carries the pending marker `p`).
  std::unique_ptr<Iterator> index = store.NewIterator();
  std::unique_ptr<Iterator> companion = store.Sequential()->NewIterator();
  Result<std::unique_ptr<KvStore>> copy =
      options.open_copy ? options.open_copy(dir) : OpenLevelDb(dir);
  if (!copy.ok()) return copy.status();
  BackupProgress progress;
  EVCHAIN_RETURN_IF_ERROR(
      CopyAll(*companion, *(*copy)->Sequential(), false, &progress, options.progress));
  companion.reset();
  EVCHAIN_RETURN_IF_ERROR(CopyAll(*index, **copy, true, &progress, options.progress));
  index.reset();
  RestoreMarker marker;
  {
    // Open does what it does after a crash: rolls back or drops an append caught in flight.
    Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(copy->get());
    if (!log.ok()) return log.status();
    marker.height = (*log)->height();
    marker.log_size = (*log)->size();
    if (marker.height > 0) {
      Result<StoredBlock> last = (*log)->GetBlock(marker.height);
      if (!last.ok()) return last.status();
      marker.last_block_hash = last->hash;
    }
  }
  if (options.consensus) {
    const Result<ConsensusHighWater> high = options.consensus(**copy);
    if (!high.ok()) return high.status();
    marker.consensus_view = high->view;
    marker.consensus_seq = high->seq;
  }
  marker.created_at = options.now;
  // A last chance to cancel before the copy becomes a backup.
  if (options.progress && !options.progress(progress)) {
    return Status::Error("cancelled", "the backup was cancelled");
  }
  WriteBatch batch;
  batch.Put(keys::RestoreMarker(), EncodeRestoreMarker(marker));
  EVCHAIN_RETURN_IF_ERROR((*copy)->Write(batch, /*sync=*/true));
  return marker;
}

}  // namespace

std::string EncodeRestoreMarker(const RestoreMarker& m) {
  std::string out(1, static_cast<char>(kMarkerVersion));
  PutFixed64(out, m.height);
  PutFixed64(out, m.log_size);
  PutRaw(out, m.last_block_hash);
  PutFixed64(out, m.consensus_view);
  PutFixed64(out, m.consensus_seq);
  PutFixed64(out, static_cast<uint64_t>(m.created_at));
  return out;
}

Result<RestoreMarker> DecodeRestoreMarker(std::string_view value) {
  Reader r(value);
  RestoreMarker m;
  uint8_t version = 0;
  uint64_t created = 0;
  if (!r.Byte(&version) || version != kMarkerVersion || !r.Fixed64(&m.height) ||
      !r.Fixed64(&m.log_size) || !r.Array(&m.last_block_hash) || !r.Fixed64(&m.consensus_view) ||
      !r.Fixed64(&m.consensus_seq) || !r.Fixed64(&created) || !r.empty()) {
    return Corruption("restore marker");
  }
  m.created_at = static_cast<UnixMillis>(created);
  return m;
}

Result<std::optional<RestoreMarker>> ReadRestoreMarker(const KvStore& store) {
  Result<std::optional<std::string>> v = store.Get(keys::RestoreMarker());
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<RestoreMarker>();
  Result<RestoreMarker> m = DecodeRestoreMarker(**v);
  if (!m.ok()) return m.status();
  return std::optional<RestoreMarker>(*m);
}

Status ClearRestoreMarker(KvStore& store) {
  WriteBatch batch;
  batch.Delete(keys::RestoreMarker());
  return store.Write(batch, /*sync=*/true);
}

Result<RestoreMarker> CreateBackup(KvStore& store, const std::string& dir,
                                   const BackupOptions& options) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return Status::Error("exists", dir + " exists: a backup goes to a new directory");
  }
  Result<RestoreMarker> marker = CopyInto(store, dir, options);
  // Closed by now. A failed copy lacks its marker, which restore refuses; remove it anyway so
  // nobody mistakes it for a backup.
  if (!marker.ok()) std::filesystem::remove_all(dir, ec);
  return marker;
}

}  // namespace evchain::storage
