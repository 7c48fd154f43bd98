// The endpoint handlers: pure functions of the request and the Context (no sockets, no global
// state). router.h dispatches to them; docs/api.md documents each one.
#pragma once

#include <optional>
#include <string_view>

#include "api/context.h"
#include "api/http_types.h"

namespace evchain::api {

// deposit_handlers.cc
HttpResponse HandlePostDeposit(const HttpRequest& request, Context& ctx);
HttpResponse HandlePostBatch(const HttpRequest& request, Context& ctx);
// The answer of a deposit route while the node is overloaded (503 with Retry-After, counted as
// the route counts it), or nullopt when `request` (method and path known, body not read) is not
// a deposit or the node takes deposits. Lets the server refuse before the body is sent.
std::optional<HttpResponse> ShedDepositBeforeBody(const HttpRequest& request, Context& ctx);

// lookup_handlers.cc
HttpResponse HandleGetDeposit(const HttpRequest& request, Context& ctx,
                              std::string_view evidence_id);
HttpResponse HandleGetEvidence(const HttpRequest& request, Context& ctx, std::string_view digest);
HttpResponse HandleVerify(const HttpRequest& request, Context& ctx);

// chain_handlers.cc
HttpResponse HandleCheckpoint(const HttpRequest& request, Context& ctx);
HttpResponse HandleConsistency(const HttpRequest& request, Context& ctx);
HttpResponse HandleGetBlock(const HttpRequest& request, Context& ctx, std::string_view height);
HttpResponse HandleListBlocks(const HttpRequest& request, Context& ctx);

// info_handlers.cc
HttpResponse HandleGenesis(const HttpRequest& request, Context& ctx);
HttpResponse HandleStatus(const HttpRequest& request, Context& ctx);
HttpResponse HandleHealth(const HttpRequest& request, Context& ctx);
HttpResponse HandleMetrics(const HttpRequest& request, Context& ctx);
// The judge's page and its assets (embedded at build time; never read from disk).
// Returns nullptr-equivalent 404 when `path` is not an asset.
HttpResponse HandleAsset(const HttpRequest& request, Context& ctx);

}  // namespace evchain::api
