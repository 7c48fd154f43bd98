// Every kind of bad input gets a 4xx with a stable error code, nothing reaches
// NodeService::Submit, and the next good request is still served.
#include <doctest/doctest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "api/request_parsing.h"
#include "api/router.h"
#include "common/encoding.h"
#include "tests/api/test_chain.h"

namespace evchain::api {
namespace {

using testing::Harness;
using Json = nlohmann::json;

std::string Statement(const std::function<void(ledger::DepositStatement&)>& edit = nullptr) {
  ledger::DepositStatement s = testing::MakeStatement(testing::DigestOf("doc"), "nonce-1");
  if (edit) edit(s);
  return s.Canonical();
}
std::string Signed(const std::string& text) { return testing::DepositBody(text); }
std::string SigHex(const std::string& text) {
  return ToHex(ByteView(testing::DepositorKey().Sign(AsBytes(text))));
}
std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string Replace(std::string s, const std::string& from, const std::string& to) {
  return s.replace(s.find(from), from.size(), to);
}

std::string BatchBody(size_t n_items, size_t claimed, bool good_root, const std::string& other) {
  std::vector<std::string> items;
  for (size_t i = 0; i < n_items; ++i) {
    items.push_back(
        testing::MakeStatement(testing::DigestOf(std::to_string(i)), "i" + std::to_string(i))
            .Canonical());
  }
  if (!other.empty()) items.back() = other;
  ledger::BatchStatement b;
  b.chain_id = testing::kChainId;
  b.depositor = testing::kDepositorId;
  b.items = claimed;
  b.root = good_root ? ledger::BatchRoot(items) : testing::DigestOf("wrong root");
  b.nonce = "batch";
  const std::string text = b.Canonical();
  return Json{{"statement", text}, {"signature", SigHex(text)}, {"items", items}}.dump();
}

struct Case {
  const char* name;
  std::string method;
  std::string path;
  std::string body;
  int status;
  const char* code;
};

std::vector<Case> Cases() {
  const std::string good = Statement();
  const std::string sig = SigHex(good);
  const std::string too_many_related = Statement([](auto& s) {
    for (int i = 0; i < 17; ++i) s.related.push_back(ToHex(testing::DigestOf(std::to_string(i))));
  });
  std::vector<std::string> many_items(ledger::kMaxBatchItems + 1, good);
  return {
      {"malformed JSON", "POST", "/v1/deposits", "{\"statement\": ", 400, "bad_json"},
      {"JSON array", "POST", "/v1/deposits", "[]", 400, "bad_json"},
      {"nested 9 deep", "POST", "/v1/deposits",
       "{\"statement\": [[[[[[[[\"x\"]]]]]]]], \"signature\": \"" + sig + "\"}", 400, "bad_json"},
      {"a million brackets", "POST", "/v1/deposits/batch", std::string(1000000, '['), 400,
       "bad_json"},
      {"verify body nested 9 deep", "POST", "/v1/verify", "{\"digest\": [[[[[[[[1]]]]]]]]}", 400,
       "bad_json"},
      {"statement given twice", "POST", "/v1/deposits",
       "{\"statement\": \"x\", \"statement\": " + Json(good).dump() + ", \"signature\": \"" + sig +
           "\"}",
       400, "bad_json"},
      {"batch signature given twice", "POST", "/v1/deposits/batch",
       R"({"statement": "s", "signature": "a", "items": [], "signature": "b"})", 400, "bad_json"},
      {"verify digest given twice", "POST", "/v1/verify",
       "{\"digest\": \"" + std::string(64, 'a') + "\", \"digest\": \"" + std::string(64, 'b') +
           "\"}",
       400, "bad_json"},
      {"missing signature", "POST", "/v1/deposits", Json{{"statement", good}}.dump(), 400,
       "missing_field"},
      {"unknown field", "POST", "/v1/deposits",
       Json{{"statement", good}, {"signature", sig}, {"x", 1}}.dump(), 400, "unknown_field"},
      {"statement not a string", "POST", "/v1/deposits",
       Json{{"statement", 5}, {"signature", sig}}.dump(), 400, "bad_field_type"},
      {"short signature", "POST", "/v1/deposits",
       Json{{"statement", good}, {"signature", sig.substr(2)}}.dump(), 400, "bad_hex"},
      {"non-hex signature", "POST", "/v1/deposits",
       Json{{"statement", good}, {"signature", "zz" + sig.substr(2)}}.dump(), 400, "bad_hex"},
      {"upper-case signature", "POST", "/v1/deposits",
       Json{{"statement", good}, {"signature", Upper(sig)}}.dump(), 400, "bad_hex"},
      {"upper-case digest in statement", "POST", "/v1/deposits",
       Signed(
           Replace(good, ToHex(testing::DigestOf("doc")), Upper(ToHex(testing::DigestOf("doc"))))),
       400, "bad_digest"},
      {"short digest in statement", "POST", "/v1/deposits",
       Signed(Replace(good, ToHex(testing::DigestOf("doc")), "abcd")), 400, "bad_digest"},
      {"bad time format", "POST", "/v1/deposits",
       Signed(Replace(good, "2026-11-28T11:00:00Z", "28/11/2026 11:00")), 400, "bad_time"},
      {"bad kind", "POST", "/v1/deposits", Signed(Replace(good, "kind: webpage", "kind: blog")),
       400, "bad_kind"},
      {"too many related ids", "POST", "/v1/deposits", Signed(too_many_related), 400,
       "too_many_related"},
      {"too-long source", "POST", "/v1/deposits",
       Signed(Replace(good, "https://example.com/page",
                      "https://example.com/" + std::string(3000, 'a'))),
       400, "field_too_long"},
      {"too-long case_ref", "POST", "/v1/deposits",
       Signed(Statement([](auto& s) { s.case_ref = std::string(200, 'c'); })), 400,
       "field_too_long"},
      {"statement not canonical", "POST", "/v1/deposits", Signed(good + "\n"), 400,
       "bad_statement"},
      {"wrong chain", "POST", "/v1/deposits",
       Signed(Statement([](auto& s) { s.chain_id = "other-chain"; })), 400, "wrong_chain"},
      {"unknown depositor", "POST", "/v1/deposits",
       Signed(Statement([](auto& s) { s.depositor = "nobody"; })), 403, "unknown_depositor"},
      {"bad signature", "POST", "/v1/deposits", testing::DepositBody(good, testing::StrangerKey()),
       401, "bad_signature"},
      {"signature of another statement", "POST", "/v1/deposits",
       Json{{"statement", good}, {"signature", SigHex(good + "x")}}.dump(), 401, "bad_signature"},
      {"bad wait", "POST", "/v1/deposits?wait=forever", Signed(good), 400, "bad_query"},
      {"too many batch items", "POST", "/v1/deposits/batch",
       Json{{"statement", "x"}, {"signature", sig}, {"items", many_items}}.dump(), 413,
       "too_many_items"},
      {"empty batch", "POST", "/v1/deposits/batch",
       Json{{"statement", "x"}, {"signature", sig}, {"items", Json::array()}}.dump(), 400,
       "no_items"},
      {"batch items not an array", "POST", "/v1/deposits/batch",
       Json{{"statement", "x"}, {"signature", sig}, {"items", "x"}}.dump(), 400, "bad_field_type"},
      {"batch count mismatch", "POST", "/v1/deposits/batch", BatchBody(3, 4, true, ""), 400,
       "item_count_mismatch"},
      {"batch root mismatch", "POST", "/v1/deposits/batch", BatchBody(3, 3, false, ""), 400,
       "batch_root_mismatch"},
      {"batch item of another depositor", "POST", "/v1/deposits/batch",
       BatchBody(3, 3, true, Statement([](auto& s) { s.depositor = "someone-else"; })), 400,
       "depositor_mismatch"},
      {"batch item invalid", "POST", "/v1/deposits/batch", BatchBody(2, 2, true, "garbage\n"), 400,
       "bad_statement"},
      {"batch duplicate item", "POST", "/v1/deposits/batch",
       BatchBody(2, 2, true, testing::MakeStatement(testing::DigestOf("0"), "i0").Canonical()), 400,
       "duplicate_item"},
      {"verify: non-hex digest", "POST", "/v1/verify",
       Json{{"digest", std::string(64, 'g')}}.dump(), 400, "bad_digest"},
      {"verify: unknown field", "POST", "/v1/verify",
       Json{{"digest", std::string(64, 'a')}, {"file", 1}}.dump(), 400, "unknown_field"},
      {"evidence: short digest", "GET", "/v1/evidence/abc", "", 400, "bad_digest"},
      {"evidence: non-hex digest", "GET", "/v1/evidence/" + std::string(64, 'z'), "", 400,
       "bad_digest"},
      {"deposit: bad evidence id", "GET", "/v1/deposits/xyz", "", 400, "bad_evidence_id"},
      {"deposit: unknown evidence id", "GET", "/v1/deposits/" + std::string(64, 'a'), "", 404,
       "not_found"},
      {"consistency without range", "GET", "/v1/proofs/consistency", "", 400, "bad_range"},
      {"block height not a number", "GET", "/v1/blocks/one", "", 400, "bad_height"},
      {"block list limit too large", "GET", "/v1/blocks?limit=101", "", 400, "bad_limit"},
      {"dot-dot path", "GET", "/../../etc/passwd", "", 400, "bad_path"},
      {"dot-dot asset", "GET", "/web/../CMakeLists.txt", "", 400, "bad_path"},
      {"unknown route", "GET", "/v2/everything", "", 404, "not_found"},
      {"unknown asset", "GET", "/CMakeLists.txt", "", 404, "not_found"},
      {"wrong method", "DELETE", "/v1/deposits", "", 405, "method_not_allowed"},
      {"GET on a POST route", "GET", "/v1/deposits/batch", "", 405, "method_not_allowed"},
  };
}

// Splits "path?k=v&k2=v2" like the binding does.
HttpRequest ToRequest(const Case& c) {
  HttpRequest r;
  r.method = c.method;
  r.body = c.body;
  r.client_address = "127.0.0.1";
  const size_t q = c.path.find('?');
  r.path = c.path.substr(0, q);
  if (q != std::string::npos) {
    std::string query = c.path.substr(q + 1);
    for (size_t pos = 0; pos < query.size();) {
      size_t amp = query.find('&', pos);
      if (amp == std::string::npos) amp = query.size();
      const std::string kv = query.substr(pos, amp - pos);
      const size_t eq = kv.find('=');
      r.query[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
      pos = amp + 1;
    }
  }
  return r;
}

TEST_CASE("request bodies nest at most kMaxJsonDepth deep, brackets inside strings do not count") {
  const std::vector<std::string_view> fields = {"a"};
  const auto nested = [](int depth, const std::string& inner) {
    return std::string(static_cast<size_t>(depth - 1), '[') + inner +
           std::string(static_cast<size_t>(depth - 1), ']');
  };
  // The object itself is one level.
  CHECK(ParseStrictObject("{\"a\": " + nested(kMaxJsonDepth, "1") + "}", fields, fields).ok());
  auto deep = ParseStrictObject("{\"a\": " + nested(kMaxJsonDepth + 1, "1") + "}", fields, fields);
  REQUIRE(!deep.ok());
  CHECK(deep.status().code() == "bad_json");
  CHECK(deep.status().message().find("more than 8 deep") != std::string::npos);
  // Brackets and escaped quotes inside a string are text, not nesting.
  CHECK(ParseStrictObject(R"({"a": "[[[[[[[[[[{{{{{{{{{{"})", fields, fields).ok());
  CHECK(ParseStrictObject(R"({"a": "\"[[[[[[[[[[\\"})", fields, fields).ok());
  CHECK(ParseStrictObject(R"({"a": ["\"]]]", [[["]]]"]]]]})", fields, fields).ok());
}

TEST_CASE("request bodies repeating a key are refused, the key quoted at most 64 bytes long") {
  const std::vector<std::string_view> fields = {"a", "b"};
  // The last "a" would win in nlohmann: the server would act on a value a second reader of the
  // same body might not.
  auto twice = ParseStrictObject(R"({"a": "1", "b": "2", "a": "3"})", fields, {});
  REQUIRE(!twice.ok());
  CHECK(twice.status().code() == "bad_json");
  CHECK(twice.status().message() == "request body repeats the key \"a\"");
  // One key in two different objects is no repetition.
  CHECK(ParseStrictObject(R"({"a": [{"a": 1}, {"a": 2}], "b": {"a": {"a": 3}}})", fields, {}).ok());
  auto nested = ParseStrictObject(R"({"a": [{"x": 1, "x": 2}]})", fields, {});
  REQUIRE(!nested.ok());
  CHECK(nested.status().message() == "request body repeats the key \"x\"");
  // A huge key is cut in the message, and a cut inside a UTF-8 sequence still serialises.
  const std::string huge = std::string(63, 'k') + "\u00e9" + std::string(100000, 'k');
  auto long_key = ParseStrictObject("{\"" + huge + "\": 1, \"" + huge + "\": 2}", fields, {});
  REQUIRE(!long_key.ok());
  CHECK(long_key.status().message().size() < 200);
  HttpResponse r = ErrorFromStatus(400, long_key.status());
  CHECK(r.body.size() < 300);
  CHECK(nlohmann::json::parse(r.body)["error"]["code"] == "bad_json");
  auto unknown = ParseStrictObject("{\"" + huge + "\": 1}", fields, {});
  REQUIRE(!unknown.ok());
  CHECK(unknown.status().code() == "unknown_field");
  CHECK(unknown.status().message().size() < 200);
}

TEST_CASE("bad input: a stable 4xx, nothing stored, the server keeps serving") {
  Harness h;
  h.config.block_list_open = true;  // the block cases test parsing, not the token
  for (const Case& c : Cases()) {
    CAPTURE(c.name);
    HttpResponse r = testing::Serve(ToRequest(c), h.ctx);
    CHECK_MESSAGE(r.status == c.status, r.body);
    CHECK(r.error_code == c.code);
    Json body = Json::parse(r.body, nullptr, false);
    REQUIRE(!body.is_discarded());
    CHECK(body["error"]["code"] == c.code);
    CHECK(!body["error"]["message"].get<std::string>().empty());
  }
  CHECK(h.node.submit_calls == 0);
  CHECK(h.node.Log().size() == 0);

  HttpRequest good;
  good.method = "POST";
  good.path = "/v1/deposits";
  good.body = Signed(Statement());
  HttpResponse r = testing::Serve(good, h.ctx);
  CHECK_MESSAGE(r.status == 202, r.body);
  CHECK(h.node.submit_calls == 1);
}

}  // namespace
}  // namespace evchain::api
