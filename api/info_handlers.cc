// Node information for people and monitors: genesis, status, liveness, metrics, the page.
// docs/api.md "Node".
#include <string>

#include "api/handlers.h"
#include "api/metric_names.h"
#include "api/request_parsing.h"
#include "api/web_assets.h"
#include "common/encoding.h"
#include "common/time.h"

namespace evchain::api {

HttpResponse HandleGenesis(const HttpRequest&, Context& ctx) {
  HttpResponse r = JsonResponse(200, genesis::GenesisToJson(ctx.genesis));
  r.headers["X-Evchain-Genesis-Hash"] = ToHex(ctx.genesis.hash);
  return r;
}

HttpResponse HandleStatus(const HttpRequest&, Context& ctx) {
  const NodeStatusInfo s = ctx.node.Status();
  nlohmann::json body = {
      {"chain_id", ctx.genesis.chain_id},
      {"genesis_hash", ToHex(ctx.genesis.hash)},
      {"validator_id", s.validator_id},
      {"role", s.role},
      {"view", s.view},
      {"primary_id", s.primary_id},
      {"height", s.height},
      {"log_size", s.log_size},
      {"pending", s.pending},
      {"peers_connected", s.peers_connected},
      {"peers_total", ctx.genesis.n() > 0 ? ctx.genesis.n() - 1 : 0},
      {"last_block_time", s.last_block_time > 0 ? FormatRfc3339Millis(s.last_block_time) : ""}};
  return JsonResponse(200, body.dump());
}

HttpResponse HandleHealth(const HttpRequest&, Context&) { return TextResponse(200, "ok\n"); }

HttpResponse HandleMetrics(const HttpRequest& request, Context& ctx) {
  Status auth = CheckBearer(request, ctx.config.metrics_tokens);
  if (!auth.ok()) return BearerRefused(request, auth);
  // Gauges that mirror node state are refreshed here so a scrape is never stale.
  const NodeStatusInfo s = ctx.node.Status();
  metric::DescribeAll(ctx.metrics);
  ctx.metrics.SetGauge(metric::kView, static_cast<double>(s.view));
  ctx.metrics.SetGauge(metric::kHeight, static_cast<double>(s.height));
  ctx.metrics.SetGauge(metric::kLogSize, static_cast<double>(s.log_size));
  ctx.metrics.SetGauge(metric::kPending, static_cast<double>(s.pending));
  ctx.metrics.SetGauge(metric::kPeersConnected, static_cast<double>(s.peers_connected));
  return TextResponse(200, ctx.metrics.RenderPrometheus(), "text/plain; version=0.0.4");
}

HttpResponse HandleAsset(const HttpRequest& request, Context&) {
  const WebAsset* asset = FindWebAsset(request.path);
  if (asset == nullptr) return ErrorResponse(404, "not_found", "no such page");
  HttpResponse r = TextResponse(200, std::string(asset->body), std::string(asset->content_type));
  // The page must not run foreign code: everything it needs is served from here.
  r.headers["Content-Security-Policy"] =
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
      "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
  r.headers["X-Content-Type-Options"] = "nosniff";
  return r;
}

}  // namespace evchain::api
