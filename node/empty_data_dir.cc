#include "node/empty_data_dir.h"

#include <string_view>

#include "storage/keys.h"

namespace evchain::node {
namespace {

constexpr std::string_view kRecord = "empty_data_dir";
constexpr std::string_view kChecking = "checking";
constexpr std::string_view kVotedBefore = "voted_before";

Status PutRecord(storage::KvStore& store, std::string_view value) {
  storage::WriteBatch batch;
  batch.Put(storage::keys::Meta(kRecord), value);
  return store.Write(batch, /*sync=*/true);
}

}  // namespace

Result<EmptyDataDir> CheckEmptyDataDir(storage::KvStore& store, bool nothing_yet, uint64_t height) {
  auto existing = store.Get(storage::keys::Meta(kRecord));
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    if (**existing == kVotedBefore) return EmptyDataDir::kVotedBefore;
    if (**existing != kChecking) {
      return Status::Error("corruption",
                           "the data directory's record \"empty_data_dir\" is neither "
                           "\"checking\" nor \"voted_before\"");
    }
    if (height == 0) return EmptyDataDir::kChecking;
    EVCHAIN_RETURN_IF_ERROR(PutRecord(store, kVotedBefore));
    return EmptyDataDir::kVotedBefore;
  }
  if (!nothing_yet) return EmptyDataDir::kNo;
  EVCHAIN_RETURN_IF_ERROR(PutRecord(store, kChecking));
  return EmptyDataDir::kChecking;
}

Status RecordVotedBefore(storage::KvStore& store) { return PutRecord(store, kVotedBefore); }

Status ClearEmptyDataDirRecord(storage::KvStore& store) {
  storage::WriteBatch batch;
  batch.Delete(storage::keys::Meta(kRecord));
  return store.Write(batch, /*sync=*/true);
}

}  // namespace evchain::node
