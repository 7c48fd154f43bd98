#include "consensus/request_pool.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crypto/sha256.h"

namespace evchain::consensus {
namespace {

ledger::Entry EntryOf(const std::string& text) {
  ledger::Entry e;
  e.statement = text;
  return e;
}

Hash32 IdOf(const std::string& text) { return crypto::Sha256(text); }

std::vector<std::string> OldestFirst(const RequestPool& pool, size_t limit = 100) {
  std::vector<std::string> out;
  pool.VisitOldestFirst([&](const Hash32&, const RequestPool::Item& item) {
    out.push_back(item.entry.statement);
    return out.size() < limit;
  });
  return out;
}

TEST_CASE("the pool keeps each deposit once, in arrival order, with its arrival time") {
  RequestPool pool;
  CHECK(pool.Add(EntryOf("b"), IdOf("b"), {"p", "1"}, 10));
  CHECK(pool.Add(EntryOf("a"), IdOf("a"), {"p", "2"}, 20));
  CHECK(pool.Add(EntryOf("c"), IdOf("c"), {"q", "1"}, 30));
  CHECK_FALSE(pool.Add(EntryOf("b"), IdOf("b"), {"p", "1"}, 40));  // again: nothing changes
  CHECK(pool.size() == 3);
  CHECK(pool.items().at(IdOf("b")).arrived == 10);
  CHECK(OldestFirst(pool) == std::vector<std::string>{"b", "a", "c"});
  CHECK(OldestFirst(pool, 2) == std::vector<std::string>{"b", "a"});  // stops when told
}

TEST_CASE("a committed statement takes every other statement with its nonce out of the pool") {
  RequestPool pool;
  pool.Add(EntryOf("first"), IdOf("first"), {"p", "7"}, 1);
  pool.Add(EntryOf("second"), IdOf("second"), {"p", "7"}, 2);  // same depositor and nonce
  pool.Add(EntryOf("other"), IdOf("other"), {"p", "8"}, 3);
  pool.Add(EntryOf("elsewhere"), IdOf("elsewhere"), {"q", "7"}, 4);  // another depositor

  // Committed elsewhere (not pooled here): the pooled holders of its nonce still leave.
  CHECK_FALSE(pool.RemoveCommitted(IdOf("third"), {"p", "7"}));
  CHECK(OldestFirst(pool) == std::vector<std::string>{"other", "elsewhere"});
  CHECK(pool.RemoveCommitted(IdOf("other"), {"p", "8"}));
  CHECK(OldestFirst(pool) == std::vector<std::string>{"elsewhere"});
  CHECK_FALSE(pool.Contains(IdOf("first")));
  CHECK(pool.Contains(IdOf("elsewhere")));
  // The statement can come back after its nonce's holder commits (the replica refuses it then,
  // against the committed chain, before it reaches the pool).
  CHECK(pool.Add(EntryOf("first"), IdOf("first"), {"p", "7"}, 5));
  CHECK(OldestFirst(pool) == std::vector<std::string>{"elsewhere", "first"});
}

}  // namespace
}  // namespace evchain::consensus
