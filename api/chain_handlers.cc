// The chain for auditors: latest checkpoint, consistency proofs, blocks with certificates.
// docs/api.md "Chain".
#include <string>

#include "api/handlers.h"
#include "api/request_parsing.h"
#include "api/views.h"
#include "common/encoding.h"

namespace evchain::api {

HttpResponse HandleCheckpoint(const HttpRequest&, Context& ctx) {
  const uint64_t height = ctx.node.Log().height();
  if (height == 0) return ErrorResponse(404, "not_found", "no block has been committed yet");
  Result<storage::StoredBlock> block = ctx.node.Log().GetBlock(height);
  if (!block.ok()) return InternalError(ctx.metrics, block.status());
  HttpResponse r = TextResponse(200, block->certificate, "text/plain; charset=utf-8");
  r.headers["Cache-Control"] = "no-cache";
  return r;
}

HttpResponse HandleConsistency(const HttpRequest& request, Context& ctx) {
  const std::string* from_text = request.Query("from");
  const std::string* to_text = request.Query("to");
  if (from_text == nullptr || to_text == nullptr) {
    return ErrorResponse(400, "bad_range", "query needs from=N&to=M");
  }
  std::optional<uint64_t> from = ParseDecimal(*from_text);
  std::optional<uint64_t> to = ParseDecimal(*to_text);
  const uint64_t size = ctx.node.Log().size();
  if (!from || !to || *from == 0 || *from > *to || *to > size) {
    return ErrorResponse(400, "bad_range",
                         "need 1 <= from <= to <= " + std::to_string(size) + " (the log size)");
  }
  Result<std::vector<Hash32>> proof = ctx.node.Log().ConsistencyProof(*from, *to);
  if (!proof.ok()) return InternalError(ctx.metrics, proof.status());
  nlohmann::json hashes = nlohmann::json::array();
  for (const Hash32& h : *proof) hashes.push_back(ToHex(h));
  nlohmann::json body = {{"from", *from}, {"to", *to}, {"proof", std::move(hashes)}};
  return JsonResponse(200, body.dump());
}

HttpResponse HandleGetBlock(const HttpRequest& request, Context& ctx, std::string_view height) {
  Status auth = CheckBearer(request, ctx.config.block_tokens, ctx.config.block_list_open);
  if (!auth.ok()) return BearerRefused(request, auth);
  std::optional<uint64_t> h = ParseDecimal(height);
  if (!h.has_value() || *h == 0) {
    return ErrorResponse(400, "bad_height", "block height must be a decimal number >= 1");
  }
  if (*h > ctx.node.Log().height()) {
    return ErrorResponse(404, "not_found", "no block at height " + std::to_string(*h));
  }
  Result<nlohmann::json> block = ViewBlock(ctx.node.Log(), *h);
  if (!block.ok()) return InternalError(ctx.metrics, block.status());
  return JsonResponse(200, block->dump());
}

HttpResponse HandleListBlocks(const HttpRequest& request, Context& ctx) {
  constexpr uint64_t kMaxLimit = 100;
  Status auth = CheckBearer(request, ctx.config.block_tokens, ctx.config.block_list_open);
  if (!auth.ok()) return BearerRefused(request, auth);
  uint64_t from = 1;
  uint64_t limit = kMaxLimit;
  if (const std::string* text = request.Query("from")) {
    std::optional<uint64_t> v = ParseDecimal(*text);
    if (!v.has_value() || *v == 0) {
      return ErrorResponse(400, "bad_height", "from must be a decimal number >= 1");
    }
    from = *v;
  }
  if (const std::string* text = request.Query("limit")) {
    std::optional<uint64_t> v = ParseDecimal(*text);
    if (!v.has_value() || *v == 0 || *v > kMaxLimit) {
      return ErrorResponse(400, "bad_limit", "limit must be between 1 and 100");
    }
    limit = *v;
  }
  // Whole blocks, at most `limit` and, past the first, at most max_response_bytes in all: a
  // client pages on with from = last height + 1 (docs/api.md "Chain").
  std::string body = "{\"blocks\":[";
  size_t count = 0;
  const uint64_t height = ctx.node.Log().height();
  for (uint64_t h = from; h <= height && h - from < limit; ++h) {
    Result<nlohmann::json> block = ViewBlock(ctx.node.Log(), h);
    if (!block.ok()) return InternalError(ctx.metrics, block.status());
    std::string text = block->dump();
    if (count > 0 && body.size() + text.size() + 2 > ctx.config.max_response_bytes) break;
    if (count++ > 0) body += ',';
    body += text;
  }
  body += "]}";
  return JsonResponse(200, std::move(body));
}

}  // namespace evchain::api
