// POST /v1/deposits/batch: the order of its refusals (a batch that can never be queued is 413,
// not "retry shortly") and how an item's nonce clash is reported (docs/api.md
// "POST /v1/deposits/batch").
#include <doctest/doctest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "api/router.h"
#include "common/encoding.h"
#include "crypto/merkle.h"
#include "ledger/statement.h"
#include "tests/api/test_chain.h"

namespace evchain::api {
namespace {

using testing::Harness;
using Json = nlohmann::json;

HttpRequest BatchRequest(std::string body) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/v1/deposits/batch";
  r.body = std::move(body);
  r.client_address = "127.0.0.1";
  return r;
}

// Item statements, the i-th with nonces[i] and a digest of its own.
std::vector<std::string> ItemsWithNonces(const std::vector<std::string>& nonces) {
  std::vector<std::string> items;
  for (size_t i = 0; i < nonces.size(); ++i) {
    const Hash32 digest = testing::DigestOf("content " + std::to_string(i));
    items.push_back(testing::MakeStatement(digest, nonces[i]).Canonical());
  }
  return items;
}

Json BatchError(const HttpResponse& r) { return Json::parse(r.body)["error"]; }

TEST_CASE("a batch larger than max_pending is 413 too_many_items even while the pool is full") {
  Harness h;
  h.node.overloaded = true;  // the pool is full: not even one deposit fits now
  h.node.max_pending = 2;
  HttpResponse r = testing::Serve(
      BatchRequest(testing::SignedBatchBody(ItemsWithNonces({"a", "b", "c"}), "full-1")), h.ctx);
  // 503 with Retry-After would have the client send it again for ever: it can never be queued.
  CHECK(r.status == 413);
  CHECK(BatchError(r)["code"] == "too_many_items");
  CHECK(BatchError(r)["message"].get<std::string>().find("max_pending") != std::string::npos);
  CHECK(r.headers.count("Retry-After") == 0);
  CHECK(h.node.submit_calls == 0);

  // The same for more items than any batch holds (the count is checked before the items).
  h.node.max_pending = std::numeric_limits<size_t>::max();
  const std::string item = testing::MakeStatement(testing::DigestOf("many"), "many-1").Canonical();
  const Json too_many{{"statement", "evchain-batch/1\n"},
                      {"signature", std::string(128, '0')},
                      {"items", std::vector<std::string>(ledger::kMaxBatchItems + 1, item)}};
  r = testing::Serve(BatchRequest(too_many.dump()), h.ctx);
  CHECK(r.status == 413);
  CHECK(BatchError(r)["code"] == "too_many_items");

  // Too small a body to hold more items than are ever queued is shed unparsed: items of one
  // byte would be refused once parsed (400 or 413), a client sends it again and learns then.
  const Json tiny{{"statement", "evchain-batch/1\n"},
                  {"signature", std::string(128, '0')},
                  {"items", std::vector<std::string>(ledger::kMaxBatchItems + 1, "x")}};
  r = testing::Serve(BatchRequest(tiny.dump()), h.ctx);
  CHECK(r.status == 503);
  CHECK(BatchError(r)["code"] == "overloaded");

  // A batch that would fit once there is room is shed, to be sent again.
  h.node.max_pending = 3;
  r = testing::Serve(
      BatchRequest(testing::SignedBatchBody(ItemsWithNonces({"a", "b", "c"}), "full-1")), h.ctx);
  CHECK(r.status == 503);
  CHECK(BatchError(r)["code"] == "overloaded");
  CHECK(r.headers["Retry-After"] == "1");
  CHECK(h.node.submit_calls == 0);
}

TEST_CASE("two items of a batch with one nonce are 400 duplicate_nonce, naming both items") {
  Harness h;
  // items[3] reuses items[1]'s nonce with another digest: a different statement.
  HttpResponse r = testing::Serve(BatchRequest(testing::SignedBatchBody(
                                      ItemsWithNonces({"n-0", "n-1", "n-2", "n-1"}), "dup-1")),
                                  h.ctx);
  CHECK(r.status == 400);
  CHECK(BatchError(r)["code"] == "duplicate_nonce");
  CHECK(BatchError(r)["message"] == "items[3]: nonce 'n-1' is also used by items[1]");
  CHECK(h.node.submit_calls == 0);

  // The very same statement twice stays a duplicate item.
  std::vector<std::string> items = ItemsWithNonces({"n-0", "n-1"});
  items.push_back(items[0]);
  r = testing::Serve(BatchRequest(testing::SignedBatchBody(items, "dup-2")), h.ctx);
  CHECK(r.status == 400);
  CHECK(BatchError(r)["code"] == "duplicate_item");
}

TEST_CASE("an item whose nonce another statement holds is 409 nonce_conflict naming the item") {
  Harness h;
  // The node names the nonce as its pool does (node/deposit_pool_inl.h); "n-1" is a prefix of
  // "n-12", and only the exact nonce names the item.
  h.node.submit_error =
      Status::Error("nonce_conflict",
                    "nonce 'n-12' of depositor 'demo-platform' is pending for another statement");
  HttpResponse r = testing::Serve(
      BatchRequest(testing::SignedBatchBody(ItemsWithNonces({"n-1", "n-12"}), "held-1")), h.ctx);
  CHECK(r.status == 409);
  CHECK(BatchError(r)["code"] == "nonce_conflict");
  CHECK(BatchError(r)["message"] ==
        "items[1]: nonce 'n-12' of depositor 'demo-platform' is pending for another statement");

  // A conflict the handler cannot place is passed on as it is.
  h.node.submit_error = Status::Error("nonce_conflict", "nonce already used");
  r = testing::Serve(
      BatchRequest(testing::SignedBatchBody(ItemsWithNonces({"n-1", "n-12"}), "held-2")), h.ctx);
  CHECK(r.status == 409);
  CHECK(BatchError(r)["message"] == "nonce already used");

  // A single deposit has no items to name.
  h.node.submit_error =
      Status::Error("nonce_conflict",
                    "nonce 'n-1' of depositor 'demo-platform' is pending for another statement");
  HttpRequest single = BatchRequest(
      testing::DepositBody(testing::MakeStatement(testing::DigestOf("s"), "n-1").Canonical()));
  single.path = "/v1/deposits";
  r = testing::Serve(single, h.ctx);
  CHECK(r.status == 409);
  CHECK(BatchError(r)["message"] ==
        "nonce 'n-1' of depositor 'demo-platform' is pending for another statement");
}

}  // namespace
}  // namespace evchain::api
