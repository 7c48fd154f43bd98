// Strict parsing of request bodies, path segments and query parameters into typed values, each
// failure a Status with a stable error code (docs/api.md "Errors").
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "api/http_types.h"
#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ed25519.h"

namespace evchain::api {

// The deepest nesting of arrays and objects a request body may have: every route's body is an
// object of strings and arrays of strings (2 deep); the rest is room for routes to come.
inline constexpr int kMaxJsonDepth = 8;

// A client's key (a JSON key, a query parameter) as quoted in an error message: at most 64 bytes
// of it, so that a request of one huge key is not echoed back whole (a cut UTF-8 sequence is
// replaced when the error is serialised: ErrorResponse).
std::string QuotedKey(std::string_view key);

// A JSON object with only `allowed` keys, every `required` key present, nested at most
// kMaxJsonDepth deep. Errors: "bad_json", "missing_field", "unknown_field".
Result<nlohmann::json> ParseStrictObject(std::string_view body,
                                         const std::vector<std::string_view>& allowed,
                                         const std::vector<std::string_view>& required);
// Error "bad_field_type" when `object[name]` is not a string.
Result<std::string> StringField(const nlohmann::json& object, std::string_view name);
// 128 lowercase hex characters. Error "bad_hex".
Result<crypto::Signature> ParseSignatureHex(std::string_view name, std::string_view hex);
// A SHA-256 value used for lookup (URL segment or verify body): 64 hex characters in either
// case, normalised to lowercase. Error `code` otherwise.
Result<Hash32> ParseLookupHash(std::string_view text, const std::string& code);
// Decimal digits only, no sign, fits in 64 bits. nullopt otherwise.
std::optional<uint64_t> ParseDecimal(std::string_view text);

// ?wait=commit[&wait_ms=N]: nullopt when the client does not wait; the wait is capped at
// config.max_commit_wait. Error "bad_query".
Result<std::optional<std::chrono::milliseconds>> ParseCommitWait(const HttpRequest& request,
                                                                 const ApiConfig& config);

// Ok iff the request carries "Authorization: Bearer <t>" (the scheme in any case, RFC 9110
// §11.1) with t one of `config_tokens` (compared in constant time), or `config_tokens` is empty
// and `open_without_tokens`. Error "unauthorized".
Status CheckBearer(const HttpRequest& request, const std::vector<std::string>& config_tokens,
                   bool open_without_tokens = true);

// CheckBearer's refusal as a 401 with its challenge (RFC 9110 section 11.6.1: a 401 names the
// scheme it wants): `WWW-Authenticate: Bearer realm="evchain"`, plus error="invalid_token"
// (RFC 6750 section 3.1) when the request carried credentials that were not accepted.
HttpResponse BearerRefused(const HttpRequest& request, const Status& refusal);

// `status`'s code and message as an error response.
HttpResponse ErrorFromStatus(int http_status, const Status& status);
// A storage failure: 500 "internal", counted in evchain_storage_errors_total by the status's
// code ("corruption", "io_error", ...) so that operators can alert on a failing disk. The detail
// goes to the server log only (it names files and LevelDB internals); the client's message
// carries a number that finds it there.
HttpResponse InternalError(Metrics& metrics, const Status& status);
// The same for any other unexpected failure described by `detail`.
HttpResponse InternalErrorLogged(const std::string& detail);

}  // namespace evchain::api
