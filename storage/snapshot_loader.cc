// LoadSnapshot (storage/snapshot.h) and the snapshot file reader (storage/snapshot_io.h).
//
// The loader writes exactly the records EvidenceLog::AppendBlock would have written for the same
// blocks (docs/storage-format.md "Keys"; tests/tools/snapshot_test.cc compares the two stores
// key by key), but in large batches, each synced, and one commit at the end: a snapshot is
// loaded into a fresh directory that the caller discards on any error, so no per-block commit is
// needed.
// Verification and encoding run on the calling thread while a second thread writes the previous
// chunk into LevelDB. The index keys (random hashes) go through an external sort and are written
// last, in key order: LevelDB then moves its tables down the levels without merging them, where
// keys written as they come made its compactions rewrite the index over and over (restore of
// 10M entries: docs/benchmarks.md "Snapshot restore").
#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "ledger/certificate.h"
#include "ledger/leaf.h"
#include "storage/backup.h"
#include "storage/codec.h"
#include "storage/key_sorter.h"
#include "storage/keys.h"
#include "storage/proof_chunk.h"
#include "storage/records.h"
#include "storage/snapshot.h"
#include "storage/snapshot_io.h"
#include "storage/statement_fields.h"

namespace evchain::storage {

// ---- SnapshotReader

bool SnapshotReader::Fill(size_t n) {
  if (end_ - pos_ >= n) return true;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() < n) buf_.resize(n);
  while (end_ < n) {
    const size_t got = std::fread(buf_.data() + end_, 1, buf_.size() - end_, in_);
    if (got == 0) {
      read_error_ = std::ferror(in_) != 0;
      return false;
    }
    end_ += got;
  }
  return true;
}

Status SnapshotReader::Truncated(std::string_view what) const {
  if (read_error_) return Status::Error("io_error", "cannot read the snapshot file");
  // Where the file ends: what was consumed and what is buffered but not yet consumed.
  const uint64_t ends_at = offset_ + (end_ - pos_);
  return Status::Error("bad_snapshot", "the file ends at byte " + std::to_string(ends_at) +
                                           " inside " + std::string(what) + ": truncated");
}

Result<std::string_view> SnapshotReader::Take(size_t n, std::string_view what) {
  if (!Fill(n)) return Truncated(what);
  std::string_view out(buf_.data() + pos_, n);
  pos_ += n;
  offset_ += n;
  return out;
}

Result<std::string_view> SnapshotReader::Frame(size_t max, std::string_view what) {
  uint64_t length = 0;
  for (int shift = 0;; shift += 7) {
    Result<std::string_view> byte = Take(1, what);
    if (!byte.ok()) return byte.status();
    const auto b = static_cast<uint8_t>((*byte)[0]);
    if (shift > 28 || (b == 0 && shift > 0)) {
      return Status::Error("bad_snapshot", "bad length of " + std::string(what) + " at byte " +
                                               std::to_string(offset_ - 1));
    }
    length |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  if (length > max) {
    return Status::Error("bad_snapshot", std::string(what) + " of " + std::to_string(length) +
                                             " bytes at byte " + std::to_string(offset_) +
                                             " exceeds the limit of " + std::to_string(max));
  }
  return Take(static_cast<size_t>(length), what);
}

Result<SnapshotInfo> SnapshotReader::Header() {
  const Status not_snapshot =
      Status::Error("bad_snapshot", "not an evchain snapshot (no EVCHAIN-SNAPSHOT header)");
  Result<std::string_view> magic = Take(kSnapshotMagic.size(), "the header");
  if (!magic.ok()) {
    // Shorter than the header's first line: truncated only if what is there begins it.
    const std::string_view got(buf_.data() + pos_, end_ - pos_);
    if (!read_error_ && !kSnapshotMagic.starts_with(got)) return not_snapshot;
    return magic.status();
  }
  if (*magic != kSnapshotMagic) return not_snapshot;
  Result<std::string_view> fixed = Take(4 + 8, "the header");
  if (!fixed.ok()) return fixed.status();
  SnapshotInfo info;
  info.version = 0;
  for (int i = 0; i < 4; ++i)
    info.version = (info.version << 8) | static_cast<uint8_t>((*fixed)[i]);
  if (info.version != kSnapshotVersion) {
    return Status::Error("bad_snapshot", "snapshot format version " + std::to_string(info.version) +
                                             " (this evchain reads version " +
                                             std::to_string(kSnapshotVersion) + ")");
  }
  uint64_t created = 0;
  for (int i = 4; i < 12; ++i) created = (created << 8) | static_cast<uint8_t>((*fixed)[i]);
  info.created_at = static_cast<UnixMillis>(created);
  Result<std::string_view> header = Frame(kMaxHeaderBytes, "the tip header");
  if (!header.ok()) return header.status();
  Result<ledger::BlockHeader> tip = ledger::BlockHeader::Decode(AsBytes(*header));
  if (!tip.ok()) return Status::Error("bad_snapshot", "tip header: " + tip.status().message());
  info.tip = *tip;
  info.tip_hash = info.tip.Hash();
  Result<std::string_view> certificate = Frame(kMaxCertificateBytes, "the tip certificate");
  if (!certificate.ok()) return certificate.status();
  info.tip_certificate = std::string(*certificate);
  return info;
}

Status SnapshotReader::End() {
  Result<std::string_view> end = Take(kSnapshotEnd.size(), "the end mark");
  if (!end.ok()) return end.status();
  if (*end != kSnapshotEnd) {
    return Status::Error("bad_snapshot", "no end mark after the last entry (byte " +
                                             std::to_string(offset_ - kSnapshotEnd.size()) + ")");
  }
  if (Fill(1)) {
    return Status::Error("bad_snapshot",
                         "bytes after the end mark (byte " + std::to_string(offset_) + ")");
  }
  if (read_error_) return Status::Error("io_error", "cannot read the snapshot file");
  return Status::Ok();
}

namespace {

// A chunk of the load is flushed to the writer thread at about this many companion bytes.
constexpr size_t kChunkBytes = 8 << 20;
// Index keys per sorted run (34 MiB of memory, 51 bytes of temporary disk per entry in all) and
// per batch when writing them back in order.
constexpr size_t kSortRunKeys = 2 << 20;
constexpr size_t kIndexBatchKeys = 256 << 10;

// Writes chunks on its own thread, one behind the caller; the first error sticks.
class ChunkWriter {
 public:
  struct Chunk {
    WriteBatch companion;
    WriteBatch index;
  };

  explicit ChunkWriter(KvStore& store) : store_(store), thread_([this] { Run(); }) {}
  // On an early return the load has failed already: a write error then adds nothing.
  ~ChunkWriter() { static_cast<void>(Close()); }

  // Blocks while one chunk is already waiting (bounded memory: two chunks in flight).
  Status Push(Chunk chunk) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return queue_.empty() || !status_.ok(); });
    if (!status_.ok()) return status_;
    queue_.push_back(std::move(chunk));
    cv_.notify_all();
    return Status::Ok();
  }

  // Waits for every chunk to be written; returns the first error.
  Status Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  void Run() {
    for (;;) {
      Chunk chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) return;
        chunk = std::move(queue_.front());
      }
      // Synced, each: LevelDB makes an unsynced write durable with a later synced one only
      // within one write-ahead log file, and it starts a new one (closing the old without an
      // fsync) whenever a memtable fills, which a restore does many times. The final commit
      // (state and restore marker) could then be on disk over records that are not. On the
      // writer thread, one chunk behind the verification, so the fsyncs mostly overlap it.
      // An empty batch is skipped: synced, it would still cost an fsync.
      Status s;
      if (!chunk.companion.empty()) s = store_.Sequential()->Write(chunk.companion, /*sync=*/true);
      if (s.ok() && !chunk.index.empty()) s = store_.Write(chunk.index, /*sync=*/true);
      std::lock_guard<std::mutex> lock(mu_);
      queue_.pop_front();
      if (!s.ok() && status_.ok()) status_ = s;
      cv_.notify_all();
      if (!status_.ok()) return;
    }
  }

  KvStore& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> queue_;
  bool closed_ = false;
  Status status_;
  std::thread thread_;  // last: started once the rest is initialised
};

Status Failed(const char* code, uint64_t height, const std::string& what) {
  return Status::Error(code, "block " + std::to_string(height) + ": " + what);
}

bool StoreIsEmpty(KvStore& store) {
  std::unique_ptr<Iterator> it = store.NewIterator();
  it->Seek("");
  return !it->Valid() && it->status().ok();  // a store it cannot read is not empty
}

// The verification and encoding state of a load, block by block.
class Loader {
 public:
  Loader(const genesis::Genesis& genesis, KvStore& store, const std::string& sort_dir,
         const SnapshotProgress& progress, const SnapshotProgress& index_progress)
      : genesis_(genesis),
        store_(store),
        writer_(store),
        sorter_(sort_dir, kSortRunKeys),
        progress_(progress),
        index_progress_(index_progress) {
    chunk_.companion.Reserve(kChunkBytes + (1 << 20));
  }

  // Checks block `header` against the one before it and its certificate's body.
  Status BeginBlock(const ledger::BlockHeader& header, std::string_view certificate) {
    const uint64_t h = height_ + 1;
    if (header.height != h) {
      return Failed("chain_mismatch", h, "the file holds height " + std::to_string(header.height));
    }
    const Hash32& want_prev = h == 1 ? genesis_.hash : prev_hash_;
    if (header.prev_hash != want_prev) {
      return Failed("chain_mismatch", h,
                    h == 1 ? "prev_hash is not the genesis hash (a snapshot of another chain?)"
                           : "prev_hash is not the hash of block " + std::to_string(h - 1));
    }
    if (header.log_size < frontier_.size()) {
      return Failed("chain_mismatch", h, "log_size goes backwards");
    }
    Result<crypto::Note> note = crypto::ParseNote(certificate);
    if (!note.ok() || note->text != ledger::CheckpointText(header)) {
      return Failed("chain_mismatch", h, "its certificate is not its header's checkpoint");
    }
    header_ = header;
    block_hash_ = header.Hash();
    first_index_ = frontier_.size();
    certificate_.assign(certificate);
    return Status::Ok();
  }

  uint64_t EntriesLeftInBlock() const { return header_.log_size - frontier_.size(); }

  Status AddEntry(std::string_view record) {
    const uint64_t index = frontier_.size();
    if (Status s = DecodeEntryRecord(record, &entry_, &leaf_bytes_); !s.ok()) {
      return Failed("bad_snapshot", header_.height,
                    "entry " + std::to_string(index) + ": " + s.message());
    }
    Result<ledger::Leaf> leaf = ledger::Leaf::Decode(leaf_bytes_);
    if (!leaf.ok()) {
      return Failed("bad_leaf", header_.height,
                    "entry " + std::to_string(index) + ": " + leaf.status().message());
    }
    Result<StatementFields> statement = ScanDepositStatement(entry_.statement);
    if (!statement.ok()) {
      return Failed("bad_statement", header_.height,
                    "entry " + std::to_string(index) + ": " + statement.status().message());
    }
    if (leaf->statement_hash != crypto::Sha256(entry_.statement) ||
        leaf->digest != statement->digest || leaf->block_height != header_.height) {
      return Failed("bad_leaf", header_.height,
                    "entry " + std::to_string(index) + ": its leaf does not name its statement");
    }
    keys::Entry(index, &key_);
    chunk_.companion.Put(key_, record);
    EVCHAIN_RETURN_IF_ERROR(AddIndexKey(keys::kDigest, leaf->digest, index));
    EVCHAIN_RETURN_IF_ERROR(AddIndexKey(keys::kEvidenceId, leaf->statement_hash, index));
    keys::NonceName(statement->depositor, statement->nonce, &nonce_name_);
    EVCHAIN_RETURN_IF_ERROR(AddIndexKey(keys::kNonce, crypto::Sha256(nonce_name_), index));
    // The nodes and proof-chunk records EvidenceLog::AppendBlock writes (storage/proof_chunk.h).
    frontier_.AppendLeafHash(crypto::LeafHash(leaf_bytes_),
                             [&](const crypto::NodeId& id, const Hash32& hash) {
                               keys::Node(id.level, id.index, &key_);
                               chunk_.companion.Put(key_, AsChars(hash));
                               if (ProofChunk::Holds(id)) proof_chunk_->Set(id, hash);
                               if (id.level == ProofChunk::kLevel) {
                                 keys::Chunk(id.index, &key_);
                                 chunk_.companion.Put(key_, proof_chunk_->record());
                               }
                             });
    companion_bytes_ += record.size() + 48;
    // Also inside a block: a block of any size (or a file that claims one) costs two chunks of
    // memory at most. Nothing is committed before Finish, so a chunk may end anywhere.
    if (companion_bytes_ >= kChunkBytes) return Flush();
    return Status::Ok();
  }

  // After the block's last entry: its root, then its block records.
  Status EndBlock() {
    if (frontier_.Root() != header_.log_root) {
      return Failed("root_mismatch", header_.height,
                    "the root of entries [0, " + std::to_string(frontier_.size()) +
                        ") is not the one its header names");
    }
    BlockRecord record;
    record.header = header_.Encode();
    record.hash = block_hash_;
    record.first_index = first_index_;
    record.entry_count = frontier_.size() - first_index_;
    record.certificate = certificate_;
    chunk_.index.Put(keys::Block(header_.height), EncodeBlockRecord(record));
    if (record.entry_count > 0) {
      std::string value;
      PutFixed64(value, header_.height);
      chunk_.index.Put(keys::BlockEnd(frontier_.size() - 1), value);
    }
    companion_bytes_ += record.certificate.size() + record.header.size();
    height_ = header_.height;
    prev_hash_ = block_hash_;
    if (companion_bytes_ >= kChunkBytes) return Flush();
    return Status::Ok();
  }

  // Writes what is left and the index keys in order, then the log state and the restore
  // marker, synced.
  Status Finish(const SnapshotInfo& info) {
    EVCHAIN_RETURN_IF_ERROR(Flush());
    EVCHAIN_RETURN_IF_ERROR(WriteIndexKeys());
    // Every chunk was written synced (ChunkWriter): the commit goes over durable records only.
    EVCHAIN_RETURN_IF_ERROR(writer_.Close());
    KvStore& store = store_;
    RestoreMarker marker;
    marker.height = height_;
    marker.log_size = frontier_.size();
    marker.last_block_hash = prev_hash_;
    marker.created_at = info.created_at;  // no consensus records: view and seq stay 0
    WriteBatch commit;
    commit.Put(keys::State(), EncodeLogState(LogState{height_, frontier_.size(), prev_hash_}));
    commit.Put(keys::RestoreMarker(), EncodeRestoreMarker(marker));
    return store.Write(commit, /*sync=*/true);
  }

  uint64_t height() const { return height_; }
  const Hash32& last_hash() const { return prev_hash_; }
  uint64_t entries() const { return frontier_.size(); }

 private:
  Status AddIndexKey(char kind, const Hash32& hash, uint64_t index) {
    keys::Index(kind, hash, index, &key_);
    KeySorter::Key k;
    std::copy(key_.begin(), key_.end(), k.begin());
    Status added = sorter_.Add(k);
    if (!added.ok()) return Status::Error("io_error", added.message());
    return Status::Ok();
  }

  // Every index key, ascending, in batches through the writer thread while this one merges.
  Status WriteIndexKeys() {
    Status finished = sorter_.Finish();
    if (!finished.ok()) return Status::Error("io_error", finished.message());
    const uint64_t total = sorter_.added();
    uint64_t written = 0;
    KeySorter::Key k;
    ChunkWriter::Chunk batch;
    while (sorter_.Next(&k)) {
      batch.index.Put(std::string_view(k.data(), k.size()), "");
      if (++written % kIndexBatchKeys == 0) {
        EVCHAIN_RETURN_IF_ERROR(writer_.Push(std::move(batch)));
        batch = ChunkWriter::Chunk();
        if (index_progress_) index_progress_(written * frontier_.size() / total);
      }
    }
    if (!sorter_.status().ok()) return Status::Error("io_error", sorter_.status().message());
    EVCHAIN_RETURN_IF_ERROR(writer_.Push(std::move(batch)));
    if (index_progress_) index_progress_(frontier_.size());
    return Status::Ok();
  }

  Status Flush() {
    EVCHAIN_RETURN_IF_ERROR(writer_.Push(std::move(chunk_)));
    chunk_ = ChunkWriter::Chunk();
    chunk_.companion.Reserve(kChunkBytes + (1 << 20));
    companion_bytes_ = 0;
    if (progress_) progress_(frontier_.size());
    return Status::Ok();
  }
  const genesis::Genesis& genesis_;
  KvStore& store_;
  ChunkWriter writer_;
  KeySorter sorter_;
  const SnapshotProgress& progress_;
  const SnapshotProgress& index_progress_;
  crypto::MerkleFrontier frontier_;
  // The nodes of levels 1-9 of the chunk the next leaf goes into.
  std::unique_ptr<ProofChunk> proof_chunk_ = std::make_unique<ProofChunk>();
  uint64_t height_ = 0;
  Hash32 prev_hash_{};
  ledger::BlockHeader header_;
  Hash32 block_hash_{};
  uint64_t first_index_ = 0;
  std::string certificate_;  // copied: the reader's views die at its next read
  ChunkWriter::Chunk chunk_;
  size_t companion_bytes_ = 0;
  ledger::Entry entry_;
  Bytes leaf_bytes_;
  std::string key_;
  std::string nonce_name_;
};

}  // namespace

Result<SnapshotInfo> LoadSnapshot(std::FILE* in, const genesis::Genesis& genesis, KvStore& store,
                                  const SnapshotProgress& progress, const std::string& sort_dir,
                                  const SnapshotProgress& index_progress) {
  if (store.Sequential() == nullptr || !StoreIsEmpty(store) || !StoreIsEmpty(*store.Sequential())) {
    return Status::Error("not_empty", "a snapshot loads only into an empty data directory");
  }
  SnapshotReader reader(in);
  Result<SnapshotInfo> info = reader.Header();
  if (!info.ok()) return info.status();
  const ledger::BlockHeader& tip = info->tip;
  // The certificate first: a file of another chain or with a forged tip is refused before
  // anything is read past the header.
  if (tip.chain_id != genesis.chain_id) {
    return Status::Error("wrong_chain", "the snapshot is of chain '" + tip.chain_id +
                                            "', the genesis of '" + genesis.chain_id + "'");
  }
  Result<ledger::VerifiedCertificate> cert =
      ledger::VerifyCertificate(info->tip_certificate, genesis);
  if (!cert.ok()) {
    return Status::Error("bad_certificate",
                         "the certificate of the tip (block " + std::to_string(tip.height) +
                             ") does not verify against the genesis: " + cert.status().ToString());
  }
  const ledger::CheckpointInfo& cp = cert->checkpoint;
  if (cp.height != tip.height || cp.tree_size != tip.log_size || cp.root != tip.log_root ||
      cp.block_hash != info->tip_hash || cp.time != tip.time || cp.chain_id != tip.chain_id) {
    return Status::Error("chain_mismatch",
                         "the tip's certificate certifies another block (height " +
                             std::to_string(cp.height) + ", size " + std::to_string(cp.tree_size) +
                             ") than the tip header");
  }

  Loader loader(genesis, store, SortDirectory(sort_dir), progress, index_progress);
  for (uint64_t h = 1; h <= tip.height; ++h) {
    const std::string what = "block " + std::to_string(h);
    Result<std::string_view> header_bytes = reader.Frame(kMaxHeaderBytes, what);
    if (!header_bytes.ok()) return header_bytes.status();
    Result<ledger::BlockHeader> header = ledger::BlockHeader::Decode(AsBytes(*header_bytes));
    if (!header.ok()) return Failed("bad_snapshot", h, "header: " + header.status().message());
    Result<std::string_view> certificate = reader.Frame(kMaxCertificateBytes, what);
    if (!certificate.ok()) return certificate.status();
    EVCHAIN_RETURN_IF_ERROR(loader.BeginBlock(*header, *certificate));
    if (h == tip.height && header->Hash() != info->tip_hash) {
      return Failed("chain_mismatch", h, "the last block is not the certified tip");
    }
    for (uint64_t left = loader.EntriesLeftInBlock(); left > 0; --left) {
      Result<std::string_view> record =
          reader.Frame(kMaxEntryRecordBytes, "entry " + std::to_string(loader.entries()));
      if (!record.ok()) return record.status();
      EVCHAIN_RETURN_IF_ERROR(loader.AddEntry(*record));
    }
    EVCHAIN_RETURN_IF_ERROR(loader.EndBlock());
  }
  EVCHAIN_RETURN_IF_ERROR(reader.End());
  EVCHAIN_RETURN_IF_ERROR(loader.Finish(*info));
  if (progress) progress(loader.entries());
  return info;
}

}  // namespace evchain::storage
