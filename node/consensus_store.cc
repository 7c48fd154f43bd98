#include "node/consensus_store.h"

#include "storage/keys.h"

namespace evchain::node {
namespace {
constexpr std::string_view kConsensusPrefix = "c/";
}  // namespace

Status PersistConsensus(storage::KvStore& store, const std::vector<consensus::PersistOp>& ops) {
  if (ops.empty()) return Status::Ok();
  storage::WriteBatch batch;
  for (const auto& op : ops) {
    std::string key = storage::keys::Meta(std::string(kConsensusPrefix) + op.key);
    if (op.value) {
      batch.Put(key, *op.value);
    } else {
      batch.Delete(key);
    }
  }
  return store.Write(batch, /*sync=*/true);
}

Result<std::map<std::string, std::string>> LoadConsensusRecords(const storage::KvStore& store) {
  std::map<std::string, std::string> records;
  std::string prefix = storage::keys::Meta(kConsensusPrefix);
  auto it = store.NewIterator();
  for (it->Seek(prefix); it->Valid() && it->key().substr(0, prefix.size()) == prefix; it->Next()) {
    records.emplace(std::string(it->key().substr(prefix.size())), std::string(it->value()));
  }
  // Records missing from a damaged table could be votes this replica sent: it must not start
  // without them (it could vote again, differently).
  EVCHAIN_RETURN_IF_ERROR(it->status());
  return records;
}

}  // namespace evchain::node
