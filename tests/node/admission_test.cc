// Admission of client deposits (node/admission.h) against a fake host: load shed before any
// write, nonce conflicts against pending and committed statements, the journal as the one durable
// pool (written before Admit returns, cleared by Settle, resumed at start), and one wake-up of
// the consensus strand per batch of admissions.
#include "node/admission.h"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "crypto/sha256.h"
#include "storage/kv_store.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::node {
namespace {

class FakeHost : public Admission::Host {
 public:
  size_t ReplicaPending() const override { return replica_pending; }
  bool Committed(const Hash32& id) const override { return committed.count(id) > 0; }
  std::optional<Hash32> CommittedNonceOwner(const std::string& depositor,
                                            const std::string& nonce) const override {
    auto it = nonce_owners.find({depositor, nonce});
    if (it == nonce_owners.end()) return std::nullopt;
    return it->second;
  }
  void Verified(const ledger::Entry& entry) override {
    verified.insert(crypto::Sha256(entry.statement));
  }
  void QueueReady() override { ++wakeups; }

  size_t replica_pending = 0;
  std::set<Hash32> committed;
  std::map<std::pair<std::string, std::string>, Hash32> nonce_owners;
  std::set<Hash32> verified;
  int wakeups = 0;
};

struct Fixture {
  Fixture()
      : net(synthetic::MakeTestNetwork("admission-test", 1795865400000)), journal(store.get()) {}
  ledger::Entry Deposit(const std::string& evidence, const std::string& nonce) const {
    synthetic::ChainBuilder builder(net, nullptr, 3);
    return builder.Deposit(crypto::Sha256(evidence), nonce);
  }
  size_t Journalled() {
    size_t dropped = 0;
    auto loaded = PendingJournal(store.get()).Load(net.genesis, &dropped);
    REQUIRE(loaded.ok());
    return loaded->size();
  }

  synthetic::TestNetwork net;
  std::unique_ptr<storage::KvStore> store = storage::NewMemoryStore();
  PendingJournal journal;
  FakeHost host;
};

TEST_CASE("admitted deposits are journalled before Admit returns and queued for the replica") {
  Fixture fx;
  Admission admission(&fx.host, &fx.journal, 10);
  const ledger::Entry a = fx.Deposit("a", "1"), b = fx.Deposit("b", "2");
  REQUIRE(admission.Admit({a}, true).ok());
  REQUIRE(admission.Admit({b, a}, true).ok());  // a again: accepted idempotently, not twice
  CHECK(fx.Journalled() == 2);
  CHECK(fx.host.wakeups == 1);  // one wake-up until the queue is taken
  CHECK(fx.host.verified.size() == 2);
  CHECK(admission.pending() == 2);
  CHECK(admission.IsPending(crypto::Sha256(a.statement)));
  const auto queued = admission.TakeQueued();
  REQUIRE(queued.size() == 2);
  CHECK(queued[0].statement == a.statement);
  CHECK(queued[1].statement == b.statement);
  CHECK(admission.TakeQueued().empty());

  const auto waited = admission.Settle({crypto::Sha256(a.statement)});
  CHECK(waited.size() == 1);
  CHECK(fx.Journalled() == 1);
  CHECK_FALSE(admission.IsPending(crypto::Sha256(a.statement)));
}

TEST_CASE("load is shed before any write: the replica's pool or our own pending set is full") {
  Fixture fx;
  Admission admission(&fx.host, &fx.journal, 2);
  fx.host.replica_pending = 2;  // deposits forwarded by peers fill the replica
  CHECK(admission.Admit({fx.Deposit("a", "1")}, true).code() == "overloaded");
  CHECK(admission.Overloaded());
  fx.host.replica_pending = 0;
  REQUIRE(admission.Admit({fx.Deposit("a", "1"), fx.Deposit("b", "2")}, true).ok());
  CHECK(admission.Admit({fx.Deposit("c", "3")}, true).code() == "overloaded");
  CHECK(fx.Journalled() == 2);
  admission.Stop();
  CHECK(admission.Admit({fx.Deposit("d", "4")}, true).code() == "overloaded");
}

TEST_CASE("a nonce held by another pending or committed statement is refused, nothing admitted") {
  Fixture fx;
  Admission admission(&fx.host, &fx.journal, 10);
  REQUIRE(admission.Admit({fx.Deposit("a", "1")}, true).ok());
  CHECK(admission.Admit({fx.Deposit("b", "2"), fx.Deposit("other", "1")}, true).code() ==
        "nonce_conflict");
  fx.host.nonce_owners[{fx.net.depositor_id, "7"}] = crypto::Sha256("some committed statement");
  CHECK(admission.Admit({fx.Deposit("c", "7")}, true).code() == "nonce_conflict");
  CHECK(admission.pending() == 1);
  CHECK(fx.Journalled() == 1);
}

TEST_CASE("a deposit already committed is settled at once, not queued") {
  Fixture fx;
  Admission admission(&fx.host, &fx.journal, 10);
  const ledger::Entry a = fx.Deposit("a", "1");
  fx.host.committed.insert(crypto::Sha256(a.statement));
  REQUIRE(admission.Admit({a}, true).ok());
  CHECK(admission.TakeQueued().empty());
  CHECK(admission.pending() == 0);
  CHECK(fx.Journalled() == 0);
}

TEST_CASE("at start the journal's deposits are admitted again; refused ones leave, others stay") {
  Fixture fx;
  {
    Admission before(&fx.host, &fx.journal, 10);
    REQUIRE(before.Admit({fx.Deposit("a", "1"), fx.Deposit("b", "2"), fx.Deposit("c", "3")}, true)
                .ok());
  }
  // Meanwhile another statement with b's nonce committed; and max_pending was lowered to 1.
  fx.host.nonce_owners[{fx.net.depositor_id, "2"}] = crypto::Sha256("the winner");
  Admission after(&fx.host, &fx.journal, 1);
  size_t dropped = 0;
  auto resumed = after.Resume(fx.net.genesis, &dropped);
  REQUIRE(resumed.ok());
  CHECK(*resumed == 1);
  CHECK(dropped == 2);
  CHECK(after.TakeQueued().size() == 1);
  // b's record is gone (it can never commit); the one over max_pending stays for a later start.
  CHECK(fx.Journalled() == 2);
}

}  // namespace
}  // namespace evchain::node
