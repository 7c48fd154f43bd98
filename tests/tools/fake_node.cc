#include "tests/tools/fake_node.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "api/views.h"
#include "common/encoding.h"
#include "ledger/statement.h"
#include "storage/receipts.h"

namespace evchain::cli::testing {

using synthetic::ChainBuilder;
using synthetic::MakeTestNetwork;
using synthetic::TestNetwork;
namespace {

using nlohmann::json;

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void Error(httplib::Response& res, int status, const std::string& code,
           const std::string& message = "") {
  Reply(res, status, {{"error", {{"code", code}, {"message", message.empty() ? code : message}}}});
}

json ReceiptValue(const storage::EvidenceLog& log, const genesis::Genesis& g, uint64_t index) {
  Result<ledger::Receipt> receipt = storage::BuildReceipt(log, g, index);
  REQUIRE(receipt.ok());
  return json::parse(receipt->ToJson());
}

// The block as the node's GET /v1/blocks answers it (the same view function).
json BlockValue(const storage::EvidenceLog& log, uint64_t height) {
  Result<json> view = api::ViewBlock(log, height);
  REQUIRE(view.ok());
  return std::move(*view);
}

}  // namespace

FakeNode::FakeNode()
    : net_(MakeTestNetwork("fake-chain", 1764000000000)),
      store_(storage::NewMemoryStore()),
      next_time_(1764000000000 + 1000),
      server_(std::make_unique<httplib::Server>()) {
  auto log = storage::EvidenceLog::Open(store_.get());
  REQUIRE(log.ok());
  log_ = std::move(log).value();
  builder_ = std::make_unique<ChainBuilder>(net_, log_.get(), 3);
  Routes();
  port_ = server_->bind_to_any_port("127.0.0.1");
  REQUIRE(port_ > 0);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::yield();
}

FakeNode::~FakeNode() {
  server_->stop();
  thread_.join();
}

void FakeNode::CommitDeposit(const Hash32& digest) {
  std::lock_guard<std::mutex> lock(mu_);
  auto h = builder_->AppendBlock(
      {builder_->Deposit(digest, "fake-" + std::to_string(log_->size()))}, next_time_);
  REQUIRE(h.ok());
  next_time_ += 1000;
}

bool FakeNode::Refused(httplib::Response& res) {
  if (refusals_left_ == 0) return false;
  --refusals_left_;
  ++refused_;
  Error(res, 503, "overloaded", hostile_text_);
  res.set_header("Retry-After", std::to_string(retry_after_s_));
  return true;
}

void FakeNode::Routes() {
  auto& s = *server_;
  s.Get("/v1/genesis", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(genesis::GenesisToJson(net_.genesis), "application/json");
  });
  s.Get("/v1/status", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    Reply(res, 200, {{"height", log_->height()}, {"log_size", log_->size()}});
  });
  s.Get("/v1/checkpoint", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    auto b = log_->GetBlock(log_->height());
    if (!b.ok()) return Error(res, 404, "no_blocks");
    res.set_content(hostile_text_.empty() ? b->certificate : hostile_text_, "text/plain");
  });
  s.Get("/v1/proofs/consistency", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t from = std::stoull(req.get_param_value("from"));
    const uint64_t to = std::stoull(req.get_param_value("to"));
    auto proof = log_->ConsistencyProof(from, to);
    if (!proof.ok()) return Error(res, 400, proof.status().code());
    json hashes = json::array();
    for (auto h : *proof) {
      if (corrupt_proofs_) h[0] ^= 1;
      hashes.push_back(ToHex(h));
    }
    Reply(res, 200, {{"from", from}, {"to", to}, {"proof", hashes}});
  });
  s.Get("/v1/blocks", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!blocks_token_.empty() &&
        req.get_header_value("Authorization") != "Bearer " + blocks_token_) {
      Error(res, 401, "unauthorized", "block listing needs a bearer token");
      res.set_header("WWW-Authenticate", "Bearer realm=\"evchain\"");
      return;
    }
    const uint64_t from = std::stoull(req.get_param_value("from"));
    const uint64_t limit = std::stoull(req.get_param_value("limit"));
    json blocks = json::array();
    for (uint64_t h = from; h <= log_->height() && h < from + limit; ++h) {
      blocks.push_back(BlockValue(*log_, h));
    }
    Reply(res, 200, {{"blocks", blocks}});
  });
  s.Get(R"(/v1/evidence/([0-9a-f]{64}))", [this](const httplib::Request& req,
                                                 httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    auto indexes = log_->FindByDigest(*Hash32FromHex(req.matches[1].str()));
    // As api/lookup_handlers.cc (docs/api.md): an unknown digest is 200 with no deposits.
    if (!indexes.ok()) return Error(res, 500, "internal");
    json deposits = json::array();
    for (uint64_t i : *indexes) {
      json receipt = ReceiptValue(*log_, net_.genesis, i);
      deposits.push_back(
          {{"evidence_id", hostile_text_.empty() ? receipt["evidence_id"] : json(hostile_text_)},
           {"receipt", receipt}});
    }
    Reply(res, 200, {{"digest", req.matches[1].str()}, {"deposits", deposits}});
  });
  s.Get(R"(/v1/deposits/([0-9a-f]{64}))",
        [this](const httplib::Request& req, httplib::Response& res) {
          std::lock_guard<std::mutex> lock(mu_);
          auto index = log_->FindByEvidenceId(*Hash32FromHex(req.matches[1].str()));
          if (!index.ok() || !index->has_value()) return Error(res, 404, "not_found");
          Reply(res, 200,
                {{"evidence_id", req.matches[1].str()},
                 {"status", "committed"},
                 {"receipt", ReceiptValue(*log_, net_.genesis, **index)}});
        });
  s.Post("/v1/deposits", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    if (Refused(res)) return;
    auto body = json::parse(req.body);
    ledger::Entry entry;
    entry.statement = body["statement"];
    auto sig = FromHex(body["signature"].get<std::string>());
    if (!sig || sig->size() != 64) return Error(res, 400, "bad_signature");
    std::copy(sig->begin(), sig->end(), entry.signature.begin());
    if (!crypto::Verify(net_.depositor_key.public_key(), AsBytes(entry.statement),
                        entry.signature)) {
      return Error(res, 400, "bad_signature");
    }
    REQUIRE(builder_->AppendBlock({entry}, next_time_).ok());
    next_time_ += 1000;
    const std::string id = ledger::EvidenceId(entry.statement);
    if (req.get_param_value("wait") != "commit") {
      return Reply(res, 202, {{"evidence_id", id}, {"status", "pending"}});
    }
    Reply(res, 200,
          {{"evidence_id", id},
           {"status", "committed"},
           {"receipt", ReceiptValue(*log_, net_.genesis, log_->size() - 1)}});
  });
  s.Post("/v1/deposits/batch", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    if (Refused(res)) return;
    auto body = json::parse(req.body);
    const std::string batch_text = body["statement"];
    auto sig = FromHex(body["signature"].get<std::string>());
    if (!sig || sig->size() != 64) return Error(res, 400, "bad_signature");
    crypto::Signature signature;
    std::copy(sig->begin(), sig->end(), signature.begin());
    if (!crypto::Verify(net_.depositor_key.public_key(), AsBytes(batch_text), signature)) {
      return Error(res, 400, "bad_signature");
    }
    std::vector<std::string> items = body["items"];
    auto batch = ledger::ParseBatchStatement(batch_text);
    if (!batch.ok() || !ledger::ValidateBatchItems(*batch, items).ok()) {
      return Error(res, 400, "bad_batch");
    }
    std::vector<ledger::Entry> entries = ledger::BatchEntries(batch_text, signature, items);
    const uint64_t first = log_->size();
    REQUIRE(builder_->AppendBlock(entries, next_time_).ok());
    next_time_ += 1000;
    json ids = json::array();
    json receipts = json::array();
    for (size_t i = 0; i < items.size(); ++i) {
      ids.push_back(ledger::EvidenceId(items[i]));
      receipts.push_back(ReceiptValue(*log_, net_.genesis, first + i));
    }
    json out = {{"evidence_ids", ids}};
    if (req.get_param_value("wait") == "commit") out["receipts"] = receipts;
    Reply(res, req.get_param_value("wait") == "commit" ? 200 : 202, out);
  });
}

}  // namespace evchain::cli::testing
