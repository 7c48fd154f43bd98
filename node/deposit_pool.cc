#include "node/deposit_pool.h"

namespace evchain::node {

bool DepositPool::IsPending(const Hash32& evidence_id) const {
  std::lock_guard lock(mu_);
  return pending_.count(evidence_id) > 0;
}

size_t DepositPool::size() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

void DepositPool::MarkDurable(const std::vector<Hash32>& evidence_ids) {
  {
    std::lock_guard lock(mu_);
    for (const Hash32& id : evidence_ids) {
      if (auto it = pending_.find(id); it != pending_.end()) it->second.durable = true;
    }
  }
  durable_cv_.notify_all();
}

std::vector<Hash32> DepositPool::WaitDurable(const std::vector<Hash32>& evidence_ids,
                                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const auto undecided = [&] {
    for (const Hash32& id : evidence_ids) {
      auto it = pending_.find(id);
      if (it != pending_.end() && !it->second.durable) return true;
    }
    return false;
  };
  durable_cv_.wait_for(lock, timeout, [&] { return !undecided(); });
  std::vector<Hash32> not_durable;
  for (const Hash32& id : evidence_ids) {
    auto it = pending_.find(id);
    if (it == pending_.end() || !it->second.durable) not_durable.push_back(id);
  }
  return not_durable;
}

std::vector<double> DepositPool::MarkCommitted(const std::vector<Hash32>& evidence_ids) {
  std::vector<double> waited;
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    for (const auto& id : evidence_ids) {
      auto it = pending_.find(id);
      if (it == pending_.end()) continue;
      waited.push_back(std::chrono::duration<double>(now - it->second.admitted).count());
      nonces_.erase(std::make_pair(it->second.depositor, it->second.nonce));
      pending_.erase(it);
    }
  }
  durable_cv_.notify_all();  // copies waiting for these: they left the pool
  return waited;
}

}  // namespace evchain::node
