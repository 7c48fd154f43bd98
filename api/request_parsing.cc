#include "api/request_parsing.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <optional>
#include <string_view>

#include "api/metric_names.h"
#include "common/encoding.h"
#include "common/json_unique_keys.h"

namespace evchain::api {

namespace {

// Whether `text`'s arrays and objects nest at most `limit` deep, by one pass over its bytes
// (strings skipped, their escapes honoured; whether it is JSON at all is the parser's job). It
// runs before the parser, which builds every level it meets: 4 MB of nothing but brackets cost
// it 14 times the CPU of a deposit batch of that size (docs/benchmarks.md "Nested JSON").
bool NestsAtMost(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

constexpr size_t kMaxQuotedKeyBytes = 64;

}  // namespace

std::string QuotedKey(std::string_view key) {
  if (key.size() <= kMaxQuotedKeyBytes) return "\"" + std::string(key) + "\"";
  return "\"" + std::string(key.substr(0, kMaxQuotedKeyBytes)) + "...\" (" +
         std::to_string(key.size()) + " bytes)";
}

Result<nlohmann::json> ParseStrictObject(std::string_view body,
                                         const std::vector<std::string_view>& allowed,
                                         const std::vector<std::string_view>& required) {
  if (!NestsAtMost(body, kMaxJsonDepth)) {
    return Status::Error("bad_json", "request body nests arrays and objects more than " +
                                         std::to_string(kMaxJsonDepth) + " deep");
  }
  JsonParseError error;
  std::optional<nlohmann::json> parsed = ParseJsonUniqueKeys<nlohmann::json>(body, &error);
  if (!parsed.has_value()) {
    return Status::Error("bad_json",
                         error.duplicate_key.has_value()
                             ? "request body repeats the key " + QuotedKey(*error.duplicate_key)
                             : std::string("request body is not valid JSON"));
  }
  nlohmann::json& j = *parsed;
  if (!j.is_object()) return Status::Error("bad_json", "request body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Status::Error("unknown_field", "unknown field " + QuotedKey(key));
    }
  }
  for (std::string_view key : required) {
    if (!j.contains(key)) {
      return Status::Error("missing_field", "missing field \"" + std::string(key) + "\"");
    }
  }
  return std::move(j);
}

Result<std::string> StringField(const nlohmann::json& object, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return Status::Error("bad_field_type", "field \"" + std::string(name) + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<crypto::Signature> ParseSignatureHex(std::string_view name, std::string_view hex) {
  std::optional<Bytes> bytes = FromHex(hex);
  crypto::Signature sig{};
  if (!bytes.has_value() || bytes->size() != sig.size()) {
    return Status::Error("bad_hex", std::string(name) + ": expected 128 lowercase hex characters");
  }
  std::copy(bytes->begin(), bytes->end(), sig.begin());
  return sig;
}

Result<Hash32> ParseLookupHash(std::string_view text, const std::string& code) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::optional<Hash32> h = Hash32FromHex(lower);
  if (!h.has_value()) return Status::Error(code, "expected 64 hex characters (a SHA-256 value)");
  return *h;
}

std::optional<uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

Result<std::optional<std::chrono::milliseconds>> ParseCommitWait(const HttpRequest& request,
                                                                 const ApiConfig& config) {
  const std::string* wait = request.Query("wait");
  const std::string* wait_ms = request.Query("wait_ms");
  if (wait == nullptr) {
    if (wait_ms != nullptr) return Status::Error("bad_query", "wait_ms needs wait=commit");
    return std::optional<std::chrono::milliseconds>();
  }
  if (*wait != "commit") return Status::Error("bad_query", "wait must be \"commit\"");
  std::chrono::milliseconds bound = config.default_commit_wait;
  if (wait_ms != nullptr) {
    std::optional<uint64_t> ms = ParseDecimal(*wait_ms);
    if (!ms.has_value()) return Status::Error("bad_query", "wait_ms must be a decimal number");
    bound = std::chrono::milliseconds(
        std::min<uint64_t>(*ms, static_cast<uint64_t>(config.max_commit_wait.count())));
  }
  return std::optional<std::chrono::milliseconds>(std::min(bound, config.max_commit_wait));
}

namespace {

// Constant-time for equal lengths, so a token cannot be guessed byte by byte from timing.
bool TokenEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The credentials of an Authorization value of the Bearer scheme: "Bearer" in any case (RFC
// 9110 §11.1), one or more spaces (§11.4), then a non-empty token; nullopt for anything else.
std::optional<std::string_view> BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || authorization[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return std::nullopt;
    }
  }
  const size_t token = authorization.find_first_not_of(' ', kScheme.size());
  if (token == std::string_view::npos) return std::nullopt;
  return authorization.substr(token);
}

}  // namespace

Status CheckBearer(const HttpRequest& request, const std::vector<std::string>& config_tokens,
                   bool open_without_tokens) {
  if (config_tokens.empty()) {
    if (open_without_tokens) return Status::Ok();
    return Status::Error("unauthorized",
                         "this endpoint needs a bearer token and this validator has none "
                         "configured (block_list_tokens)");
  }
  const std::string auth = request.Header("authorization");
  if (std::optional<std::string_view> token = BearerToken(auth)) {
    bool match = false;
    for (const std::string& t : config_tokens) match |= TokenEquals(*token, t);
    if (match) return Status::Ok();
  }
  return Status::Error("unauthorized", "this endpoint needs a valid bearer token");
}

HttpResponse BearerRefused(const HttpRequest& request, const Status& refusal) {
  HttpResponse response = ErrorFromStatus(401, refusal);
  std::string challenge = "Bearer realm=\"evchain\"";
  if (!request.Header("authorization").empty()) challenge += ", error=\"invalid_token\"";
  response.headers["WWW-Authenticate"] = std::move(challenge);
  return response;
}

HttpResponse ErrorFromStatus(int http_status, const Status& status) {
  return ErrorResponse(http_status, status.code(), status.message());
}

HttpResponse InternalError(Metrics& metrics, const Status& status) {
  metrics.Increment(metric::kStorageErrors, "code=\"" + status.code() + "\"");
  return InternalErrorLogged("storage error: " + status.ToString());
}

HttpResponse InternalErrorLogged(const std::string& detail) {
  // The detail (file names, LevelDB messages, exception texts) is for the operator: it names
  // the server's layout and must not reach clients. The client gets an id to quote instead.
  static std::atomic<uint64_t> next{1};
  const uint64_t id = next.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("internal error #{}: {}", id, detail);
  return ErrorResponse(500, "internal",
                       "internal error #" + std::to_string(id) + " (details in the server log)");
}

}  // namespace evchain::api
