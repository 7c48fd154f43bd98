#include "consensus/request_pool.h"

#include <utility>
#include <vector>

namespace evchain::consensus {

template <typename EntryRef>
bool RequestPool::Insert(EntryRef&& entry, const Hash32& id, DepositorNonce nonce, UnixMillis now) {
  auto it = items_.lower_bound(id);  // one walk down the tree, and no copy of a duplicate
  if (it != items_.end() && it->first == id) return false;
  it = items_.emplace_hint(
      it, id, Item{std::forward<EntryRef>(entry), std::move(nonce), next_order_, now, now});
  by_order_.emplace(next_order_++, it);
  by_nonce_.emplace(it->second.nonce, id);
  return true;
}

bool RequestPool::Add(const ledger::Entry& entry, const Hash32& id, DepositorNonce nonce,
                      UnixMillis now) {
  return Insert(entry, id, std::move(nonce), now);
}

bool RequestPool::Add(ledger::Entry&& entry, const Hash32& id, DepositorNonce nonce,
                      UnixMillis now) {
  return Insert(std::move(entry), id, std::move(nonce), now);
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
