// The node-side view of deposits accepted over HTTP and not yet committed: answers IsPending,
// detects nonce conflicts against pending deposits and bounds the pool. Thread-safe: HTTP worker
// threads and the consensus strand share it (through node/admission.h).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "ledger/block.h"

namespace evchain::node {

class DepositPool {
 public:
  explicit DepositPool(size_t max_pending) : max_pending_(max_pending) {}

  struct Admitted {
    std::vector<ledger::Entry> fresh;  // entries not pending before (to hand to consensus)
  };
  // REQUIRES: every entry's statement is canonical and its signature checked.
  // `committed_nonce` tells whether (depositor, nonce) is committed with another statement.
  // Errors: "nonce_conflict", "overloaded". Nothing is admitted on error.
  template <typename CommittedConflict>
  Result<Admitted> Admit(const std::vector<ledger::Entry>& entries,
                         CommittedConflict&& committed_conflict);

  bool IsPending(const Hash32& evidence_id) const;
  size_t size() const;
  // Called by the commit path after the block is durable. Returns, for each id that was
  // pending, the seconds it waited (for the commit-latency histogram).
  std::vector<double> MarkCommitted(const std::vector<Hash32>& evidence_ids);

 private:
  struct Pending {
    std::string depositor;
    std::string nonce;
    std::chrono::steady_clock::time_point admitted;
  };
  const size_t max_pending_;
  mutable std::mutex mu_;
  std::map<Hash32, Pending> pending_;                             // evidence id -> key
  std::map<std::pair<std::string, std::string>, Hash32> nonces_;  // (depositor, nonce) -> id
};

}  // namespace evchain::node

#include "node/deposit_pool_inl.h"
