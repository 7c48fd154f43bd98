// The replica's client deposits not yet committed (Castro & Liskov's requests), indexed three
// ways: by evidence id; in arrival order, because the block cut proposes the oldest first; and
// by (depositor, nonce), because a committed statement makes every other statement holding its
// nonce impossible to commit (docs/protocol.md "Block validity").
//
// Not persisted: the host's pending journal is the one durable pool (docs/protocol.md
// "Persistence"). Pure and single-threaded, like the replica that owns it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
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
    // The statement's digest when whoever pooled it had parsed the statement: with the id and
    // nonce, the facts the block cut needs (ledger::EntryFacts), so it parses nothing.
    std::optional<Hash32> digest;
  };

  // `hash_salt` keys the table by evidence id (common/hash_order.h): a value depositors
  // cannot learn.
  explicit RequestPool(uint64_t hash_salt) : items_(0, Hash32Hasher(hash_salt)) {}

  // Adds a deposit that arrived at `now`; false, and nothing changes (nothing is copied), when
  // `id` is pooled.
  bool Add(const ledger::Entry& entry, const Hash32& id, DepositorNonce nonce, UnixMillis now,
           std::optional<Hash32> digest = std::nullopt);
  // The same, taking over an entry the caller keeps no copy of.
  bool Add(ledger::Entry&& entry, const Hash32& id, DepositorNonce nonce, UnixMillis now,
           std::optional<Hash32> digest = std::nullopt);
  bool Contains(const Hash32& id) const { return items_.count(id) > 0; }
  // The pooled item `id`, or null.
  const Item* Find(const Hash32& id) const;
  // A block committed the statement `id` holding `nonce`: it leaves the pool, and so does every
  // other statement with that nonce. Returns whether `id` itself was pooled.
  bool RemoveCommitted(const Hash32& id, const DepositorNonce& nonce);

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  // Calls visit(id, item) oldest first while it returns true. The only way to walk the pool:
  // the table's own order is not deterministic across replicas (it depends on the salt).
  template <typename Visit>
  void VisitOldestFirst(Visit&& visit) const {
    for (const auto& [order, item] : by_order_) {
      if (!visit(item->first, std::as_const(item->second))) return;
    }
  }
  // The same, for a visit that updates the items' times (timers and retransmission).
  template <typename Visit>
  void VisitOldestFirst(Visit&& visit) {
    for (const auto& [order, item] : by_order_) {
      if (!visit(item->first, item->second)) return;
    }
  }

 private:
  using Table = Hash32HashMap<Item>;
  template <typename EntryRef>  // const ledger::Entry& or ledger::Entry
  bool Insert(EntryRef&& entry, const Hash32& id, DepositorNonce nonce, UnixMillis now,
              std::optional<Hash32> digest);
  void Remove(Table::iterator it);

  Table items_;
  // Item::order -> the item: the block cut walks it without a lookup by id per item (elements of
  // an unordered_map stay where they are when it rehashes, until they are erased).
  std::map<uint64_t, Table::value_type*> by_order_;
  std::multimap<DepositorNonce, Hash32> by_nonce_;  // a depositor may reuse a nonce
  uint64_t next_order_ = 0;
};

}  // namespace evchain::consensus
