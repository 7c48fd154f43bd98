// Admission of client deposits (node/admission.h) against a fake host: load shed before any
// write, nonce conflicts against pending and committed statements, the journal as the one durable
// pool (written before Admit acknowledges, cleared by Settle, resumed at start), and one wake-up of
// the consensus strand per batch of admissions.
#include "node/admission.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "crypto/sha256.h"
#include "ledger/block.h"
#include "storage/kv_store.h"
#include "tests/storage/forwarding_store.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::node {
namespace {

class FakeAdmissionHost : public Admission::Host {
 public:
  // nonce_owners as the index shows them after `lookups_before_commit` lookups: a commit that
  // lands between two lookups.
  int lookups_before_commit = -1;
  mutable int lookups = 0;
  size_t ReplicaPending() const override { return replica_pending; }
  bool Committed(const Hash32& id) const override { return committed.count(id) > 0; }
  // The nonce index cannot be read (a failing disk).
  bool nonce_index_fails = false;
  Result<std::optional<Hash32>> CommittedNonceOwner(const std::string& depositor,
                                                    const std::string& nonce) const override {
    if (nonce_index_fails) return Status::Error("io_error", "read error on the index store");
    if (lookups_before_commit >= 0 && lookups++ < lookups_before_commit) {
      return std::optional<Hash32>();
    }
    auto it = nonce_owners.find({depositor, nonce});
    if (it == nonce_owners.end()) return std::optional<Hash32>();
    return std::optional<Hash32>(it->second);
  }
  void Verified(const ledger::Entry& entry, const ledger::EntryFacts& facts) override {
    CHECK(facts.statement_hash == crypto::Sha256(entry.statement));
    verified.insert(facts.statement_hash);
    verified_facts.push_back(facts);
  }
  void QueueReady() override { ++wakeups; }
  void JournalFailed(const Status& status) override { journal_failures.push_back(status); }

  size_t replica_pending = 0;
  std::set<Hash32> committed;
  std::map<std::pair<std::string, std::string>, Hash32> nonce_owners;
  std::set<Hash32> verified;
  std::vector<ledger::EntryFacts> verified_facts;  // what admission handed the deposit cache
  int wakeups = 0;
  std::vector<Status> journal_failures;
};

// A store whose synced writes wait while the gate is closed, and fail when it is opened with
// `fail`: a journal write in progress (or a failing disk) for as long as a test needs.
class GatedStore : public storage::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Status Write(const storage::WriteBatch& batch, bool sync) override {
    if (sync && throws_.exchange(false)) throw std::runtime_error("out of memory");
    if (sync) {
      std::unique_lock lock(mu_);
      ++synced_writes_;
      ++writers_waiting_;
      cv_.wait(lock, [this] { return open_; });
      --writers_waiting_;
      if (fail_) return Status::Error("io_error", "disk failed");
    }
    return ForwardingStore::Write(batch, sync);
  }

  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open(bool fail) {
    {
      std::lock_guard lock(mu_);
      open_ = true;
      fail_ = fail;
    }
    cv_.notify_all();
  }
  int writers_waiting() {
    std::lock_guard lock(mu_);
    return writers_waiting_;
  }
  // The next synced write throws instead of writing.
  void ThrowOnce() { throws_ = true; }
  int synced_writes() {
    std::lock_guard lock(mu_);
    return synced_writes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  bool fail_ = false;
  int writers_waiting_ = 0;
  int synced_writes_ = 0;
  std::atomic<bool> throws_{false};
};

struct AdmissionFixture {
  AdmissionFixture()
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
  FakeAdmissionHost host;
};

TEST_CASE("admitted deposits are journalled before Admit returns and queued for the replica") {
  AdmissionFixture fx;
  Admission admission(&fx.host, &fx.journal, 10);
  const ledger::Entry a = fx.Deposit("a", "1"), b = fx.Deposit("b", "2");
  REQUIRE(admission.AdmitAndWait({a}, true).ok());
  REQUIRE(admission.AdmitAndWait({b, a}, true).ok());  // a again: accepted idempotently, not twice
  CHECK(fx.Journalled() == 2);
  CHECK(fx.host.wakeups == 1);  // one wake-up until the queue is taken
  CHECK(fx.host.verified.size() == 2);
  CHECK(admission.pending() == 2);
  CHECK(admission.IsPending(crypto::Sha256(a.statement)));
  const auto queued = admission.TakeQueued();
  REQUIRE(queued.size() == 2);
  CHECK(queued[0].entry.statement == a.statement);
  CHECK(queued[0].id == crypto::Sha256(a.statement));
  CHECK(queued[1].entry.statement == b.statement);
  CHECK(queued[1].id == crypto::Sha256(b.statement));
  // With the digest, id and nonce the replica's block cut parses and hashes nothing.
  for (size_t i = 0; i < 2; ++i) {
    auto facts = ledger::FactsOfEntry(fx.net.genesis, queued[i].entry);
    REQUIRE(facts.ok());
    REQUIRE(queued[i].digest.has_value());
    CHECK(*queued[i].digest == facts->digest);
    CHECK(queued[i].nonce == consensus::DepositorNonce{facts->depositor, facts->nonce});
  }
  CHECK(admission.TakeQueued().empty());

  const auto waited = admission.Settle({crypto::Sha256(a.statement)});
  CHECK(waited.size() == 1);
  CHECK(fx.Journalled() == 1);
  CHECK_FALSE(admission.IsPending(crypto::Sha256(a.statement)));
}

TEST_CASE("admission takes the HTTP handler's facts instead of reading the statements again") {
  AdmissionFixture fx;
  Admission admission(&fx.host, &fx.journal, 10);
  const ledger::Entry a = fx.Deposit("a", "1");
  auto facts = ledger::FactsOfEntry(fx.net.genesis, a);
  REQUIRE(facts.ok());
  // Facts that disagree with the statement (the handler's come from it): admission uses them,
  // so it did not scan the statement.
  facts->digest = crypto::Sha256("from the facts");
  std::promise<Status> outcome;
  admission.Admit({a}, {*facts}, [&](Status s) { outcome.set_value(std::move(s)); });
  REQUIRE(outcome.get_future().get().ok());
  const auto queued = admission.TakeQueued();
  REQUIRE(queued.size() == 1);
  REQUIRE(queued[0].digest.has_value());
  CHECK(*queued[0].digest == crypto::Sha256("from the facts"));
  CHECK(queued[0].id == facts->statement_hash);
  // The deposit cache gets the same facts: a PRE-PREPARE bringing the deposit back is neither
  // verified nor parsed again (node/verified_deposits.h).
  REQUIRE(fx.host.verified_facts.size() == 1);
  CHECK(fx.host.verified_facts[0].digest == crypto::Sha256("from the facts"));
  CHECK(fx.host.verified_facts[0].statement_hash == facts->statement_hash);
  CHECK(fx.host.verified_facts[0].depositor == facts->depositor);
  CHECK(fx.host.verified_facts[0].nonce == facts->nonce);
}

// A second copy of a deposit whose first copy is still being journalled must not be
// acknowledged before that write is durable: a crash in between would lose a deposit that two
// clients were told was accepted.
TEST_CASE("a copy of a deposit still being journalled is acknowledged only once it is durable") {
  for (const bool first_write_fails : {false, true}) {
    INFO("first write fails: " << first_write_fails);
    AdmissionFixture fx;
    GatedStore gated(fx.store.get());
    PendingJournal journal(&gated);
    Admission admission(&fx.host, &journal, 10);
    const ledger::Entry a = fx.Deposit("a", "1");
    gated.Close();
    Status first_status, second_status;
    std::atomic<bool> second_done{false};
    std::thread first([&] { first_status = admission.AdmitAndWait({a}, true); });
    while (gated.writers_waiting() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::thread second([&] {
      second_status = admission.AdmitAndWait({a}, true);
      second_done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK_FALSE(second_done.load());  // not acknowledged while the first write is in flight
    gated.Open(first_write_fails);
    first.join();
    second.join();
    if (first_write_fails) {
      CHECK(first_status.code() == "io_error");
      CHECK(second_status.code() == "unavailable");  // the client sends it again
      CHECK_FALSE(admission.IsPending(crypto::Sha256(a.statement)));
      // The store takes no more writes: the validator is told, and stops.
      REQUIRE(fx.host.journal_failures.size() == 1);
      CHECK(fx.host.journal_failures[0].code() == "io_error");
    } else {
      CHECK(first_status.ok());
      CHECK(second_status.ok());
      CHECK(fx.Journalled() == 1);
      CHECK(fx.host.journal_failures.empty());
    }
  }
}

// A burst from many connections costs one synced write per round, not one per request: what
// arrives while a write is in progress waits (the caller's thread is not held) and goes in the
// next write together.
TEST_CASE("admissions that arrive during a journal write are acknowledged after one more write") {
  AdmissionFixture fx;
  GatedStore gated(fx.store.get());
  PendingJournal journal(&gated);
  Admission admission(&fx.host, &journal, 10);
  gated.Close();
  Status first_status = Status::Error("unset", "");
  std::thread first([&] { first_status = admission.AdmitAndWait({fx.Deposit("a", "1")}, true); });
  while (gated.writers_waiting() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::mutex mu;
  std::vector<Status> outcomes;
  for (const char* evidence : {"b", "c", "d"}) {
    // Returns at once: the first caller's thread does the write.
    admission.Admit({fx.Deposit(evidence, evidence)}, [&](Status s) {
      std::lock_guard lock(mu);
      outcomes.push_back(std::move(s));
    });
  }
  {
    std::lock_guard lock(mu);
    CHECK(outcomes.empty());  // not acknowledged before they are durable
  }
  CHECK(admission.TakeQueued().empty());  // nor handed to the replica
  gated.Open(/*fail=*/false);
  first.join();
  CHECK(first_status.ok());
  CHECK(gated.synced_writes() == 2);  // a alone, then b, c and d together
  {
    std::lock_guard lock(mu);
    REQUIRE(outcomes.size() == 3);
    for (const Status& s : outcomes) CHECK(s.ok());
  }
  CHECK(fx.Journalled() == 4);
  CHECK(admission.TakeQueued().size() == 4);
}

TEST_CASE("a journal write that throws fails its round and leaves the journal usable") {
  AdmissionFixture fx;
  GatedStore gated(fx.store.get());
  PendingJournal journal(&gated);
  Admission admission(&fx.host, &journal, 10);
  const ledger::Entry a = fx.Deposit("a", "1");
  gated.ThrowOnce();
  CHECK(admission.AdmitAndWait({a}, true).code() == "internal");
  CHECK_FALSE(admission.IsPending(crypto::Sha256(a.statement)));  // not acknowledged, not held
  CHECK(admission.TakeQueued().empty());
  REQUIRE(admission.AdmitAndWait({a}, true).ok());  // the client's resend goes through
  CHECK(fx.Journalled() == 1);
  CHECK(fx.host.journal_failures.empty());  // nothing reached the store: it is not stopped
  CHECK(admission.TakeQueued().size() == 1);
}

TEST_CASE("load is shed before any write: the replica's pool or our own pending set is full") {
  AdmissionFixture fx;
  Admission admission(&fx.host, &fx.journal, 2);
  fx.host.replica_pending = 2;  // deposits forwarded by peers fill the replica
  CHECK(admission.AdmitAndWait({fx.Deposit("a", "1")}, true).code() == "overloaded");
  CHECK(admission.Overloaded(1));
  // A batch must fit whole in the replica's pool too: one place left takes one deposit, not two.
  fx.host.replica_pending = 1;
  CHECK_FALSE(admission.Overloaded(1));
  CHECK(admission.Overloaded(2));
  CHECK(admission.AdmitAndWait({fx.Deposit("a", "1"), fx.Deposit("b", "2")}, true).code() ==
        "overloaded");
  fx.host.replica_pending = 0;
  CHECK_FALSE(admission.Overloaded(2));
  REQUIRE(admission.AdmitAndWait({fx.Deposit("a", "1")}, true).ok());
  // One place left: Overloaded answers as Admit does, for a single deposit and for a batch.
  CHECK_FALSE(admission.Overloaded(1));
  CHECK(admission.Overloaded(2));
  CHECK(admission.AdmitAndWait({fx.Deposit("b", "2"), fx.Deposit("c", "3")}, true).code() ==
        "overloaded");
  REQUIRE(admission.AdmitAndWait({fx.Deposit("b", "2")}, true).ok());
  CHECK(admission.Overloaded(1));
  CHECK(admission.AdmitAndWait({fx.Deposit("c", "3")}, true).code() == "overloaded");
  CHECK(fx.Journalled() == 2);
  // Each refusal counted once, whoever refused: four Admits (the replica's pool, then our own
  // set) and the four true answers of Overloaded, on which the API refuses its request.
  CHECK(admission.overload_refusals() == 8);
  admission.Stop();
  CHECK(admission.AdmitAndWait({fx.Deposit("d", "4")}, true).code() == "overloaded");
  CHECK(admission.Overloaded(1));
  CHECK(admission.overload_refusals() == 8);  // shutting down is not an overload
}

TEST_CASE("a nonce held by another pending or committed statement is refused, nothing admitted") {
  AdmissionFixture fx;
  Admission admission(&fx.host, &fx.journal, 10);
  REQUIRE(admission.AdmitAndWait({fx.Deposit("a", "1")}, true).ok());
  CHECK(admission.AdmitAndWait({fx.Deposit("b", "2"), fx.Deposit("other", "1")}, true).code() ==
        "nonce_conflict");
  fx.host.nonce_owners[{fx.net.depositor_id, "7"}] = crypto::Sha256("some committed statement");
  CHECK(admission.AdmitAndWait({fx.Deposit("c", "7")}, true).code() == "nonce_conflict");
  CHECK(admission.pending() == 1);
  CHECK(fx.Journalled() == 1);
}

// The committed-nonce lookup reads storage, so it runs outside the pool's lock; a statement
// holding the nonce can commit (and leave the pool) between that lookup and the admission.
TEST_CASE("a nonce committed while the deposit was being admitted is still refused") {
  AdmissionFixture fx;
  Admission admission(&fx.host, &fx.journal, 10);
  fx.host.nonce_owners[{fx.net.depositor_id, "5"}] = crypto::Sha256("the other statement");
  fx.host.lookups_before_commit = 1;  // the first lookup is before that statement committed
  CHECK(admission.AdmitAndWait({fx.Deposit("mine", "5")}, true).code() == "nonce_conflict");
  CHECK(admission.pending() == 0);
  CHECK(fx.Journalled() == 0);
  CHECK(admission.TakeQueued().empty());
}

// Found 2026-12-07: a read error of the nonce index counted as "no statement holds it", so a
// validator with a failing disk acknowledged (202) a deposit whose nonce was taken, which no
// block can then hold: acknowledged, and never committed.
TEST_CASE("a nonce index that cannot be read refuses the deposit (unavailable), nothing admitted") {
  AdmissionFixture fx;
  Admission admission(&fx.host, &fx.journal, 10);
  fx.host.nonce_index_fails = true;
  const Status refused = admission.AdmitAndWait({fx.Deposit("a", "1")}, true);
  CHECK(refused.code() == "unavailable");
  CHECK(refused.message().find("read error") == std::string::npos);  // details: the node's log
  CHECK(admission.pending() == 0);
  CHECK(fx.Journalled() == 0);
  CHECK(admission.TakeQueued().empty());
  fx.host.nonce_index_fails = false;
  CHECK(admission.AdmitAndWait({fx.Deposit("a", "1")}, true).ok());  // the client's resend
}

TEST_CASE("a deposit already committed is settled at once, not queued") {
  AdmissionFixture fx;
  Admission admission(&fx.host, &fx.journal, 10);
  const ledger::Entry a = fx.Deposit("a", "1");
  fx.host.committed.insert(crypto::Sha256(a.statement));
  REQUIRE(admission.AdmitAndWait({a}, true).ok());
  CHECK(admission.TakeQueued().empty());
  CHECK(admission.pending() == 0);
  CHECK(fx.Journalled() == 0);
}

TEST_CASE("at start the journal's deposits are admitted again, refused ones leave, others stay") {
  AdmissionFixture fx;
  {
    Admission before(&fx.host, &fx.journal, 10);
    REQUIRE(
        before
            .AdmitAndWait({fx.Deposit("a", "1"), fx.Deposit("b", "2"), fx.Deposit("c", "3")}, true)
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

TEST_CASE("at start a nonce index that cannot be read keeps the acknowledged deposit journalled") {
  AdmissionFixture fx;
  {
    Admission before(&fx.host, &fx.journal, 10);
    REQUIRE(before.AdmitAndWait({fx.Deposit("a", "1"), fx.Deposit("b", "2")}, true).ok());
  }
  // A read error is no refusal: the deposit may still commit, and it was acknowledged.
  fx.host.nonce_index_fails = true;
  {
    PendingJournal journal(fx.store.get());
    Admission after(&fx.host, &journal, 10);
    size_t dropped = 0;
    auto resumed = after.Resume(fx.net.genesis, &dropped);
    REQUIRE(resumed.ok());
    CHECK(*resumed == 0);
    CHECK(dropped == 2);
    CHECK(after.TakeQueued().empty());
    CHECK(fx.Journalled() == 2);
  }
  // The next start that can read the index proposes both.
  fx.host.nonce_index_fails = false;
  PendingJournal journal(fx.store.get());
  Admission again(&fx.host, &journal, 10);
  size_t dropped = 0;
  auto resumed = again.Resume(fx.net.genesis, &dropped);
  REQUIRE(resumed.ok());
  CHECK(*resumed == 2);
  CHECK(dropped == 0);
  CHECK(again.TakeQueued().size() == 2);
}

}  // namespace
}  // namespace evchain::node
