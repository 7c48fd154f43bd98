#include "tests/api/test_chain.h"

#include <doctest/doctest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "api/router.h"
#include "common/encoding.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "ledger/block.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::api::testing {
namespace {

struct ValidatorSpec {
  const char* id;
  const char* role;
  uint8_t seed;
};
constexpr ValidatorSpec kValidators[] = {{"court-1", "court", 1},
                                         {"court-2", "court", 2},
                                         {"notary-1", "notary", 3},
                                         {"time-1", "time", 4}};
constexpr uint8_t kDepositorSeed = 10;
constexpr uint8_t kStrangerSeed = 11;

}  // namespace

crypto::SecretKey SeededKey(uint8_t seed) {
  Bytes s(32, seed);
  return crypto::SecretKey::FromSeed(s);
}

crypto::SecretKey& DepositorKey() {
  static crypto::SecretKey key = SeededKey(kDepositorSeed);
  return key;
}

crypto::SecretKey& StrangerKey() {
  static crypto::SecretKey key = SeededKey(kStrangerSeed);
  return key;
}

std::string TestGenesisJson() {
  nlohmann::ordered_json validators = nlohmann::ordered_json::array();
  int port = 7000;
  for (const ValidatorSpec& v : kValidators) {
    validators.push_back({{"id", v.id},
                          {"role", v.role},
                          {"public_key", ToHex(ByteView(SeededKey(v.seed).public_key()))},
                          {"p2p", "127.0.0.1:" + std::to_string(port++)},
                          {"http", "127.0.0.1:" + std::to_string(port++)}});
  }
  nlohmann::ordered_json g = {{"chain_id", kChainId},
                              {"genesis_time", "2026-11-01T00:00:00.000Z"},
                              {"validators", validators},
                              {"depositors",
                               {{{"id", kDepositorId},
                                 {"name", kDepositorName},
                                 {"public_key", ToHex(ByteView(DepositorKey().public_key()))}}}}};
  return g.dump(2);
}

const genesis::Genesis& TestGenesis() {
  static const genesis::Genesis g = [] {
    auto parsed = genesis::ParseGenesis(TestGenesisJson());
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    return *parsed;
  }();
  return g;
}

ledger::DepositStatement MakeStatement(const Hash32& digest, const std::string& nonce) {
  ledger::DepositStatement s;
  s.chain_id = kChainId;
  s.depositor = kDepositorId;
  s.digest = digest;
  s.kind = "webpage";
  s.source = "https://example.com/page";
  s.captured_at = "2026-11-28T11:00:00Z";
  s.case_ref = "(2026) Hang 0192 Civil 1";
  s.nonce = nonce;
  return s;
}

Hash32 DigestOf(std::string_view content) { return crypto::Sha256(content); }

std::string DepositBody(const std::string& statement_text, const crypto::SecretKey& key) {
  const crypto::Signature sig = key.Sign(AsBytes(statement_text));
  return nlohmann::json{{"statement", statement_text}, {"signature", ToHex(ByteView(sig))}}.dump();
}

std::string DepositBody(const std::string& statement_text) {
  return DepositBody(statement_text, DepositorKey());
}

std::string SignedBatchBody(const std::vector<std::string>& items, const std::string& nonce) {
  ledger::BatchStatement b;
  b.chain_id = kChainId;
  b.depositor = kDepositorId;
  b.items = items.size();
  b.root = ledger::BatchRoot(items);
  b.nonce = nonce;
  const std::string text = b.Canonical();
  const crypto::Signature sig = DepositorKey().Sign(AsBytes(text));
  return nlohmann::json{{"statement", text}, {"signature", ToHex(ByteView(sig))}, {"items", items}}
      .dump();
}

FakeNode::FakeNode() : store_(storage::NewMemoryStore()) {
  auto log = storage::EvidenceLog::Open(store_.get());
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  log_ = std::move(*log);
  last_block_hash_ = TestGenesis().hash;
}

void FakeNode::Submit(std::vector<ledger::Entry> entries, std::vector<ledger::EntryFacts> facts,
                      SubmitDone done) {
  // The handlers hand over their own parse and hash of every statement (api/node_service.h);
  // facts that do not match fail the request (a test sees a 500), not the thread.
  bool facts_match = facts.size() == entries.size();
  for (size_t i = 0; facts_match && i < entries.size(); ++i) {
    const auto expected = ledger::FactsOfEntry(TestGenesis(), entries[i]);
    facts_match = expected.ok() && expected->statement_hash == facts[i].statement_hash &&
                  expected->digest == facts[i].digest &&
                  expected->depositor == facts[i].depositor && expected->nonce == facts[i].nonce;
  }
  evchain::Status s =
      facts_match ? Admit(entries) : evchain::Status::Error("internal", "facts do not match");
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (hold_submits) {
      held_.push_back([done = std::move(done), s] { done(s); });
      return;
    }
  }
  done(s);
}

size_t FakeNode::ReleaseSubmits() {
  std::vector<std::function<void()>> held;
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    held.swap(held_);
  }
  for (auto& resume : held) resume();
  return held.size();
}

size_t FakeNode::held_submits() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return held_.size();
}

evchain::Status FakeNode::Admit(const std::vector<ledger::Entry>& entries) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  ++submit_calls;
  if (submit_error.has_value()) return *submit_error;
  for (const ledger::Entry& e : entries) {
    auto s = ledger::ParseDepositStatement(e.statement);
    REQUIRE_MESSAGE(s.ok(), "handlers must only submit valid statements");
    auto it = nonces_.find({s->depositor, s->nonce});
    if (it != nonces_.end() && it->second != e.statement) {
      return evchain::Status::Error("nonce_conflict", "nonce already used");
    }
  }
  for (const ledger::Entry& e : entries) {
    auto s = ledger::ParseDepositStatement(e.statement);
    nonces_[{s->depositor, s->nonce}] = e.statement;
    const Hash32 id = crypto::Sha256(e.statement);
    auto committed = log_->FindByEvidenceId(id);
    if (pending_ids_.count(id) != 0 || (committed.ok() && committed->has_value())) continue;
    pending_ids_.insert(id);
    pending_.push_back(e);
    ++submitted_entries;
  }
  return evchain::Status::Ok();
}

bool FakeNode::IsPending(const Hash32& evidence_id) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (on_is_pending) on_is_pending();
  return pending_ids_.count(evidence_id) != 0;
}

void FakeNode::SetCommitListener(std::function<void(const std::vector<Hash32>&)> listener) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  listener_ = std::move(listener);
}

HttpResponse Serve(const HttpRequest& request, Context& ctx) {
  HttpResponse response = Handle(request, ctx);
  if (!response.deferred) return response;
  std::promise<evchain::Status> outcome;
  std::future<evchain::Status> resumed = outcome.get_future();
  response.deferred->start([&outcome](evchain::Status s) { outcome.set_value(std::move(s)); });
  return response.deferred->finish(resumed.get());
}

HttpResponse Resolve(HttpResponse response, FakeNode& node) {
  if (!response.commit_wait) return response;
  if (node.commit_on_wait) node.CommitPending();
  return response.commit_wait->finish();
}

NodeStatusInfo FakeNode::Status() const {
  if (on_status) on_status();
  if (!status_throws.empty()) throw std::runtime_error(status_throws);
  NodeStatusInfo s;
  s.validator_id = "court-1";
  s.role = "court";
  s.view = 3;
  s.primary_id = "court-2";
  s.height = log_->height();
  s.log_size = log_->size();
  s.pending = pending_.size();
  s.peers_connected = 2;
  return s;
}

void FakeNode::CommitPending() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (pending_.empty()) return;
  std::vector<crypto::SecretKey> keys;
  for (const ValidatorSpec& v : kValidators) keys.push_back(SeededKey(v.seed));
  std::vector<synthetic::Cosigner> cosigners;
  for (size_t i = 0; i < keys.size(); ++i) cosigners.push_back({kValidators[i].id, &keys[i]});
  const UnixMillis time = kFirstBlockTime + static_cast<UnixMillis>(log_->height()) * 1000;
  auto header = synthetic::AppendCosignedBlock(log_.get(), TestGenesis(), cosigners, pending_, time,
                                               last_block_hash_, "court-2", 3, &frontier_);
  REQUIRE_MESSAGE(header.ok(), header.status().ToString());
  last_block_hash_ = header->Hash();
  std::vector<Hash32> ids(pending_ids_.begin(), pending_ids_.end());
  pending_.clear();
  pending_ids_.clear();
  if (listener_) listener_(ids);
}

}  // namespace evchain::api::testing
