// Deposits acknowledged over HTTP (202 "pending") and not yet committed, kept durable in the
// node's data directory: an acknowledged deposit survives a crash of every validator that holds
// it, and is proposed again after the restart. Keys: "m" "pending/" ‖ raw evidence id → the
// deposit as a consensus::pb::Deposit (proto/consensus.proto), docs/storage-format.md "m" keys and
// docs/node.md "Pending deposits".
#pragma once

#include <mutex>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/hash_order.h"
#include "common/status.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "storage/kv_store.h"

namespace evchain::node {

class PendingJournal {
 public:
  // The journal's keys are storage::keys::Meta(kKeyPrefix) followed by the raw evidence id.
  static constexpr std::string_view kKeyPrefix = "pending/";

  // `store` must outlive the journal.
  explicit PendingJournal(storage::KvStore* store);

  // Records `entries` in one synced write: durable when this returns Ok. `evidence_ids[i]` is
  // the evidence id of `entries[i]`, as admission computed it (a record filed under another id
  // is dropped by Load as damaged).
  Status Add(const std::vector<ledger::Entry>& entries, const std::vector<Hash32>& evidence_ids);
  // Forgets committed (or refused) deposits. Not synced: a removal lost in a crash only makes
  // the next start find the deposit committed and drop it then. Ids this journal does not hold
  // (every deposit of a block another validator's clients sent) cost no write at all. An id
  // removed while its Add is still writing stays recorded until the next start's Load, which
  // finds it committed: the same as a removal lost in a crash.
  Status Remove(const std::vector<Hash32>& evidence_ids);
  // Every recorded deposit whose signature still verifies against `genesis`, in evidence-id
  // order. A record that does not decode or verify is dropped from the journal and counted in
  // `*dropped` (a damaged record cannot be proposed; the depositor's copy can be resent).
  Result<std::vector<ledger::Entry>> Load(const genesis::Genesis& genesis, size_t* dropped);

 private:
  storage::KvStore* store_;
  // The ids recorded (by Add, or found by Load) and not yet removed: the journal's keys, kept in
  // memory so that Remove writes deletions only for them. At most max_pending plus the
  // deposits a restart keeps for later, 32 bytes each.
  std::mutex held_mu_;
  Hash32HashSet held_;  // guarded by held_mu_
};

}  // namespace evchain::node
