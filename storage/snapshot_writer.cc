// WriteSnapshot and ReadSnapshotHeader: the file side of storage/snapshot.h (docs/snapshots.md
// "Format").
#include <memory>
#include <string>

#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "storage/snapshot.h"
#include "storage/snapshot_io.h"

namespace evchain::storage {
namespace {

// Progress is reported about this often (entries).
constexpr uint64_t kProgressEvery = 1 << 16;

Status WriteAll(std::FILE* out, std::string_view bytes) {
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size()) {
    return Status::Error("io_error", "cannot write the snapshot file");
  }
  return Status::Ok();
}

void PutLengthPrefixed(std::string& out, std::string_view bytes) {
  PutVarint(out, bytes.size());
  out.append(bytes);
}

// The block record at `it` (positioned on key b‖height), decoded.
Result<BlockRecord> BlockAt(Iterator& it, uint64_t height) {
  EVCHAIN_RETURN_IF_ERROR(it.status());
  if (!it.Valid() || it.key() != keys::Block(height)) {
    return Status::Error("corruption", "block " + std::to_string(height) + " is missing");
  }
  return DecodeBlockRecord(it.value());
}

}  // namespace

std::string EncodeSnapshotHeader(const SnapshotInfo& info) {
  std::string out(kSnapshotMagic);
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(info.version >> (8 * i)));
  PutFixed64(out, static_cast<uint64_t>(info.created_at));
  PutLengthPrefixed(out, AsChars(info.tip.Encode()));
  PutLengthPrefixed(out, info.tip_certificate);
  return out;
}

Result<SnapshotInfo> WriteSnapshot(const KvStore& store, std::FILE* out, UnixMillis now,
                                   const SnapshotProgress& progress) {
  KvStore* companion = const_cast<KvStore&>(store).Sequential();
  if (companion == nullptr) return Status::Error("corruption", "the store has no companion");
  // The index store first: a commit its snapshot holds either finished both writes before (so
  // the companion's later snapshot holds its entries) or still carries the pending marker `p`,
  // and then only the block before it is known complete (docs/storage-format.md).
  std::unique_ptr<Iterator> index = store.NewIterator();
  std::unique_ptr<Iterator> entries = companion->NewIterator();

  // Each Seek's status is checked: a scan steps over a block it cannot read, and would then
  // find a later key, or none, where the one sought is.
  index->Seek(keys::State());
  EVCHAIN_RETURN_IF_ERROR(index->status());
  if (!index->Valid() || index->key() != keys::State()) {
    return Status::Error("empty", "the log has no committed block: nothing to snapshot");
  }
  Result<LogState> state = DecodeLogState(index->value());
  if (!state.ok()) return state.status();
  index->Seek(keys::Pending());
  EVCHAIN_RETURN_IF_ERROR(index->status());
  const bool pending = index->Valid() && index->key() == keys::Pending();
  const uint64_t height = pending ? state->height - 1 : state->height;
  if (height == 0) {
    return Status::Error("empty", "the log has no committed block: nothing to snapshot");
  }

  SnapshotInfo info;
  info.created_at = now;
  index->Seek(keys::Block(height));
  Result<BlockRecord> tip = BlockAt(*index, height);
  if (!tip.ok()) return tip.status();
  Result<ledger::BlockHeader> tip_header = ledger::BlockHeader::Decode(tip->header);
  if (!tip_header.ok()) return Corruption("block header");
  info.tip = *tip_header;
  info.tip_hash = tip->hash;
  info.tip_certificate = tip->certificate;
  EVCHAIN_RETURN_IF_ERROR(WriteAll(out, EncodeSnapshotHeader(info)));

  std::string frame;
  uint64_t next_entry = 0;
  entries->Seek(keys::Entry(0));
  index->Seek(keys::Block(1));
  for (uint64_t h = 1; h <= height; ++h, index->Next()) {
    Result<BlockRecord> block = BlockAt(*index, h);
    if (!block.ok()) return block.status();
    if (block->first_index != next_entry) return Corruption("block record");
    frame.clear();
    PutLengthPrefixed(frame, AsChars(block->header));
    PutLengthPrefixed(frame, block->certificate);
    EVCHAIN_RETURN_IF_ERROR(WriteAll(out, frame));
    for (uint64_t i = 0; i < block->entry_count; ++i, ++next_entry) {
      // Merkle nodes (10-byte keys) sit between the entries: LoadSnapshot rebuilds them.
      while (entries->Valid() && entries->key().size() == keys::kNodeKeyBytes) entries->Next();
      if (!entries->Valid() || entries->key() != keys::Entry(next_entry)) {
        EVCHAIN_RETURN_IF_ERROR(entries->status());
        return Status::Error("corruption", "entry " + std::to_string(next_entry) + " is missing");
      }
      frame.clear();
      PutLengthPrefixed(frame, entries->value());
      EVCHAIN_RETURN_IF_ERROR(WriteAll(out, frame));
      entries->Next();
      if (progress && next_entry % kProgressEvery == 0) progress(next_entry);
    }
  }
  if (next_entry != info.tip.log_size) return Corruption("block records");
  EVCHAIN_RETURN_IF_ERROR(WriteAll(out, kSnapshotEnd));
  if (std::fflush(out) != 0) return Status::Error("io_error", "cannot write the snapshot file");
  if (progress) progress(next_entry);
  return info;
}

Result<SnapshotInfo> ReadSnapshotHeader(std::FILE* in) {
  SnapshotReader reader(in);
  return reader.Header();
}

}  // namespace evchain::storage
