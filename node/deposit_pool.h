// The node-side view of deposits accepted over HTTP and not yet committed: answers IsPending,
// detects nonce conflicts against pending deposits and bounds the pool. Thread-safe: HTTP worker
// threads and the consensus strand share it (through node/admission.h).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/hash_order.h"
#include "common/status.h"
#include "ledger/block.h"

namespace evchain::node {

class DepositPool {
 public:
  // The hash tables' salt is drawn from the OS random source (common/hash_order.h).
  explicit DepositPool(size_t max_pending);

  struct Admitted {
    std::vector<ledger::Entry> fresh;  // entries not pending before (to hand to consensus)
    // Their facts (evidence id, digest, depositor, nonce), in the same order.
    std::vector<ledger::EntryFacts> fresh_facts;
    // Entries pending from an earlier Admit whose journal write has not finished: not to be
    // acknowledged before it has (Durability).
    std::vector<Hash32> not_yet_durable;
  };
  // REQUIRES: every entry's statement is canonical and its signature checked; `facts`, when
  // given, has one element per entry, ledger::FactsOfEntry of it (the HTTP handler's): the
  // statements are then not scanned and hashed here.
  // `committed_conflict` tells whether (depositor, nonce) is committed with another statement
  // (bool, or Result<bool> whose error is returned as it is). Errors: "nonce_conflict",
  // "overloaded", committed_conflict's. Nothing is admitted on error.
  template <typename CommittedConflict>
  Result<Admitted> Admit(const std::vector<ledger::Entry>& entries,
                         CommittedConflict&& committed_conflict,
                         const std::vector<ledger::EntryFacts>* facts = nullptr);

  // The journal write of these pending entries finished: copies admitted later are
  // acknowledged at once.
  void MarkDurable(const std::vector<Hash32>& evidence_ids);
  // Where the journal writes of `evidence_ids` stand: `undecided` while any of them is pending
  // and not yet durable; `left` lists those no longer pending that never became durable here
  // (committed meanwhile, or dropped after their journal write failed: the caller tells which).
  struct Durability {
    bool undecided = false;
    std::vector<Hash32> left;
  };
  Durability CheckDurable(const std::vector<Hash32>& evidence_ids) const;

  bool IsPending(const Hash32& evidence_id) const;
  size_t size() const;
  // Called by the commit path after the block is durable. Returns, for each id that was
  // pending, the seconds it waited (for the commit-latency histogram).
  std::vector<double> MarkCommitted(const std::vector<Hash32>& evidence_ids);

 private:
  // Admit's checks and insertion under mu_ (held by the caller).
  template <typename Parsed>
  Status AdmitLocked(const std::vector<Parsed>& parsed, const std::vector<ledger::Entry>& entries,
                     Admitted* out, std::vector<size_t>* fresh_indexes);

  struct Pending {
    Hash32 nonce_key;  // NonceKey of its (depositor, nonce)
    std::chrono::steady_clock::time_point admitted;
    bool durable = false;  // its journal write finished
  };
  // (depositor, nonce) as one hash key: SHA-256 of both, each length-prefixed. A nonce of any
  // length then costs one table probe instead of a walk comparing strings.
  static Hash32 NonceKey(std::string_view depositor, std::string_view nonce);

  const size_t max_pending_;
  mutable std::mutex mu_;
  Hash32HashMap<Pending> pending_;  // evidence id -> its nonce
  Hash32HashMap<Hash32> nonces_;    // NonceKey -> evidence id
};

}  // namespace evchain::node

#include "node/deposit_pool_inl.h"
