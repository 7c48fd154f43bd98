#include "consensus/request_pool.h"

#include <vector>

namespace evchain::consensus {

bool RequestPool::Add(const ledger::Entry& entry, const Hash32& id, DepositorNonce nonce,
                      UnixMillis now) {
  if (items_.count(id)) return false;
  Item item{entry, std::move(nonce), next_order_++, now, now};
  by_order_.emplace(item.order, id);
  by_nonce_.emplace(item.nonce, id);
  items_.emplace(id, std::move(item));
  return true;
}

bool RequestPool::RemoveCommitted(const Hash32& id, const DepositorNonce& nonce) {
  const auto it = items_.find(id);
  const bool pooled = it != items_.end();
  if (pooled) Remove(it);
  auto [from, to] = by_nonce_.equal_range(nonce);
  std::vector<Hash32> losers;
  for (auto jt = from; jt != to; ++jt) losers.push_back(jt->second);
  for (const Hash32& loser : losers) Remove(items_.find(loser));
  return pooled;
}

// REQUIRES: it points into items_.
void RequestPool::Remove(Hash32Map<Item>::iterator it) {
  const Hash32 id = it->first;
  by_order_.erase(it->second.order);
  auto [from, to] = by_nonce_.equal_range(it->second.nonce);
  for (auto jt = from; jt != to; ++jt) {
    if (jt->second == id) {
      by_nonce_.erase(jt);
      break;
    }
  }
  items_.erase(it);
}

}  // namespace evchain::consensus
