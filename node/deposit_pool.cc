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
  std::lock_guard lock(mu_);
  for (const Hash32& id : evidence_ids) {
    if (auto it = pending_.find(id); it != pending_.end()) it->second.durable = true;
  }
}

DepositPool::Durability DepositPool::CheckDurable(const std::vector<Hash32>& evidence_ids) const {
  Durability d;
  std::lock_guard lock(mu_);
  for (const Hash32& id : evidence_ids) {
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      d.left.push_back(id);
    } else if (!it->second.durable) {
      d.undecided = true;
    }
  }
  return d;
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
  return waited;
}

}  // namespace evchain::node
