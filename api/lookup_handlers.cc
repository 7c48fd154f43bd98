// Open lookups: a deposit by evidence id, every deposit of a digest, and server-side
// verification. docs/api.md "Lookups".
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "api/handlers.h"
#include "api/request_parsing.h"
#include "api/views.h"
#include "common/encoding.h"
#include "genesis/genesis.h"
#include "storage/receipts.h"

namespace evchain::api {
namespace {

// Every committed deposit of `digest`, earliest first, capped by the config.
struct DigestDeposits {
  std::vector<DepositView> views;
  bool truncated = false;
};
Result<DigestDeposits> FindDeposits(Context& ctx, const Hash32& digest) {
  Result<std::vector<uint64_t>> indexes = ctx.node.Log().FindByDigest(digest);
  if (!indexes.ok()) return indexes.status();
  DigestDeposits out;
  out.truncated = indexes->size() > ctx.config.max_deposits_per_digest;
  if (out.truncated) indexes->resize(ctx.config.max_deposits_per_digest);
  for (uint64_t index : *indexes) {
    Result<DepositView> view = ViewDeposit(ctx.node.Log(), ctx.genesis, index);
    if (!view.ok()) return view.status();
    out.views.push_back(std::move(*view));
  }
  return out;
}

// Whether a Content-Type value names multipart/form-data: the type in any case (RFC 9110
// §8.3.1), then its end or its parameters.
bool IsMultipartFormData(std::string_view content_type) {
  constexpr std::string_view kType = "multipart/form-data";
  if (content_type.size() < kType.size()) return false;
  for (size_t i = 0; i < kType.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(content_type[i])) != kType[i]) return false;
  }
  const std::string_view rest = content_type.substr(kType.size());
  return rest.empty() || rest[0] == ';' || rest[0] == ' ' || rest[0] == '\t';
}

nlohmann::json VerificationJson(const ledger::ReceiptVerification& v) {
  nlohmann::json steps = nlohmann::json::array();
  for (const ledger::VerifyStep& s : v.steps) {
    steps.push_back({{"name", s.name}, {"ok", s.ok}, {"detail", s.detail}});
  }
  nlohmann::json signers = nlohmann::json::array();
  for (const ledger::CertificateSigner& s : v.signers) {
    signers.push_back({{"validator_id", s.validator_id},
                       {"role", genesis::RoleName(s.role)},
                       {"timestamp", s.timestamp}});
  }
  return {{"ok", v.ok}, {"steps", std::move(steps)}, {"signers", std::move(signers)}};
}

}  // namespace

// An acknowledged deposit is pending or committed, never "not found": the node appends a block
// before it forgets its deposits as pending, so a deposit neither pending nor in the log at the
// first look, and committed in between, is in the log at the second.
HttpResponse HandleGetDeposit(const HttpRequest&, Context& ctx, std::string_view evidence_id) {
  Result<Hash32> id = ParseLookupHash(evidence_id, "bad_evidence_id");
  if (!id.ok()) return ErrorFromStatus(400, id.status());
  nlohmann::json body = {{"evidence_id", ToHex(*id)}};
  const auto committed = [&]() -> std::optional<HttpResponse> {
    Result<std::optional<uint64_t>> index = ctx.node.Log().FindByEvidenceId(*id);
    if (!index.ok()) return InternalError(ctx.metrics, index.status());
    if (!index->has_value()) return std::nullopt;
    Result<ledger::Receipt> receipt = storage::BuildReceipt(ctx.node.Log(), ctx.genesis, **index);
    if (!receipt.ok()) return InternalError(ctx.metrics, receipt.status());
    body["status"] = "committed";
    body["receipt"] = receipt->ToJsonValue();
    return JsonResponse(200, body.dump());
  };
  if (std::optional<HttpResponse> found = committed()) return std::move(*found);
  if (ctx.node.IsPending(*id)) {
    body["status"] = "pending";
    return JsonResponse(200, body.dump());
  }
  if (std::optional<HttpResponse> found = committed()) return std::move(*found);
  return ErrorResponse(404, "not_found", "no deposit with evidence id " + ToHex(*id));
}

HttpResponse HandleGetEvidence(const HttpRequest&, Context& ctx, std::string_view digest_text) {
  Result<Hash32> digest = ParseLookupHash(digest_text, "bad_digest");
  if (!digest.ok()) return ErrorFromStatus(400, digest.status());
  Result<DigestDeposits> found = FindDeposits(ctx, *digest);
  if (!found.ok()) return InternalError(ctx.metrics, found.status());
  nlohmann::json deposits = nlohmann::json::array();
  size_t bytes = 0;
  bool truncated = found->truncated;
  for (DepositView& v : found->views) {
    bytes += v.json.dump().size() + 1;
    if (!deposits.empty() && bytes > ctx.config.max_response_bytes) {
      truncated = true;
      break;
    }
    deposits.push_back(std::move(v.json));
  }
  nlohmann::json body = {{"digest", ToHex(*digest)}, {"deposits", std::move(deposits)}};
  if (truncated) body["truncated"] = true;
  return JsonResponse(200, body.dump());
}

HttpResponse HandleVerify(const HttpRequest& request, Context& ctx) {
  Hash32 digest{};
  if (request.upload_digest.has_value()) {
    digest = *request.upload_digest;
  } else if (IsMultipartFormData(request.Header("content-type"))) {
    // The server hashes an upload only when it can use its boundary (api/multipart.h).
    return ErrorResponse(400, "missing_file", "multipart upload needs a part named \"file\"");
  } else {
    auto body = ParseStrictObject(request.body, {"digest"}, {"digest"});
    if (!body.ok()) return ErrorFromStatus(400, body.status());
    auto text = StringField(*body, "digest");
    if (!text.ok()) return ErrorFromStatus(400, text.status());
    Result<Hash32> parsed = ParseLookupHash(*text, "bad_digest");
    if (!parsed.ok()) return ErrorFromStatus(400, parsed.status());
    digest = *parsed;
  }
  Result<DigestDeposits> found = FindDeposits(ctx, digest);
  if (!found.ok()) return InternalError(ctx.metrics, found.status());
  bool all_ok = true;
  bool truncated = found->truncated;
  size_t bytes = 0;
  nlohmann::json deposits = nlohmann::json::array();
  for (DepositView& v : found->views) {
    // Past max_response_bytes the rest is neither verified nor sent (issue 10 item 6: one cheap
    // request must not buy 1,000 verifications and a response of many megabytes).
    if (!deposits.empty() && bytes > ctx.config.max_response_bytes) {
      truncated = true;
      break;
    }
    ledger::ReceiptVerification verification =
        ledger::VerifyReceipt(v.receipt, ctx.genesis, digest);
    all_ok = all_ok && verification.ok;
    v.json["verification"] = VerificationJson(verification);
    bytes += v.json.dump().size() + 1;
    if (!deposits.empty() && bytes > ctx.config.max_response_bytes) {
      truncated = true;
      break;
    }
    deposits.push_back(std::move(v.json));
  }
  const bool found_any = !deposits.empty();
  nlohmann::json body = {{"digest", ToHex(digest)},
                         {"found", found_any},
                         {"verdict", !found_any ? "not_found"
                                     : all_ok   ? "preserved"
                                                : "invalid"},
                         {"deposits", std::move(deposits)}};
  if (truncated) body["truncated"] = true;
  return JsonResponse(200, body.dump());
}

}  // namespace evchain::api
