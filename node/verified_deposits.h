// The node's DepositCheckCache (consensus/deposit_check_cache.h): the keys of the deposits this
// validator verified, so that each is verified at most once, whichever way it arrives
// (admission, FORWARD, PRE-PREPARE, retransmission). Shared by the HTTP workers and every
// verifier thread; thread-safe.
//
// With each key it keeps what the check read of the statement (ledger::EntryFacts, ~150 bytes:
// ~12 MB at the node's capacity of 4 x max_pending = 80,000 keys), so a deposit met again is not
// parsed and hashed again either.
//
// Bounded: it keeps the `capacity` most recently verified keys (first in, first out). A deposit
// evicted before it commits is verified once more when it comes back; with capacity well above
// the pending pool (max_pending) that happens only to deposits that waited very long.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

#include "common/bytes.h"
#include "common/hash_order.h"
#include "consensus/deposit_check_cache.h"

namespace evchain::node {

class VerifiedDeposits final : public consensus::DepositCheckCache {
 public:
  // `committed(evidence_id)`: whether the deposit is in this node's log (thread-safe).
  VerifiedDeposits(size_t capacity, std::function<bool(const Hash32&)> committed);

  bool Begin(const Hash32& key, std::optional<ledger::EntryFacts>* facts) override;
  void Finish(const Hash32& key, bool ok, const ledger::EntryFacts* facts) override;
  bool Empty() override;
  void CountVerified(size_t entries) override { verified_ += entries; }
  bool Committed(const Hash32& evidence_id) override;

  // For entries the caller verified itself (the HTTP admission path): same as Begin, then
  // Finish(key, true, &facts) if Begin returned false. Returns Begin's answer.
  bool MarkVerified(const Hash32& key, const ledger::EntryFacts& facts);

  // Counts since start, for /metrics: signatures verified (deposits, one per entry), deposits
  // found already verified, FORWARDed deposits skipped because they are committed.
  uint64_t verified() const { return verified_.load(); }
  uint64_t cached() const { return cached_.load(); }
  uint64_t committed_skipped() const { return committed_skipped_.load(); }

 private:
  enum class State { kVerifying, kVerified };
  struct Slot {
    State state = State::kVerifying;
    std::optional<ledger::EntryFacts> facts;  // once kVerified, when Finish was given them
  };

  const size_t capacity_;
  const std::function<bool(const Hash32&)> committed_;
  std::mutex mu_;
  std::condition_variable finished_;
  Hash32HashMap<Slot> keys_;  // guarded by mu_; salted at random (common/hash_order.h)
  std::deque<Hash32> order_;  // verified keys, oldest first; mu_
  std::atomic<uint64_t> verified_{0}, cached_{0}, committed_skipped_{0};
};

}  // namespace evchain::node
