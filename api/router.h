// Routing as a pure function: method + path -> handler, with 404 "not_found" for unknown paths
// and 405 "method_not_allowed" (and an Allow header) for known paths with another method.
#pragma once

#include <string>
#include <string_view>

#include "api/context.h"
#include "api/http_types.h"

namespace evchain::api {

// Answers any request. Never throws on bad input; a handler exception becomes 500 "internal".
HttpResponse Handle(const HttpRequest& request, Context& ctx);

// The route pattern a request matches, e.g. "/v1/evidence/{digest}", or "unmatched": a bounded
// label set for metrics.
std::string RouteLabel(std::string_view path);

}  // namespace evchain::api
