// Fuzzes the strict request parsing every API handler starts with (api/request_parsing.h,
// docs/api.md "Errors"), in the order the handlers use it.
// Input: u8 mode || text.
//   mode % 4 == 0: `text` is a POST /v1/deposits body; 1: a POST /v1/batches body; 2: a
//   POST /v1/verify body ({"digest"}) -- each parsed as its handler does, statements included;
//   3: `text` is "wait\nwait_ms\nauthorization\nlookup hash\ndecimal" for the query, header and
//   path-segment parsers; 4: `text` is "Content-Type\nbody" of a POST /v1/verify upload, read
//   as the server does (api/multipart.h), at once and in pieces of a size from the body's first
//   byte: both readings must agree.
// Every failure must be a Status with a non-empty stable code; nothing may throw.
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/multipart.h"
#include "api/request_parsing.h"
#include "common/encoding.h"
#include "fuzz/fuzz_util.h"
#include "ledger/statement.h"

namespace evchain::fuzz {
namespace {

void CheckError(const Status& status) { FUZZ_CHECK(status.ok() || !status.code().empty()); }

void ParseBody(int mode, std::string_view text) {
  static const std::vector<std::vector<std::string_view>> kFields = {
      {"statement", "signature"}, {"statement", "signature", "items"}, {"digest"}};
  const auto& fields = kFields[mode];
  Result<nlohmann::json> body = api::ParseStrictObject(text, fields, fields);
  if (!body.ok()) {
    CheckError(body.status());
    return;
  }
  FUZZ_CHECK(body->is_object());
  for (std::string_view name : fields) FUZZ_CHECK(body->contains(name));
  if (mode == 2) {
    Result<std::string> digest = api::StringField(*body, "digest");
    if (!digest.ok()) return CheckError(digest.status());
    Result<Hash32> h = api::ParseLookupHash(*digest, "bad_digest");
    if (!h.ok()) FUZZ_CHECK(h.status().code() == "bad_digest");
    return;
  }
  Result<std::string> statement = api::StringField(*body, "statement");
  Result<std::string> signature = api::StringField(*body, "signature");
  if (!statement.ok() || !signature.ok()) return;
  Result<crypto::Signature> sig = api::ParseSignatureHex("signature", *signature);
  if (sig.ok()) FUZZ_CHECK(ToHex(*sig) == *signature);
  if (mode == 0) {
    Result<ledger::DepositStatement> s = ledger::ParseDepositStatement(*statement);
    if (s.ok()) FUZZ_CHECK(s->Canonical() == *statement);
    return;
  }
  Result<ledger::BatchStatement> batch = ledger::ParseBatchStatement(*statement);
  const nlohmann::json& items_json = body->at("items");
  if (!batch.ok() || !items_json.is_array() || items_json.size() > ledger::kMaxBatchItems) return;
  std::vector<std::string> items;
  for (const nlohmann::json& item : items_json) {
    if (!item.is_string()) return;
    items.push_back(item.get<std::string>());
  }
  CheckError(ledger::ValidateBatchItems(*batch, items));
}

// The oracle for CheckBearer with the tokens below: "Bearer" in any case (RFC 9110 §11.1), one
// or more spaces, then exactly one of the tokens.
bool IsValidBearer(const std::string& authorization) {
  const size_t token = authorization.find_first_not_of(' ', 6);
  if (authorization.size() < 7 || authorization[6] != ' ' || token == std::string::npos) {
    return false;
  }
  for (size_t i = 0; i < 6; ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != "bearer"[i]) return false;
  }
  const std::string_view t = std::string_view(authorization).substr(token);
  return t == "token-1" || t == "a-much-longer-token-2";
}

void ParseQueryAndHeaders(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size() && parts.size() < 5; ++i) {
    if (i == text.size() || text[i] == '\n') {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.resize(5);
  api::HttpRequest request;
  if (!parts[0].empty()) request.query["wait"] = parts[0];
  if (!parts[1].empty()) request.query["wait_ms"] = parts[1];
  request.headers["authorization"] = parts[2];
  api::ApiConfig config;
  auto wait = api::ParseCommitWait(request, config);
  if (wait.ok()) {
    if (wait->has_value()) FUZZ_CHECK(**wait <= config.max_commit_wait);
  } else {
    FUZZ_CHECK(wait.status().code() == "bad_query");
  }
  const Status bearer = api::CheckBearer(request, {"token-1", "a-much-longer-token-2"});
  FUZZ_CHECK(bearer.ok() == IsValidBearer(parts[2]));
  Result<Hash32> h = api::ParseLookupHash(parts[3], "bad_evidence_id");
  if (h.ok()) FUZZ_CHECK(parts[3].size() == 64);
  std::optional<uint64_t> d = api::ParseDecimal(parts[4]);
  if (d.has_value()) FUZZ_CHECK(std::to_string(*d) == parts[4] || parts[4][0] == '0');
}

// The digest of the upload's "file" part, or the error, with the body fed `piece` bytes at a time.
Result<std::optional<Hash32>> HashUpload(const std::string& boundary, std::string_view body,
                                         size_t piece) {
  api::MultipartHasher hasher(boundary);
  for (size_t at = 0; at < body.size(); at += piece) {
    Status fed = hasher.Feed(body.substr(at, piece));
    if (!fed.ok()) return fed;
  }
  return hasher.Finish();
}

void ParseUpload(std::string_view text) {
  const size_t eol = text.find('\n');
  if (eol == std::string_view::npos) return;
  const std::optional<std::string> boundary = api::MultipartBoundary(text.substr(0, eol));
  if (!boundary.has_value()) return;
  FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);
  const std::string_view body = text.substr(eol + 1);
  const Result<std::optional<Hash32>> whole = HashUpload(*boundary, body, body.size() + 1);
  const size_t piece = body.empty() ? 1 : 1 + static_cast<unsigned char>(body[0]) % 64;
  const Result<std::optional<Hash32>> pieces = HashUpload(*boundary, body, piece);
  FUZZ_CHECK(whole.ok() == pieces.ok());
  if (whole.ok()) {
    FUZZ_CHECK(*whole == *pieces);
  } else {
    FUZZ_CHECK(whole.status().code() == "bad_multipart");
    FUZZ_CHECK(pieces.status().code() == "bad_multipart");
  }
}

int Run(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int mode = data[0] % 5;
  const std::string_view text = AsText(data + 1, size - 1);
  if (mode < 3) {
    ParseBody(mode, text);
  } else if (mode == 3) {
    ParseQueryAndHeaders(text);
  } else {
    ParseUpload(text);
  }
  return 0;
}

}  // namespace
}  // namespace evchain::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return evchain::fuzz::Run(data, size);
}
