// The journal of acknowledged deposits (node/pending_journal.h): what is added is loaded back
// after a reopen, removals stick, damaged records are dropped and counted, never proposed.
#include "node/pending_journal.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "crypto/sha256.h"
#include "storage/keys.h"
#include "storage/kv_store.h"
#include "tests/storage/forwarding_store.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::node {
namespace {

struct JournalFixture {
  JournalFixture() : net(synthetic::MakeTestNetwork("journal-test", 1795865400000)) {
    for (int i = 0; i < 5; ++i) {
      entries.push_back(MakeDeposit(i));
      ids.push_back(crypto::Sha256(entries.back().statement));
    }
  }
  ledger::Entry MakeDeposit(int i) {
    synthetic::ChainBuilder builder(net, nullptr, 3);
    return builder.Deposit(crypto::Sha256("evidence " + std::to_string(i)),
                           "n-" + std::to_string(i));
  }
  size_t JournalKeys() const {
    size_t n = 0;
    const std::string prefix = storage::keys::Meta("pending/");
    auto it = store->NewIterator();
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) ++n;
    return n;
  }

  synthetic::TestNetwork net;
  std::unique_ptr<storage::KvStore> store = storage::NewMemoryStore();
  std::vector<ledger::Entry> entries;
  std::vector<Hash32> ids;
};

TEST_CASE("added deposits load back byte for byte, removed ones do not") {
  JournalFixture fx;
  PendingJournal journal(fx.store.get());
  REQUIRE(journal.Add(fx.entries, fx.ids).ok());
  REQUIRE(journal.Remove({fx.ids[1], fx.ids[3]}).ok());

  PendingJournal reopened(fx.store.get());
  size_t dropped = 99;
  auto loaded = reopened.Load(fx.net.genesis, &dropped);
  REQUIRE(loaded.ok());
  CHECK(dropped == 0);
  REQUIRE(loaded->size() == 3);
  std::set<Hash32> loaded_ids;
  for (const auto& e : *loaded) {
    loaded_ids.insert(crypto::Sha256(e.statement));
    const auto& original =
        fx.entries[std::find(fx.ids.begin(), fx.ids.end(), crypto::Sha256(e.statement)) -
                   fx.ids.begin()];
    CHECK(e.statement == original.statement);
    CHECK(e.signature == original.signature);
  }
  CHECK(loaded_ids == std::set<Hash32>{fx.ids[0], fx.ids[2], fx.ids[4]});
  // Adding again is idempotent; removing an unknown id is harmless.
  REQUIRE(journal.Add({fx.entries[0]}, {fx.ids[0]}).ok());
  REQUIRE(journal.Remove({crypto::Sha256("never added")}).ok());
  CHECK(fx.JournalKeys() == 3);
}

// Counts the writes that reach the store.
class CountingStore : public storage::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Status Write(const storage::WriteBatch& batch, bool sync) override {
    ++writes;
    return ForwardingStore::Write(batch, sync);
  }

  std::atomic<int> writes{0};
};

TEST_CASE("removing deposits the journal never recorded writes nothing") {
  // Every validator settles every committed block's ids; most were sent to other validators.
  JournalFixture fx;
  CountingStore counting(fx.store.get());
  PendingJournal journal(&counting);
  REQUIRE(journal.Add({fx.entries[0], fx.entries[1]}, {fx.ids[0], fx.ids[1]}).ok());
  CHECK(counting.writes == 1);
  REQUIRE(journal.Remove({fx.ids[2], fx.ids[3], fx.ids[4]}).ok());
  CHECK(counting.writes == 1);
  REQUIRE(journal.Remove({fx.ids[0], fx.ids[2]}).ok());
  CHECK(counting.writes == 2);
  CHECK(fx.JournalKeys() == 1);
  // Removed once, it is not deleted again.
  REQUIRE(journal.Remove({fx.ids[0]}).ok());
  CHECK(counting.writes == 2);
}

TEST_CASE("after a restart, the records Load found are the ones Remove deletes") {
  JournalFixture fx;
  {
    PendingJournal before(fx.store.get());
    REQUIRE(before.Add(fx.entries, fx.ids).ok());
  }
  CountingStore counting(fx.store.get());
  PendingJournal after(&counting);
  size_t dropped = 0;
  auto loaded = after.Load(fx.net.genesis, &dropped);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->size() == 5);
  REQUIRE(after.Remove({fx.ids[0], fx.ids[4], crypto::Sha256("never added")}).ok());
  CHECK(counting.writes == 1);
  CHECK(fx.JournalKeys() == 3);
}

TEST_CASE("damaged records are dropped from the journal and counted, never returned") {
  JournalFixture fx;
  PendingJournal journal(fx.store.get());
  REQUIRE(journal.Add(fx.entries, fx.ids).ok());
  storage::WriteBatch damage;
  // Not a deposit at all.
  damage.Put(storage::keys::Meta("pending/" + std::string(32, 'x')), "garbage");
  // A valid record filed under another deposit's id.
  {
    auto store2 = storage::NewMemoryStore();
    PendingJournal scratch(store2.get());
    REQUIRE(scratch.Add({fx.entries[0]}, {fx.ids[0]}).ok());
    auto it = store2->NewIterator();
    it->Seek(storage::keys::Meta("pending/"));
    REQUIRE(it->Valid());
    damage.Put(storage::keys::Meta("pending/" + std::string(AsChars(fx.ids[1]))), it->value());
  }
  // A forged signature.
  ledger::Entry forged = fx.MakeDeposit(7);
  forged.signature[0] ^= 0x01;
  {
    auto store2 = storage::NewMemoryStore();
    PendingJournal scratch(store2.get());
    REQUIRE(scratch.Add({forged}, {crypto::Sha256(forged.statement)}).ok());
    auto it = store2->NewIterator();
    it->Seek(storage::keys::Meta("pending/"));
    REQUIRE(it->Valid());
    damage.Put(std::string(it->key()), it->value());
  }
  REQUIRE(fx.store->Write(damage, true).ok());

  size_t dropped = 0;
  auto loaded = journal.Load(fx.net.genesis, &dropped);
  REQUIRE(loaded.ok());
  CHECK(dropped == 3);
  CHECK(loaded->size() == 4);  // entries 0, 2, 3, 4 (entry 1's record was replaced)
  for (const auto& e : *loaded) CHECK(crypto::Sha256(e.statement) != fx.ids[1]);
  CHECK(fx.JournalKeys() == 4);  // the damaged ones are gone
  auto again = journal.Load(fx.net.genesis, &dropped);
  REQUIRE(again.ok());
  CHECK(dropped == 0);
  CHECK(again->size() == 4);
}

}  // namespace
}  // namespace evchain::node
