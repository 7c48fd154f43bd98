// What a host checks before Replica::Step (consensus/message.h): VerifyMessage split into
// VerifyEnvelope + VerifyContents, and Prefilter, which lets a host drop what the replica would
// drop unseen before paying for the deposits' signatures.
#include "consensus/message.h"

#include <doctest/doctest.h>

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "ledger/block.h"
#include "ledger/statement.h"

namespace evchain::consensus {
namespace {

constexpr UnixMillis kNow = 1'800'000'000'000;

crypto::SecretKey KeyFromSeed(uint8_t seed) { return crypto::SecretKey::FromSeed(Bytes(32, seed)); }

struct Fixture {
  genesis::Genesis genesis;
  std::vector<crypto::SecretKey> validator_keys;
  crypto::SecretKey depositor_key = KeyFromSeed(99);

  Fixture() {
    genesis.chain_id = "message-test";
    genesis.params.max_clock_skew_ms = 1000;
    for (int i = 0; i < 4; ++i) {
      validator_keys.push_back(KeyFromSeed(static_cast<uint8_t>(i + 1)));
      genesis::Validator v;
      v.id = "v" + std::to_string(i);
      v.public_key = validator_keys.back().public_key();
      genesis.validators.push_back(v);
    }
    genesis.depositors.push_back({"platform", "Test platform", depositor_key.public_key()});
    genesis.hash = crypto::Sha256("genesis of message-test");
  }

  pb::Deposit Deposit(bool good_signature) const {
    ledger::DepositStatement st;
    st.chain_id = genesis.chain_id;
    st.depositor = "platform";
    st.digest = crypto::Sha256("evidence");
    st.nonce = "n1";
    ledger::Entry entry;
    entry.statement = st.Canonical();
    entry.signature = depositor_key.Sign(AsBytes(entry.statement));
    if (!good_signature) entry.signature[5] ^= 1;
    pb::Deposit d;
    ToProto(entry, &d);
    return d;
  }

  std::string Forward(bool good_signature) const {
    pb::Body body;
    *body.mutable_forward()->add_entries() = Deposit(good_signature);
    return SignEnvelope(genesis, 1, validator_keys[1], body);
  }

  std::string PrePrepare(uint64_t height, UnixMillis time) const {
    pb::Body body;
    body.mutable_pre_prepare()->mutable_header()->set_height(height);
    body.mutable_pre_prepare()->mutable_header()->set_time(time);
    *body.mutable_pre_prepare()->add_entries() = Deposit(true);
    return SignEnvelope(genesis, 0, validator_keys[0], body);
  }

  Status Filter(const std::string& wire, ReplicaSnapshot replica, UnixMillis now = kNow) const {
    Result<Message> m = VerifyEnvelope(genesis, wire);
    REQUIRE(m.ok());
    return Prefilter(genesis, *m, replica, now);
  }
};

// VerifyEnvelope bounds the size of votes (docs/protocol.md "Messages"); the largest COMMIT a
// correct validator can send must stay within it: the longest chain id (64 characters), the
// 16th validator, every number at its largest.
TEST_CASE("the largest COMMIT a correct validator sends is within the vote size bound") {
  Fixture f;
  f.genesis.chain_id = std::string(64, 'c');
  while (f.genesis.validators.size() < 16) {
    f.validator_keys.push_back(KeyFromSeed(static_cast<uint8_t>(f.validator_keys.size() + 1)));
    genesis::Validator v;
    v.id = std::string(64, static_cast<char>('a' + f.genesis.validators.size()));
    v.public_key = f.validator_keys.back().public_key();
    f.genesis.validators.push_back(v);
  }
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  ledger::BlockHeader header;
  header.chain_id = f.genesis.chain_id;
  header.height = kMax;
  header.log_size = kMax;
  header.time = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  header.proposer = f.genesis.validators[15].id;
  header.view = kMax;
  pb::Body body;
  pb::Commit* c = body.mutable_commit();
  c->set_view(kMax);
  c->set_seq(kMax);
  c->set_digest(std::string(32, '\xff'));
  c->set_checkpoint_text(ledger::CheckpointText(header));
  c->set_timestamp(kMax);
  c->set_cosignature(std::string(64, '\xff'));
  const std::string wire = SignEnvelope(f.genesis, 15, f.validator_keys[15], body);
  INFO(wire.size(), " bytes");
  CHECK(VerifyEnvelope(f.genesis, wire).ok());
  CHECK(wire.size() < 700);  // well inside the bound
}

// libprotobuf builds an object of some 50 to 100 bytes for each element of a repeated field, 2
// bytes on the wire when empty: a key holder's 16 MiB frame of empty deposits parsed into ~800
// MB on the verifying thread. VerifyEnvelope counts them on the wire before it parses the body.
TEST_CASE("a body of more empty elements than its size allows is refused before it is parsed") {
  Fixture f;
  constexpr int kEmpty = 100'000;
  std::vector<pb::Body> bodies(5);
  for (int i = 0; i < kEmpty; ++i) bodies[0].mutable_pre_prepare()->add_entries();
  for (int i = 0; i < kEmpty; ++i) bodies[1].mutable_forward()->add_entries();
  for (int i = 0; i < kEmpty; ++i) bodies[2].mutable_view_change()->add_checkpoint_proof();
  for (int i = 0; i < kEmpty; ++i) bodies[3].mutable_view_change()->add_prepared()->add_prepares();
  for (int i = 0; i < kEmpty; ++i) bodies[4].mutable_new_view()->add_pre_prepares();
  for (size_t k = 0; k < bodies.size(); ++k) {
    CAPTURE(k);
    const Result<Message> m =
        VerifyEnvelope(f.genesis, SignEnvelope(f.genesis, 0, f.validator_keys[0], bodies[k]));
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == "malformed");
  }
  // A correct primary's block of 1,000 deposits (each a statement and a signature) passes.
  pb::Body block;
  block.mutable_pre_prepare()->mutable_header()->set_height(1);
  for (int i = 0; i < 1000; ++i) *block.mutable_pre_prepare()->add_entries() = f.Deposit(true);
  CHECK(VerifyEnvelope(f.genesis, SignEnvelope(f.genesis, 0, f.validator_keys[0], block)).ok());
}

TEST_CASE("VerifyContents finishes what VerifyEnvelope starts") {
  Fixture f;
  const std::string bad = f.Forward(/*good_signature=*/false);
  Result<Message> envelope = VerifyEnvelope(f.genesis, bad);
  REQUIRE(envelope.ok());  // the envelope is fine, the deposit is not
  Result<Message> full = VerifyContents(f.genesis, std::move(*envelope));
  REQUIRE_FALSE(full.ok());
  CHECK(full.status().code() == "bad_deposit");
  CHECK(VerifyMessage(f.genesis, bad).status().code() == "bad_deposit");

  const std::string good = f.Forward(/*good_signature=*/true);
  envelope = VerifyEnvelope(f.genesis, good);
  REQUIRE(envelope.ok());
  full = VerifyContents(f.genesis, std::move(*envelope));
  REQUIRE(full.ok());
  CHECK(full->sender() == 1);
  CHECK(full->wire() == good);
}

// A PRE-PREPARE only its view's primary may sign: any other signer is Byzantine, and its
// deposits (up to a frame's worth of signature checks) are not checked before it is dropped.
TEST_CASE("Prefilter drops a pre-prepare its view's primary did not sign, as an offence") {
  Fixture f;
  const auto pre_prepare = [&f](uint64_t view, int signer) {
    pb::Body body;
    body.mutable_pre_prepare()->set_view(view);
    body.mutable_pre_prepare()->mutable_header()->set_height(1);
    body.mutable_pre_prepare()->mutable_header()->set_time(kNow);
    *body.mutable_pre_prepare()->add_entries() = f.Deposit(true);
    return SignEnvelope(f.genesis, signer, f.validator_keys[static_cast<size_t>(signer)], body);
  };
  CHECK(f.Filter(pre_prepare(0, 0), {}).ok());
  CHECK(f.Filter(pre_prepare(5, 1), {}).ok());  // view 5's primary is validator 5 mod 4
  const Status other = f.Filter(pre_prepare(0, 2), {});
  CHECK(other.code() == "not_primary");
  CHECK_FALSE(IsPrefilterCode(other.code()));  // no correct validator sends it
  CHECK(f.Filter(pre_prepare(6, 1), {}).code() == "not_primary");
}

// A block of no deposits, or of more than max_batch, is refused whatever it holds: before its
// deposits' signatures are checked (a frame holds some 40,000 of them).
TEST_CASE("Prefilter drops a pre-prepare of a block size no correct primary proposes") {
  Fixture f;
  f.genesis.params.max_batch = 3;
  const auto pre_prepare = [&f](int entries) {
    pb::Body body;
    body.mutable_pre_prepare()->mutable_header()->set_height(1);
    body.mutable_pre_prepare()->mutable_header()->set_time(kNow);
    for (int i = 0; i < entries; ++i) *body.mutable_pre_prepare()->add_entries() = f.Deposit(true);
    return SignEnvelope(f.genesis, 0, f.validator_keys[0], body);
  };
  CHECK(f.Filter(pre_prepare(1), {}).ok());
  CHECK(f.Filter(pre_prepare(3), {}).ok());
  for (int entries : {0, 4, 100}) {
    CAPTURE(entries);
    const Status s = f.Filter(pre_prepare(entries), {});
    CHECK(s.code() == "bad_batch_size");
    CHECK_FALSE(IsPrefilterCode(s.code()));
  }
}

TEST_CASE("Prefilter drops pre-prepares of committed heights") {
  Fixture f;
  CHECK(f.Filter(f.PrePrepare(5, kNow), {.committed_height = 5}).code() == "already_committed");
  CHECK(f.Filter(f.PrePrepare(6, kNow), {.committed_height = 5}).ok());
}

TEST_CASE("Prefilter applies the replica's clock-skew rule to every pre-prepare message") {
  Fixture f;
  const ReplicaSnapshot normal{.committed_height = 1};
  CHECK(f.Filter(f.PrePrepare(2, kNow - 1000), normal).ok());  // the bounds are inclusive
  CHECK(f.Filter(f.PrePrepare(2, kNow + 1000), normal).ok());
  CHECK(f.Filter(f.PrePrepare(2, kNow - 1001), normal).code() == "clock_skew");
  CHECK(f.Filter(f.PrePrepare(2, kNow + 1001), normal).code() == "clock_skew");
  // Blocks re-proposed with their old times travel inside NEW-VIEW, never as a PRE-PREPARE
  // message: a replica changing view checks these too (a Byzantine new primary's far-future or
  // backdated block was once let through here).
  CHECK(f.Filter(f.PrePrepare(2, kNow - 60'000), normal).code() == "clock_skew");
  CHECK(f.Filter(f.PrePrepare(2, kNow + 3'600'000), normal).code() == "clock_skew");
  CHECK(WithinClockSkew(f.genesis.params, kNow, kNow));
  CHECK_FALSE(WithinClockSkew(f.genesis.params, kNow + 1001, kNow));
}

TEST_CASE("Prefilter drops forwarded deposits only during a state transfer") {
  Fixture f;
  const std::string forward = f.Forward(true);
  CHECK(f.Filter(forward, {}).ok());
  CHECK(f.Filter(forward, {.catching_up = true}).code() == "catching_up");
  // Other messages pass whatever the replica is doing.
  pb::Body body;
  body.mutable_status()->set_view(3);
  const std::string status = SignEnvelope(f.genesis, 2, f.validator_keys[2], body);
  CHECK(f.Filter(status, {.committed_height = 9, .catching_up = true}).ok());
}

// A DepositCheckCache that remembers keys (with the facts it is given) and counts what
// VerifyContents asks.
struct CountingCache : DepositCheckCache {
  std::map<Hash32, std::optional<ledger::EntryFacts>> verified;
  std::set<Hash32> committed;
  int begun = 0, finished_ok = 0, finished_bad = 0, counted = 0;
  bool Begin(const Hash32& key, std::optional<ledger::EntryFacts>* facts) override {
    ++begun;
    auto it = verified.find(key);
    if (it == verified.end()) return false;
    if (facts != nullptr) *facts = it->second;
    return true;
  }
  void Finish(const Hash32& key, bool ok, const ledger::EntryFacts* facts) override {
    ++(ok ? finished_ok : finished_bad);
    if (ok) verified[key] = facts != nullptr ? std::optional(*facts) : std::nullopt;
  }
  bool Committed(const Hash32& id) override { return committed.count(id) > 0; }
  bool Empty() override { return verified.empty(); }
  void CountVerified(size_t entries) override { counted += static_cast<int>(entries); }
};

Result<Message> Contents(const Fixture& f, const std::string& wire, DepositCheckCache* cache) {
  Result<Message> envelope = VerifyEnvelope(f.genesis, wire);
  REQUIRE(envelope.ok());
  return VerifyContents(f.genesis, std::move(*envelope), cache);
}

TEST_CASE("with a cache, a deposit is verified once, however many messages carry it") {
  Fixture f;
  CountingCache cache;
  // The FORWARD verifies it; the PRE-PREPARE and a retransmitted FORWARD find it verified.
  REQUIRE(Contents(f, f.Forward(true), &cache).ok());
  CHECK(cache.finished_ok == 1);
  REQUIRE(Contents(f, f.PrePrepare(2, kNow), &cache).ok());
  REQUIRE(Contents(f, f.Forward(true), &cache).ok());
  CHECK(cache.finished_ok == 1);
  CHECK(cache.begun == 3);
  // The same statement with another signature is another entry: verified, and refused.
  Result<Message> bad = Contents(f, f.Forward(false), &cache);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == "bad_deposit");
  CHECK(cache.finished_bad == 1);
  CHECK(DepositCheckKey(*FromProto(f.Deposit(true))) !=
        DepositCheckKey(*FromProto(f.Deposit(false))));
}

// Issue 11: a deposit is parsed and hashed once per validator. VerifyContents parses and hashes
// each entry it verifies and hands the result to the replica (Message::entry_facts), whose
// CheckBlock then neither parses nor hashes the entry again.
TEST_CASE("VerifyContents hands the replica the facts of each entry it verified") {
  Fixture f;
  const ledger::Entry entry = *FromProto(f.Deposit(true));
  Result<ledger::EntryFacts> expected = ledger::FactsOfEntry(f.genesis, entry);
  REQUIRE(expected.ok());
  CHECK(expected->statement_hash == crypto::Sha256(entry.statement));
  CHECK(expected->nonce == "n1");
  for (bool with_cache : {false, true}) {
    CountingCache cache;
    Result<Message> pp = Contents(f, f.PrePrepare(2, kNow), with_cache ? &cache : nullptr);
    REQUIRE(pp.ok());
    REQUIRE(pp->entry_facts().size() == 1);
    REQUIRE(pp->entry_facts()[0].has_value());
    const ledger::EntryFacts& got = *pp->entry_facts()[0];
    CHECK(got.statement_hash == expected->statement_hash);
    CHECK(got.digest == expected->digest);
    CHECK(got.depositor == expected->depositor);
    CHECK(got.nonce == expected->nonce);
  }
  // An entry a cache had verified before is neither verified nor parsed here: its facts are the
  // ones the cache kept from that check (the FORWARD's), so the replica parses nothing either.
  CountingCache cache;
  REQUIRE(Contents(f, f.Forward(true), &cache).ok());
  REQUIRE(cache.verified.size() == 1);
  ledger::EntryFacts& kept = *cache.verified.begin()->second;
  CHECK(kept.nonce == expected->nonce);
  kept.nonce = "from the cache";  // proves the PRE-PREPARE's facts were not parsed anew
  Result<Message> again = Contents(f, f.PrePrepare(2, kNow), &cache);
  REQUIRE(again.ok());
  CHECK(cache.finished_ok == 1);
  REQUIRE(again->entry_facts().size() == 1);
  REQUIRE(again->entry_facts()[0].has_value());
  CHECK(again->entry_facts()[0]->nonce == "from the cache");
  CHECK(again->entry_facts()[0]->statement_hash == expected->statement_hash);
  // A cache that kept no facts for the key (an entry verified by VerifyDeposits) hands none: the
  // replica then parses the entry itself.
  cache.verified.begin()->second.reset();
  Result<Message> bare = Contents(f, f.PrePrepare(2, kNow), &cache);
  REQUIRE(bare.ok());
  REQUIRE(bare->entry_facts().size() == 1);
  CHECK_FALSE(bare->entry_facts()[0].has_value());
  // Other kinds carry none.
  pb::Body status;
  status.mutable_status()->set_view(0);
  Result<Message> other =
      Contents(f, SignEnvelope(f.genesis, 2, f.validator_keys[2], status), nullptr);
  REQUIRE(other.ok());
  CHECK(other->entry_facts().empty());
}

TEST_CASE("with a cache, a FORWARD of committed deposits costs no signature check") {
  Fixture f;
  CountingCache cache;
  cache.committed.insert(crypto::Sha256(FromProto(f.Deposit(true))->statement));
  // Even a bad signature passes: the replica ignores committed deposits in a FORWARD unseen.
  REQUIRE(Contents(f, f.Forward(false), &cache).ok());
  CHECK(cache.finished_ok == 0);
  // A PRE-PREPARE's deposits are checked regardless (its block is then refused as a duplicate).
  REQUIRE(Contents(f, f.PrePrepare(2, kNow), &cache).ok());
  CHECK(cache.finished_ok == 1);
}

TEST_CASE("with a cache, a fetched block's deposits met before are not verified again") {
  // A replica that fell behind fetches blocks holding deposits it verified on admission or in a
  // FORWARD (VerifyFetchedBlocks hands its cache to VerifyDeposits).
  Fixture f;
  CountingCache cache;
  const ledger::Entry seen = *FromProto(f.Deposit(true));
  // An empty cache (a replica catching up after a restart) spares nothing: no keys, only counts.
  CHECK(VerifyDeposits(f.genesis, {seen, seen}, &cache).ok());
  CHECK(cache.counted == 2);
  CHECK(cache.begun == 0);
  REQUIRE(Contents(f, f.Forward(true), &cache).ok());
  REQUIRE(cache.finished_ok == 1);
  CHECK(VerifyDeposits(f.genesis, {seen}, &cache).ok());
  CHECK(cache.finished_ok == 1);
  CHECK(cache.begun == 2);
  // A deposit it never met is verified and remembered; a tampered one is refused and not.
  ledger::Entry tampered = seen;
  tampered.statement += " ";
  Status s = VerifyDeposits(f.genesis, {seen, tampered}, &cache);
  CHECK(s.code() == "bad_deposit");
  CHECK(cache.finished_bad == 1);
  CHECK(cache.verified.count(DepositCheckKey(tampered)) == 0);
  // Without a cache every deposit is checked.
  CHECK(VerifyDeposits(f.genesis, {seen}).ok());
  CHECK(cache.begun == 4);
}

// Three items of one signed batch of `fixture`'s depositor.
std::vector<ledger::Entry> SignedBatch(const Fixture& fixture, const std::string& nonce) {
  std::vector<std::string> items;
  for (int i = 0; i < 3; ++i) {
    ledger::DepositStatement st;
    st.chain_id = fixture.genesis.chain_id;
    st.depositor = "platform";
    st.digest = crypto::Sha256(nonce + " item " + std::to_string(i));
    st.nonce = nonce + "." + std::to_string(i);
    items.push_back(st.Canonical());
  }
  const ledger::BatchStatement batch{fixture.genesis.chain_id, "platform", items.size(),
                                     ledger::BatchRoot(items), nonce};
  const std::string text = batch.Canonical();
  return ledger::BatchEntries(text, fixture.depositor_key.Sign(AsBytes(text)), items);
}

TEST_CASE("a batch signature vouches, once verified, only for its own statement") {
  Fixture f;
  const std::vector<ledger::Entry> batch = SignedBatch(f, "b1");
  BatchSignatureCache cache;
  const ledger::BatchProof& proof = *batch[0].batch;
  CHECK(cache.Find(proof.statement, proof.signature) == nullptr);
  for (const ledger::Entry& item : batch) CHECK(VerifyDepositCached(f.genesis, item, &cache).ok());
  const ledger::BatchStatement* cached = cache.Find(proof.statement, proof.signature);
  REQUIRE(cached != nullptr);
  CHECK(cached->items == 3);
  // The same signature under another batch statement (another root) is not taken from the
  // cache: it is checked, and fails.
  std::vector<ledger::Entry> other = SignedBatch(f, "b2");
  ledger::Entry forged = other[0];
  forged.signature = proof.signature;
  forged.batch->signature = proof.signature;
  CHECK(cache.Find(forged.batch->statement, forged.batch->signature) == nullptr);
  Status s = VerifyDepositCached(f.genesis, forged, &cache);
  CHECK(s.code() == "bad_deposit");
  CHECK(s.message().find("batch signature does not verify") != std::string::npos);
  // Items of both batches in one message: each batch verified on its own.
  std::vector<ledger::Entry> both = batch;
  both.insert(both.end(), other.begin(), other.end());
  CHECK(VerifyDeposits(f.genesis, both).ok());
  both.push_back(forged);
  CHECK(VerifyDeposits(f.genesis, both).code() == "bad_deposit");
}

TEST_CASE("VerifyContents checks a view-change's certificates, alone or inside a NEW-VIEW") {
  Fixture f;
  const auto view_change = [&](int sender, const Hash32& stable_digest) {
    pb::Body body;
    pb::ViewChange* vc = body.mutable_view_change();
    vc->set_new_view(1);
    vc->set_stable_seq(0);
    vc->set_stable_digest(std::string(stable_digest.begin(), stable_digest.end()));
    return SignEnvelope(f.genesis, sender, f.validator_keys[sender], body);
  };
  const Hash32 other = crypto::Sha256("not the genesis");
  Result<Message> good = VerifyMessage(f.genesis, view_change(2, f.genesis.hash));
  REQUIRE(good.ok());
  CHECK(good->certificates_checked());  // the replica will not check them again
  // A stable checkpoint at 0 must be the genesis: refused before the replica's thread sees it.
  CHECK(VerifyMessage(f.genesis, view_change(2, other)).status().code() == "bad_view_change");

  const auto new_view = [&](const Hash32& digest_of_one) {
    pb::Body body;
    body.mutable_new_view()->set_view(1);
    for (int i : {0, 2, 3}) {
      body.mutable_new_view()->add_view_changes(
          view_change(i, i == 3 ? digest_of_one : f.genesis.hash));
    }
    return SignEnvelope(f.genesis, 1, f.validator_keys[1], body);
  };
  Result<Message> nv = VerifyMessage(f.genesis, new_view(f.genesis.hash));
  REQUIRE(nv.ok());
  CHECK(nv->certificates_checked());
  CHECK(VerifyMessage(f.genesis, new_view(other)).status().code() == "bad_new_view");
  // Other messages carry no certificates.
  CHECK_FALSE(VerifyMessage(f.genesis, f.Forward(true))->certificates_checked());
}

ledger::Entry BatchItemWithProof(size_t proof_hashes) {
  ledger::Entry e;
  e.statement = "item statement";
  e.signature.fill(7);
  ledger::BatchProof b;
  b.statement = "batch statement";
  b.signature = e.signature;
  b.item_index = 5;
  for (size_t i = 0; i < proof_hashes; ++i) {
    b.item_proof.push_back(crypto::Sha256("proof hash " + std::to_string(i)));
  }
  e.batch = std::move(b);
  return e;
}

void CheckSameBatchItem(const ledger::Entry& got, const ledger::Entry& want) {
  CHECK(got.statement == want.statement);
  CHECK(got.signature == want.signature);
  REQUIRE(got.batch.has_value());
  CHECK(got.batch->statement == want.batch->statement);
  CHECK(got.batch->signature == want.batch->signature);
  CHECK(got.batch->item_index == want.batch->item_index);
  CHECK(got.batch->item_proof == want.batch->item_proof);
}

TEST_CASE(
    "a batch item's proof travels packed in one field, the older one-per-hash form still reads") {
  for (size_t hashes : {0, 1, 10}) {
    const ledger::Entry item = BatchItemWithProof(hashes);
    pb::Deposit packed;
    ToProto(item, &packed);
    CHECK(packed.batch().item_proof().size() == 32 * hashes);
    CHECK(packed.batch().item_proof_list_size() == 0);
    Result<ledger::Entry> decoded = FromProto(packed);
    REQUIRE(decoded.ok());
    CheckSameBatchItem(*decoded, item);

    // As written before 2026-12-04 (consensus messages, pending-journal records).
    pb::Deposit old = packed;
    old.mutable_batch()->clear_item_proof();
    for (const Hash32& h : item.batch->item_proof) {
      old.mutable_batch()->add_item_proof_list(std::string(h.begin(), h.end()));
    }
    decoded = FromProto(old);
    REQUIRE(decoded.ok());
    CheckSameBatchItem(*decoded, item);
  }

  pb::Deposit d;
  ToProto(BatchItemWithProof(2), &d);
  SUBCASE("both forms at once") { d.mutable_batch()->add_item_proof_list(std::string(32, 'x')); }
  SUBCASE("a packed proof that is not whole hashes") {
    d.mutable_batch()->mutable_item_proof()->pop_back();
  }
  SUBCASE("a listed hash that is not 32 bytes") {
    d.mutable_batch()->clear_item_proof();
    d.mutable_batch()->add_item_proof_list(std::string(31, 'x'));
  }
  Result<ledger::Entry> bad = FromProto(d);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == "bad_deposit");
}

}  // namespace
}  // namespace evchain::consensus
