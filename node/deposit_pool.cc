#include "node/deposit_pool.h"

#include "crypto/sha256.h"
#include "node/hash_salt.h"

namespace evchain::node {

DepositPool::DepositPool(size_t max_pending)
    : max_pending_(max_pending),
      pending_(0, Hash32Hasher(RandomHashSalt())),
      nonces_(0, pending_.hash_function()) {}

Hash32 DepositPool::NonceKey(std::string_view depositor, std::string_view nonce) {
  Bytes key;
  key.reserve(16 + depositor.size() + nonce.size());
  PutU64BE(key, depositor.size());
  Append(key, depositor);
  PutU64BE(key, nonce.size());
  Append(key, nonce);
  return crypto::Sha256(key);
}

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
      nonces_.erase(it->second.nonce_key);
      pending_.erase(it);
    }
  }
  return waited;
}

}  // namespace evchain::node
