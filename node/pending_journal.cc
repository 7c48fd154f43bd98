#include "node/pending_journal.h"

#include "consensus/message.h"
#include "crypto/sha256.h"
#include "node/hash_salt.h"
#include "proto/consensus.pb.h"
#include "storage/keys.h"

namespace evchain::node {
namespace {

constexpr std::string_view kPendingPrefix = PendingJournal::kKeyPrefix;

std::string PendingKey(const Hash32& evidence_id) {
  return storage::keys::Meta(std::string(kPendingPrefix) + std::string(AsChars(evidence_id)));
}

}  // namespace

PendingJournal::PendingJournal(storage::KvStore* store)
    : store_(store), held_(0, Hash32Hasher(RandomHashSalt())) {}

Status PendingJournal::Add(const std::vector<ledger::Entry>& entries,
                           const std::vector<Hash32>& evidence_ids) {
  if (entries.size() != evidence_ids.size()) {
    return Status::Error("internal", "pending deposits and their ids differ in number");
  }
  storage::WriteBatch batch;
  consensus::pb::Deposit deposit;
  std::string bytes;
  for (size_t i = 0; i < entries.size(); ++i) {
    deposit.Clear();
    consensus::ToProto(entries[i], &deposit);
    if (!deposit.SerializeToString(&bytes)) {
      return Status::Error("internal", "cannot encode a pending deposit");
    }
    batch.Put(PendingKey(evidence_ids[i]), bytes);
  }
  if (batch.empty()) return Status::Ok();
  EVCHAIN_RETURN_IF_ERROR(store_->Write(batch, /*sync=*/true));
  std::lock_guard lock(held_mu_);
  held_.insert(evidence_ids.begin(), evidence_ids.end());
  return Status::Ok();
}

Status PendingJournal::Remove(const std::vector<Hash32>& evidence_ids) {
  storage::WriteBatch batch;
  {
    std::lock_guard lock(held_mu_);
    for (const Hash32& id : evidence_ids) {
      if (held_.erase(id) != 0) batch.Delete(PendingKey(id));
    }
  }
  if (batch.empty()) return Status::Ok();
  return store_->Write(batch, /*sync=*/false);
}

Result<std::vector<ledger::Entry>> PendingJournal::Load(const genesis::Genesis& genesis,
                                                        size_t* dropped) {
  *dropped = 0;
  const std::string prefix = storage::keys::Meta(kPendingPrefix);
  std::vector<ledger::Entry> entries;
  storage::WriteBatch bad;
  std::unique_ptr<storage::Iterator> it = store_->NewIterator();
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    consensus::pb::Deposit deposit;
    Result<ledger::Entry> entry = Status::Error("malformed", "pending deposit");
    if (deposit.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      entry = consensus::FromProto(deposit);
    }
    const Hash32 id = entry.ok() ? crypto::Sha256(entry->statement) : Hash32{};
    if (!entry.ok() || it->key() != PendingKey(id) ||
        !consensus::VerifyDeposits(genesis, {*entry}).ok()) {
      ++*dropped;
      bad.Delete(it->key());
      continue;
    }
    {
      std::lock_guard lock(held_mu_);
      held_.insert(id);
    }
    entries.push_back(std::move(*entry));
  }
  // Acknowledged deposits may be in a block the scan skipped: refuse to start without them.
  EVCHAIN_RETURN_IF_ERROR(it->status());
  if (!bad.empty()) EVCHAIN_RETURN_IF_ERROR(store_->Write(bad, /*sync=*/false));
  return entries;
}

}  // namespace evchain::node
