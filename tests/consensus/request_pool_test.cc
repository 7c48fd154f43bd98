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
  RequestPool pool(/*hash_salt=*/0x5eed);
  CHECK(pool.Add(EntryOf("b"), IdOf("b"), {"p", "1"}, 10));
  CHECK(pool.Add(EntryOf("a"), IdOf("a"), {"p", "2"}, 20));
  CHECK(pool.Add(EntryOf("c"), IdOf("c"), {"q", "1"}, 30));
  CHECK_FALSE(pool.Add(EntryOf("b"), IdOf("b"), {"p", "1"}, 40));  // again: nothing changes
  CHECK(pool.size() == 3);
  REQUIRE(pool.Find(IdOf("b")) != nullptr);
  CHECK(pool.Find(IdOf("b"))->arrived == 10);
  CHECK(pool.Find(IdOf("z")) == nullptr);
  CHECK(OldestFirst(pool) == std::vector<std::string>{"b", "a", "c"});
  CHECK(OldestFirst(pool, 2) == std::vector<std::string>{"b", "a"});  // stops when told
}

TEST_CASE("a committed statement takes every other statement with its nonce out of the pool") {
  RequestPool pool(/*hash_salt=*/0x5eed);
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

TEST_CASE("the walk in arrival order survives the table growing, and may update the items") {
  // Thousands of deposits: the hash table rehashes many times on the way, and the arrival
  // index points at its elements (which must not move). Removals in between leave holes.
  RequestPool pool(/*hash_salt=*/7);
  constexpr int kCount = 5000;
  for (int i = 0; i < kCount; ++i) {
    const std::string text = "deposit " + std::to_string(i);
    REQUIRE(pool.Add(EntryOf(text), IdOf(text), {"p", std::to_string(i)}, i));
  }
  for (int i = 0; i < kCount; i += 3) {
    const std::string text = "deposit " + std::to_string(i);
    CHECK(pool.RemoveCommitted(IdOf(text), {"p", std::to_string(i)}));
  }
  std::vector<int> seen;
  pool.VisitOldestFirst([&](const Hash32& id, RequestPool::Item& item) {
    CHECK(id == IdOf(item.entry.statement));
    seen.push_back(static_cast<int>(item.arrived));
    item.last_forward = 100000 + item.arrived;
    return true;
  });
  std::vector<int> expected;
  for (int i = 0; i < kCount; ++i) {
    if (i % 3 != 0) expected.push_back(i);
  }
  CHECK(seen == expected);
  CHECK(pool.size() == expected.size());
  const RequestPool::Item* item = pool.Find(IdOf("deposit 4"));
  REQUIRE(item != nullptr);
  CHECK(item->last_forward == 100004);
}

TEST_CASE("two pools with different salts walk the same deposits in the same order") {
  // What a replica sends must not depend on its table's layout (request_pool.h).
  RequestPool a(/*hash_salt=*/1), b(/*hash_salt=*/0xfeedface);
  for (int i = 0; i < 300; ++i) {
    const std::string text = "d" + std::to_string(i * 7919 % 300);
    a.Add(EntryOf(text), IdOf(text), {"p", text}, i);
    b.Add(EntryOf(text), IdOf(text), {"p", text}, i);
  }
  CHECK(OldestFirst(a, 1000) == OldestFirst(b, 1000));
}

}  // namespace
}  // namespace evchain::consensus
