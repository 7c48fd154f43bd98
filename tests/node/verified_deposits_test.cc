// node/verified_deposits.h: each deposit verified once per validator, even when two verifier
// threads meet it at the same moment; bounded; a failed check is not remembered.
#include "node/verified_deposits.h"

#include <doctest/doctest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "crypto/sha256.h"

namespace evchain::node {
namespace {

Hash32 Key(int i) { return crypto::Sha256("key " + std::to_string(i)); }
ledger::EntryFacts Facts(int i) {
  return ledger::EntryFacts{crypto::Sha256("statement " + std::to_string(i)),
                            crypto::Sha256("digest " + std::to_string(i)), "platform",
                            "nonce " + std::to_string(i)};
}

TEST_CASE("a verified key is found, a failed one is checked again") {
  VerifiedDeposits cache(16, [](const Hash32&) { return false; });
  CHECK_FALSE(cache.Begin(Key(1), nullptr));
  cache.Finish(Key(1), true, nullptr);
  CHECK(cache.Begin(Key(1), nullptr));
  CHECK_FALSE(cache.Begin(Key(2), nullptr));
  cache.Finish(Key(2), false, nullptr);
  CHECK_FALSE(cache.Begin(Key(2), nullptr));  // the caller must verify it again
  cache.Finish(Key(2), false, nullptr);
  CHECK(cache.verified() == 1);
  CHECK(cache.cached() == 1);
  CHECK(cache.MarkVerified(Key(1), Facts(1)));
  CHECK_FALSE(cache.MarkVerified(Key(3), Facts(3)));
  CHECK(cache.verified() == 2);
}

TEST_CASE("a deposit met again comes with the facts of the check that verified it") {
  VerifiedDeposits cache(16, [](const Hash32&) { return false; });
  std::optional<ledger::EntryFacts> facts;
  CHECK_FALSE(cache.Begin(Key(1), &facts));
  CHECK_FALSE(facts.has_value());
  const ledger::EntryFacts made = Facts(1);
  cache.Finish(Key(1), true, &made);
  REQUIRE(cache.Begin(Key(1), &facts));
  REQUIRE(facts.has_value());
  CHECK(facts->statement_hash == made.statement_hash);
  CHECK(facts->digest == made.digest);
  CHECK(facts->depositor == made.depositor);
  CHECK(facts->nonce == made.nonce);
  // Admission's path (MarkVerified) keeps them too.
  cache.MarkVerified(Key(2), Facts(2));
  REQUIRE(cache.Begin(Key(2), &facts));
  CHECK(facts->nonce == Facts(2).nonce);
  // Verified without facts (a fetched block's deposit): found, with none.
  CHECK_FALSE(cache.Begin(Key(3), nullptr));
  cache.Finish(Key(3), true, nullptr);
  REQUIRE(cache.Begin(Key(3), &facts));
  CHECK_FALSE(facts.has_value());
}

TEST_CASE("the cache keeps the most recent keys only") {
  VerifiedDeposits cache(4, [](const Hash32&) { return false; });
  for (int i = 0; i < 6; ++i) cache.MarkVerified(Key(i), Facts(i));
  CHECK_FALSE(cache.MarkVerified(Key(0), Facts(0)));  // evicted: verified again
  CHECK(cache.MarkVerified(Key(5), Facts(5)));
}

TEST_CASE("empty until a key is held, entries verified without keys are counted") {
  VerifiedDeposits cache(4, [](const Hash32&) { return false; });
  CHECK(cache.Empty());
  cache.CountVerified(3);  // a fetched block checked while empty: no keys kept
  CHECK(cache.Empty());
  CHECK(cache.verified() == 3);
  CHECK_FALSE(cache.Begin(Key(1), nullptr));
  CHECK_FALSE(cache.Empty());  // being verified: a waiter would find it
  cache.Finish(Key(1), false, nullptr);
  CHECK(cache.Empty());
  cache.MarkVerified(Key(2), Facts(2));
  CHECK_FALSE(cache.Empty());
  CHECK(cache.verified() == 4);
}

TEST_CASE("committed deposits are counted") {
  const Hash32 committed_id = crypto::Sha256("committed");
  VerifiedDeposits cache(4, [&](const Hash32& id) { return id == committed_id; });
  CHECK(cache.Committed(committed_id));
  CHECK_FALSE(cache.Committed(Key(1)));
  CHECK(cache.committed_skipped() == 1);
}

TEST_CASE("threads meeting one deposit at once verify it once") {
  VerifiedDeposits cache(1 << 12, [](const Hash32&) { return false; });
  constexpr int kThreads = 4, kKeys = 2000;
  std::atomic<int> verifications{0}, wrong_facts{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kKeys; ++i) {
        // A thread that waited for another's check gets that check's facts too.
        std::optional<ledger::EntryFacts> facts;
        if (cache.Begin(Key(i), &facts)) {
          if (!facts || facts->nonce != Facts(i).nonce) ++wrong_facts;
          continue;
        }
        ++verifications;
        std::this_thread::yield();  // the "signature check": others asking now must wait
        const ledger::EntryFacts made = Facts(i);
        cache.Finish(Key(i), true, &made);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(verifications.load() == kKeys);
  CHECK(wrong_facts.load() == 0);
  CHECK(cache.verified() == kKeys);
  CHECK(cache.cached() == (kThreads - 1) * kKeys);
}

}  // namespace
}  // namespace evchain::node
