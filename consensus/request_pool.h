// The replica's client deposits not yet committed (Castro & Liskov's requests), indexed three
// ways: by evidence id; in arrival order, because the block cut proposes the oldest first; and
// by (depositor, nonce), because a committed statement makes every other statement holding its
// nonce impossible to commit (docs/protocol.md "Block validity").
//
// Not persisted: the host's pending journal is the one durable pool (docs/protocol.md
// "Persistence"). Pure and single-threaded, like the replica that owns it.
#pragma once

#include <cstdint>
#include <utility>

#include "common/bytes.h"
#include "common/hash_order.h"
#include "common/time.h"
#include "consensus/block_check.h"
#include "ledger/block.h"

namespace evchain::consensus {

class RequestPool {
 public:
  struct Item {
    ledger::Entry entry;
    DepositorNonce nonce;
    uint64_t order = 0;           // arrival order in this pool
    UnixMillis arrived = 0;       // the replica's monotonic clock: starts its request timer
    UnixMillis last_forward = 0;  // when it was last FORWARDed (retransmission)
  };

  // Adds a deposit that arrived at `now`; false, and nothing changes (nothing is copied), when
  // `id` is pooled.
  bool Add(const ledger::Entry& entry, const Hash32& id, DepositorNonce nonce, UnixMillis now);
  // The same, taking over an entry the caller keeps no copy of.
  bool Add(ledger::Entry&& entry, const Hash32& id, DepositorNonce nonce, UnixMillis now);
  bool Contains(const Hash32& id) const { return items_.count(id) > 0; }
  // A block committed the statement `id` holding `nonce`: it leaves the pool, and so does every
  // other statement with that nonce. Returns whether `id` itself was pooled.
  bool RemoveCommitted(const Hash32& id, const DepositorNonce& nonce);

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  // Every item by evidence id (timers and retransmission may update the times).
  Hash32Map<Item>& items() { return items_; }
  const Hash32Map<Item>& items() const { return items_; }

  // Calls visit(id, item) oldest first while it returns true.
  template <typename Visit>
  void VisitOldestFirst(Visit&& visit) const {
    for (const auto& [order, it] : by_order_) {
      if (!visit(it->first, it->second)) return;
    }
  }

 private:
  template <typename EntryRef>  // const ledger::Entry& or ledger::Entry
  bool Insert(EntryRef&& entry, const Hash32& id, DepositorNonce nonce, UnixMillis now);
  void Remove(Hash32Map<Item>::iterator it);

  Hash32Map<Item> items_;
  // Item::order -> the item: the block cut walks it without a lookup by id per item (map
  // iterators stay valid until their own element is erased).
  std::map<uint64_t, Hash32Map<Item>::iterator> by_order_;
  std::multimap<DepositorNonce, Hash32> by_nonce_;  // a depositor may reuse a nonce
  uint64_t next_order_ = 0;
};

}  // namespace evchain::consensus
