// DepositPool's nonce conflicts: each says which clash it is, and names the nonce as
// "nonce '<nonce>'", by which the batch route names the item (api/deposit_handlers.cc).
#include "node/deposit_pool.h"

#include <doctest/doctest.h>

#include "crypto/sha256.h"

namespace evchain::node {
namespace {

constexpr char kDepositor[] = "demo-platform";

// An entry and its facts; only the facts are looked at (the statements count as checked).
struct PoolDeposits {
  std::vector<ledger::Entry> entries;
  std::vector<ledger::EntryFacts> facts;
  void Add(const std::string& text, const std::string& nonce) {
    entries.push_back(ledger::Entry{text, {}, std::nullopt});
    facts.push_back({crypto::Sha256(text), crypto::Sha256("digest of " + text), kDepositor, nonce});
  }
};

Status AdmitToPool(DepositPool& pool, const PoolDeposits& d, bool committed = false) {
  auto admitted = pool.Admit(
      d.entries,
      [committed](const std::string&, const std::string&, const Hash32&) { return committed; },
      &d.facts);
  return admitted.ok() ? Status::Ok() : admitted.status();
}

TEST_CASE("a nonce twice in one admission is refused as such, not as a pending conflict") {
  DepositPool pool(10);
  PoolDeposits d;
  d.Add("first", "k-1");
  d.Add("second", "k-1");
  const Status s = AdmitToPool(pool, d);
  CHECK(s.code() == "nonce_conflict");
  CHECK(s.message() ==
        "nonce 'k-1' of depositor 'demo-platform' is used by two statements of this submission");
  CHECK(pool.size() == 0);
}

TEST_CASE("pending and committed conflicts name the nonce") {
  DepositPool pool(10);
  PoolDeposits held;
  held.Add("held", "k-2");
  REQUIRE(AdmitToPool(pool, held).ok());
  PoolDeposits other;
  other.Add("other", "k-2");
  const Status pending = AdmitToPool(pool, other);
  CHECK(pending.code() == "nonce_conflict");
  CHECK(pending.message() ==
        "nonce 'k-2' of depositor 'demo-platform' is pending for another statement");
  PoolDeposits late;
  late.Add("late", "k-3");
  const Status committed = AdmitToPool(pool, late, /*committed=*/true);
  CHECK(committed.code() == "nonce_conflict");
  CHECK(committed.message() ==
        "nonce 'k-3' of depositor 'demo-platform' was already used for another statement");
  CHECK(pool.size() == 1);
}

}  // namespace
}  // namespace evchain::node
