#include "consensus/request_pool.h"

#include <utility>
#include <vector>

namespace evchain::consensus {

template <typename EntryRef>
bool RequestPool::Insert(EntryRef&& entry, const Hash32& id, DepositorNonce nonce, UnixMillis now,
                         std::optional<Hash32> digest) {
  if (items_.count(id) > 0) return false;  // and no copy of a duplicate
  const auto it = items_
                      .emplace(id, Item{std::forward<EntryRef>(entry), std::move(nonce),
                                        next_order_, now, now, digest})
                      .first;
  by_order_.emplace(next_order_++, &*it);
  by_nonce_.emplace(it->second.nonce, id);
  return true;
}

bool RequestPool::Add(const ledger::Entry& entry, const Hash32& id, DepositorNonce nonce,
                      UnixMillis now, std::optional<Hash32> digest) {
  return Insert(entry, id, std::move(nonce), now, digest);
}

bool RequestPool::Add(ledger::Entry&& entry, const Hash32& id, DepositorNonce nonce, UnixMillis now,
                      std::optional<Hash32> digest) {
  return Insert(std::move(entry), id, std::move(nonce), now, digest);
}

const RequestPool::Item* RequestPool::Find(const Hash32& id) const {
  const auto it = items_.find(id);
  return it == items_.end() ? nullptr : &it->second;
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
void RequestPool::Remove(Table::iterator it) {
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
