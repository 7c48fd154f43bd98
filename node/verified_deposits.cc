#include "node/verified_deposits.h"

#include <algorithm>

#include "node/hash_salt.h"

namespace evchain::node {

VerifiedDeposits::VerifiedDeposits(size_t capacity, std::function<bool(const Hash32&)> committed)
    : capacity_(std::max<size_t>(capacity, 1)),
      committed_(std::move(committed)),
      keys_(0, Hash32Hasher(RandomHashSalt())) {}

bool VerifiedDeposits::Begin(const Hash32& key, std::optional<ledger::EntryFacts>* facts) {
  std::unique_lock lock(mu_);
  for (;;) {
    auto [it, inserted] = keys_.try_emplace(key);
    if (inserted) return false;  // the caller verifies it
    if (it->second.state == State::kVerified) {
      ++cached_;
      if (facts != nullptr) *facts = it->second.facts;
      return true;
    }
    // Another thread is verifying this very entry (a FORWARD and a PRE-PREPARE carrying it
    // arrive together): wait for its answer. It holds no lock while verifying one entry and
    // never waits in between, so this wait is one signature check long.
    finished_.wait(lock);
  }
}

void VerifiedDeposits::Finish(const Hash32& key, bool ok, const ledger::EntryFacts* facts) {
  {
    std::lock_guard lock(mu_);
    auto it = keys_.find(key);
    if (it == keys_.end() || it->second.state != State::kVerifying) return;
    if (!ok) {
      keys_.erase(it);  // a waiter verifies it itself, and fails too
    } else {
      ++verified_;
      it->second.state = State::kVerified;
      if (facts != nullptr) it->second.facts = *facts;
      order_.push_back(key);
      while (order_.size() > capacity_) {
        keys_.erase(order_.front());
        order_.pop_front();
      }
    }
  }
  finished_.notify_all();
}

bool VerifiedDeposits::Empty() {
  std::lock_guard lock(mu_);
  return keys_.empty();
}

bool VerifiedDeposits::MarkVerified(const Hash32& key, const ledger::EntryFacts& facts) {
  if (Begin(key, nullptr)) return true;
  Finish(key, true, &facts);
  return false;
}

bool VerifiedDeposits::Committed(const Hash32& evidence_id) {
  if (!committed_(evidence_id)) return false;
  ++committed_skipped_;
  return true;
}

}  // namespace evchain::node
