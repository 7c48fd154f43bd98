// POST /v1/deposits and POST /v1/deposits/batch. Every check happens before NodeService::Submit,
// so bad input stores nothing. docs/api.md "Deposits".
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/handlers.h"
#include "api/metric_names.h"
#include "api/request_parsing.h"
#include "api/views.h"
#include "common/encoding.h"
#include "common/hash_order.h"
#include "crypto/sha256.h"
#include "ledger/block.h"
#include "ledger/statement.h"
#include "storage/receipts.h"

namespace evchain::api {
namespace {

std::string ItemName(size_t i) { return "items[" + std::to_string(i) + "]"; }

// The batch item a "nonce_conflict" from Submit is about, found by the nonce the node names as
// "nonce '<nonce>'" (node/deposit_pool_inl.h); nullopt when it names no item's nonce. A batch's
// nonces are distinct (CheckItems) and never hold a quote (docs/formats.md), so at most one item
// matches. Runs on the error path only.
std::optional<size_t> ConflictingItem(const std::string& message,
                                      const std::vector<std::string>& item_nonces) {
  for (size_t i = 0; i < item_nonces.size(); ++i) {
    if (message.find("nonce '" + item_nonces[i] + "'") != std::string::npos) return i;
  }
  return std::nullopt;
}

// Submit's documented errors map to 409 and 503; anything else is the node's fault. A nonce
// conflict of a batch names its item, as item errors do (docs/api.md); `item_nonces` is empty
// for a single deposit.
HttpResponse SubmitError(const Status& s, const std::vector<std::string>& item_nonces) {
  if (s.code() == "nonce_conflict") {
    const std::optional<size_t> item = ConflictingItem(s.message(), item_nonces);
    if (!item.has_value()) return ErrorFromStatus(409, s);
    return ErrorResponse(409, s.code(), ItemName(*item) + ": " + s.message());
  }
  // "unavailable": an earlier copy's journal write failed; the client sends it again.
  if (s.code() == "overloaded" || s.code() == "unavailable") return ErrorFromStatus(503, s);
  return InternalErrorLogged("submit failed: " + s.ToString());
}

// Receipts for `ids` if every one is committed; nullopt otherwise.
Result<std::optional<nlohmann::json>> CommittedReceipts(Context& ctx,
                                                        const std::vector<Hash32>& ids) {
  nlohmann::json receipts = nlohmann::json::array();
  for (const Hash32& id : ids) {
    Result<std::optional<uint64_t>> index = ctx.node.Log().FindByEvidenceId(id);
    if (!index.ok()) return index.status();
    if (!index->has_value()) return std::optional<nlohmann::json>();
    Result<ledger::Receipt> receipt = storage::BuildReceipt(ctx.node.Log(), ctx.genesis, **index);
    if (!receipt.ok()) return receipt.status();
    receipts.push_back(receipt->ToJsonValue());
  }
  return std::optional<nlohmann::json>(std::move(receipts));
}

// The answer for `ids`: 200 with the receipts once all are committed, else 202 pending. `single`
// selects the one-deposit response shape.
HttpResponse Respond(Context& ctx, const std::vector<Hash32>& ids, bool single) {
  Result<std::optional<nlohmann::json>> receipts = CommittedReceipts(ctx, ids);
  if (!receipts.ok()) return InternalError(ctx.metrics, receipts.status());
  const bool committed = receipts->has_value();
  nlohmann::json body;
  if (single) {
    body = {{"evidence_id", ToHex(ids[0])}, {"status", committed ? "committed" : "pending"}};
    if (committed) body["receipt"] = std::move((**receipts)[0]);  // moved: a receipt is ~3 KB
  } else {
    nlohmann::json hex_ids = nlohmann::json::array();
    for (const Hash32& id : ids) hex_ids.push_back(ToHex(id));
    body = {{"evidence_ids", std::move(hex_ids)}, {"status", committed ? "committed" : "pending"}};
    if (committed) body["receipts"] = std::move(**receipts);
  }
  return JsonResponse(committed ? 200 : 202, body.dump());
}

// Submits (unless all are committed already) and answers once the submission is durable: the
// answer is Deferred, so a request waiting for the node's journal write holds no worker. With
// `wait`, a pending answer carries a CommitWait: the transport parks the request until the
// commit or the bound, then sends Respond() again (docs/api.md "Connections").
// `facts[i]` is what this handler's parse and hash of entries[i]'s statement gave: the node
// neither parses nor hashes the statements again (api/node_service.h).
HttpResponse SubmitAndRespond(Context& ctx, std::vector<ledger::Entry> entries,
                              std::vector<ledger::EntryFacts> facts,
                              std::optional<std::chrono::milliseconds> wait, bool single) {
  std::vector<Hash32> ids;
  ids.reserve(facts.size());
  for (const ledger::EntryFacts& f : facts) ids.push_back(f.statement_hash);
  Result<std::optional<nlohmann::json>> receipts = CommittedReceipts(ctx, ids);
  if (!receipts.ok()) return InternalError(ctx.metrics, receipts.status());
  if (receipts->has_value()) return Respond(ctx, ids, single);
  std::vector<std::string> item_nonces;  // to name the item of a nonce conflict
  if (!single) {
    item_nonces.reserve(facts.size());
    for (const ledger::EntryFacts& f : facts) item_nonces.push_back(f.nonce);
  }
  auto deferred = std::make_shared<Deferred>();
  deferred->start = [&node = ctx.node, entries = std::move(entries),
                     facts = std::move(facts)](std::function<void(Status)> resume) mutable {
    node.Submit(std::move(entries), std::move(facts), std::move(resume));
  };
  deferred->finish = [ctx, ids = std::move(ids), item_nonces = std::move(item_nonces), wait,
                      single](const Status& s) mutable {
    if (!s.ok()) return SubmitError(s, item_nonces);
    HttpResponse pending = Respond(ctx, ids, single);
    if (wait.has_value() && wait->count() > 0 && pending.status == 202) {
      auto commit_wait = std::make_shared<CommitWait>();
      commit_wait->evidence_ids = ids;
      commit_wait->bound = *wait;
      commit_wait->finish = [ctx, ids, single]() mutable { return Respond(ctx, ids, single); };
      pending.commit_wait = std::move(commit_wait);
    }
    return pending;
  };
  HttpResponse response;
  response.deferred = std::move(deferred);
  return response;
}

// The depositor's quota (docs/api.md "Limits"), checked only after its signature verified: an
// unauthenticated client cannot spend another depositor's quota.
std::optional<HttpResponse> CheckQuota(Context& ctx, const std::string& depositor) {
  if (ctx.quotas == nullptr || ctx.quotas->Allow(depositor, DepositorQuotas::Clock::now())) {
    return std::nullopt;
  }
  HttpResponse r = ErrorResponse(429, "quota_exceeded",
                                 "depositor \"" + depositor + "\" is over its deposit quota");
  r.headers["Retry-After"] = "1";
  return r;
}

// The statement and signature every deposit route takes, and the JSON object they came in.
struct SignedBody {
  nlohmann::json object;
  std::string statement;
  crypto::Signature signature{};
};

// A route's body: a JSON object of exactly `fields` (which include statement and signature).
Result<SignedBody> ParseSignedBody(const HttpRequest& request,
                                   const std::vector<std::string_view>& fields) {
  auto object = ParseStrictObject(request.body, fields, fields);
  if (!object.ok()) return object.status();
  auto text = StringField(*object, "statement");
  if (!text.ok()) return text.status();
  auto sig_hex = StringField(*object, "signature");
  if (!sig_hex.ok()) return sig_hex.status();
  auto signature = ParseSignatureHex("signature", *sig_hex);
  if (!signature.ok()) return signature.status();
  return SignedBody{std::move(*object), std::move(*text), *signature};
}

// Refuses a statement (`what`: "statement" or "batch statement") for another chain, from a
// depositor not in the genesis, or whose signature does not verify under that depositor's key;
// nullopt when it is authentic. The one signature check comes before any per-item work, so an
// unauthenticated client cannot make the node hash 10,000 items.
std::optional<HttpResponse> Authenticate(Context& ctx, const SignedBody& body,
                                         std::string_view what, const std::string& chain_id,
                                         const std::string& depositor_id) {
  if (chain_id != ctx.genesis.chain_id) {
    return ErrorResponse(400, "wrong_chain",
                         std::string(what) + " is for chain \"" + chain_id + "\", this is \"" +
                             ctx.genesis.chain_id + "\"");
  }
  const genesis::Depositor* depositor = ctx.genesis.FindDepositor(depositor_id);
  if (depositor == nullptr) {
    return ErrorResponse(403, "unknown_depositor",
                         "depositor \"" + depositor_id + "\" is not in the genesis");
  }
  if (!crypto::Verify(depositor->public_key, AsBytes(body.statement), body.signature)) {
    return ErrorResponse(401, "bad_signature",
                         "signature does not verify under the depositor's genesis key");
  }
  return CheckQuota(ctx, depositor_id);
}

HttpResponse PostDeposit(const HttpRequest& request, Context& ctx) {
  auto wait = ParseCommitWait(request, ctx.config);
  if (!wait.ok()) return ErrorFromStatus(400, wait.status());
  auto body = ParseSignedBody(request, {"statement", "signature"});
  if (!body.ok()) return ErrorFromStatus(400, body.status());
  auto statement = ledger::ParseDepositStatement(body->statement);
  if (!statement.ok()) return ErrorFromStatus(400, statement.status());
  if (auto refused =
          Authenticate(ctx, *body, "statement", statement->chain_id, statement->depositor)) {
    return *refused;
  }
  ledger::EntryFacts facts{crypto::Sha256(body->statement), statement->digest,
                           std::move(statement->depositor), std::move(statement->nonce)};
  ledger::Entry entry{std::move(body->statement), body->signature, std::nullopt};
  return SubmitAndRespond(ctx, {std::move(entry)}, {std::move(facts)}, *wait, /*single=*/true);
}

HttpResponse ShedOverload() {
  return ErrorResponse(503, "overloaded",
                       "the network holds as many deposits as it queues; retry shortly");
}

// A batch's item statements and their facts (what the node is handed: ledger::EntryFacts).
struct BatchItems {
  std::vector<std::string> items;
  std::vector<ledger::EntryFacts> facts;
};

// Item `where` of a batch signed by `depositor`: a string holding a canonical deposit statement
// of this chain and that depositor. Errors (each a 400) name the item and keep the statement's
// own code.
Result<ledger::DepositStatement> CheckItem(Context& ctx, const nlohmann::json& item_json,
                                           const std::string& where, const std::string& depositor) {
  if (!item_json.is_string()) return Status::Error("bad_field_type", where + " must be a string");
  auto statement = ledger::ParseDepositStatement(item_json.get_ref<const std::string&>());
  if (!statement.ok()) {
    return Status::Error(statement.status().code(), where + ": " + statement.status().message());
  }
  if (statement->chain_id != ctx.genesis.chain_id) {
    return Status::Error("wrong_chain", where + " names another chain");
  }
  if (statement->depositor != depositor) {
    return Status::Error("depositor_mismatch",
                         where + " names depositor \"" + statement->depositor +
                             "\", the batch is signed by \"" + depositor + "\"");
  }
  return statement;
}

// Every item of a batch signed by `depositor`, checked (CheckItem), none repeated and no nonce
// used twice: two statements of one depositor with one nonce could never both commit, so the
// request is refused here, naming both items, before the pool (which would refuse it too) is
// asked. Errors (each a 400) name the item.
Result<BatchItems> CheckItems(Context& ctx, const nlohmann::json& items_json,
                              const std::string& depositor) {
  BatchItems out;
  out.items.reserve(items_json.size());
  out.facts.reserve(items_json.size());
  Hash32Set seen;
  std::map<std::string, size_t> nonces;  // -> the first item using it
  for (size_t i = 0; i < items_json.size(); ++i) {
    const std::string where = ItemName(i);
    auto statement = CheckItem(ctx, items_json[i], where, depositor);
    if (!statement.ok()) return statement.status();
    std::string item = items_json[i].get<std::string>();
    // The raw evidence id (ledger::EvidenceId) and what the parse gave: the node's facts.
    ledger::EntryFacts facts{crypto::Sha256(item), statement->digest,
                             std::move(statement->depositor), std::move(statement->nonce)};
    if (!seen.insert(facts.statement_hash).second) {
      return Status::Error("duplicate_item", where + " repeats an earlier item");
    }
    auto [first, fresh] = nonces.emplace(facts.nonce, i);
    if (!fresh) {
      return Status::Error("duplicate_nonce", where + ": nonce '" + facts.nonce +
                                                  "' is also used by " + ItemName(first->second));
    }
    out.items.push_back(std::move(item));
    out.facts.push_back(std::move(facts));
  }
  return out;
}

// Sets `accepted` to the number of items once the batch passed every check.
HttpResponse PostBatch(const HttpRequest& request, Context& ctx, size_t& accepted) {
  auto wait = ParseCommitWait(request, ctx.config);
  if (!wait.ok()) return ErrorFromStatus(400, wait.status());
  auto body = ParseSignedBody(request, {"statement", "signature", "items"});
  if (!body.ok()) return ErrorFromStatus(400, body.status());
  const nlohmann::json& items_json = body->object.at("items");
  if (!items_json.is_array()) {
    return ErrorResponse(400, "bad_field_type", "field \"items\" must be an array of strings");
  }
  if (items_json.size() > ledger::kMaxBatchItems) {
    return ErrorResponse(413, "too_many_items",
                         "a batch holds at most " + std::to_string(ledger::kMaxBatchItems) +
                             " items, got " + std::to_string(items_json.size()));
  }
  if (items_json.empty()) return ErrorResponse(400, "no_items", "a batch needs at least one item");
  // Whether the batch fits is known from its count: a batch the node cannot queue now costs no
  // item parse and no signature check (a closed-loop bulk client near max_pending otherwise
  // has most of its batches parsed, checked and then refused: docs/benchmarks.md).
  if (items_json.size() > ctx.node.MaxPending()) {
    return ErrorResponse(413, "too_many_items",
                         "this validator queues at most " + std::to_string(ctx.node.MaxPending()) +
                             " deposits (max_pending), the batch has " +
                             std::to_string(items_json.size()) + ": split it");
  }
  if (ctx.node.Overloaded(items_json.size())) return ShedOverload();

  auto batch = ledger::ParseBatchStatement(body->statement);
  if (!batch.ok()) return ErrorFromStatus(400, batch.status());
  if (auto refused =
          Authenticate(ctx, *body, "batch statement", batch->chain_id, batch->depositor)) {
    return *refused;
  }
  if (items_json.size() != batch->items) {
    return ErrorResponse(400, "item_count_mismatch",
                         "batch statement names " + std::to_string(batch->items) +
                             " items, request has " + std::to_string(items_json.size()));
  }

  auto checked = CheckItems(ctx, items_json, batch->depositor);
  if (!checked.ok()) return ErrorFromStatus(400, checked.status());
  std::vector<ledger::EntryFacts> facts = std::move(checked->facts);
  Hash32 root;
  std::vector<ledger::Entry> entries =
      ledger::BatchEntries(body->statement, body->signature, std::move(checked->items), &root);
  if (root != batch->root) {
    return ErrorResponse(400, "batch_root_mismatch",
                         "the RFC 9162 root over the items is " + ToHex(root) +
                             ", the batch statement names " + ToHex(batch->root));
  }
  accepted = facts.size();
  return SubmitAndRespond(ctx, std::move(entries), std::move(facts), *wait, /*single=*/false);
}

// Counts the outcome: accepted deposits by number, rejections by error code; a Deferred answer
// is counted when it is known.
HttpResponse Counted(Context& ctx, HttpResponse response, size_t accepted) {
  if (response.deferred) {
    // Wraps, not copies: the inner start holds the request's entries.
    std::shared_ptr<const Deferred> inner = std::move(response.deferred);
    auto counted = std::make_shared<Deferred>();
    counted->start = [inner](std::function<void(Status)> resume) {
      inner->start(std::move(resume));
    };
    counted->finish = [ctx, inner, accepted](const Status& s) mutable {
      return Counted(ctx, inner->finish(s), accepted);
    };
    response.deferred = std::move(counted);
    return response;
  }
  if (response.status >= 400) {
    ctx.metrics.Increment(metric::kDepositsRejected, "code=\"" + response.error_code + "\"");
  } else {
    ctx.metrics.Increment(metric::kDepositsAccepted, "", accepted);
  }
  return response;
}

// Whether `body` may hold more batch items than are ever queued (413 too_many_items: more than
// ledger::kMaxBatchItems or max_pending). A full pool is a refusal to retry (503 with
// Retry-After), so it must not hide a refusal for good that comes first (docs/api.md "POST
// /v1/deposits/batch"); a body that cannot hold that many items is shed without being parsed,
// which keeps an overloaded node's cost per refused batch near nothing. Each item that could be
// queued is a JSON string of a deposit statement, whose "digest: <64 hex>" line alone is 73
// bytes (docs/formats.md): with its quotes and the comma before the next, n items take at least
// 76 n - 1 bytes. A body of fewer bytes than limit + 1 items take holds a batch that fits, or
// one refused anyway once parsed (400, or 413 for many items too short to be statements).
bool MayHoldTooManyItems(std::string_view body, Context& ctx) {
  constexpr size_t kMinItemBytes = 73 + 2 + 1;
  const size_t limit = std::min<size_t>(ledger::kMaxBatchItems, ctx.node.MaxPending());
  return body.size() + 1 >= kMinItemBytes * (limit + 1);
}

}  // namespace

HttpResponse HandlePostDeposit(const HttpRequest& request, Context& ctx) {
  if (ctx.node.Overloaded(1)) return Counted(ctx, ShedOverload(), 1);
  return Counted(ctx, PostDeposit(request, ctx), 1);
}

HttpResponse HandlePostBatch(const HttpRequest& request, Context& ctx) {
  if (!MayHoldTooManyItems(request.body, ctx) && ctx.node.Overloaded(1)) {
    return Counted(ctx, ShedOverload(), 0);
  }
  size_t accepted = 0;
  HttpResponse response = PostBatch(request, ctx, accepted);
  return Counted(ctx, std::move(response), accepted);
}

std::optional<HttpResponse> ShedDepositBeforeBody(const HttpRequest& request, Context& ctx) {
  if (request.method != "POST") return std::nullopt;
  if (request.path != "/v1/deposits" && request.path != "/v1/deposits/batch") return std::nullopt;
  if (!ctx.node.Overloaded(1)) return std::nullopt;
  return Counted(ctx, ShedOverload(), request.path == "/v1/deposits" ? 1 : 0);
}

}  // namespace evchain::api
