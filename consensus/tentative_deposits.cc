#include "consensus/tentative_deposits.h"

#include <algorithm>

#include "common/hash_order.h"

namespace evchain::consensus {

void TentativeDeposits::Add(const Proposal& p) {
  ids_.insert(ids_.end(), p.evidence_ids.begin(), p.evidence_ids.end());
  for (size_t i = 0; i < p.nonces.size(); ++i) {
    nonces_.emplace_back(ViewOf(p.nonces[i]), p.evidence_ids[i]);
  }
}

void TentativeDeposits::Seal() {
  std::sort(ids_.begin(), ids_.end(), Hash32Less());
  // Stable: of two entries with one nonce, the one added first (the lower block) holds it.
  std::stable_sort(nonces_.begin(), nonces_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

bool TentativeDeposits::HasId(const Hash32& id) const {
  return std::binary_search(ids_.begin(), ids_.end(), id, Hash32Less());
}

const Hash32* TentativeDeposits::NonceHolder(const NonceView& nonce) const {
  const auto it =
      std::lower_bound(nonces_.begin(), nonces_.end(), nonce,
                       [](const auto& entry, const NonceView& n) { return entry.first < n; });
  return it != nonces_.end() && it->first == nonce ? &it->second : nullptr;
}

}  // namespace evchain::consensus
