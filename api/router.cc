#include "api/router.h"

#include <array>
#include <exception>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "api/handlers.h"
#include "api/request_parsing.h"

namespace evchain::api {
namespace {

using Handler = std::function<HttpResponse(const HttpRequest&, Context&, std::string_view)>;

struct Route {
  std::string_view method;
  std::string_view pattern;  // "{...}" matches exactly one non-empty segment
  Handler handler;
};

template <HttpResponse (*F)(const HttpRequest&, Context&)>
Handler Plain() {
  return [](const HttpRequest& r, Context& c, std::string_view) { return F(r, c); };
}
template <HttpResponse (*F)(const HttpRequest&, Context&, std::string_view)>
Handler WithParam() {
  return [](const HttpRequest& r, Context& c, std::string_view p) { return F(r, c, p); };
}

const std::vector<Route>& Routes() {
  static const std::vector<Route> routes = {
      {"GET", "/", Plain<HandleAsset>()},
      {"GET", "/index.html", Plain<HandleAsset>()},
      {"GET", "/app.js", Plain<HandleAsset>()},
      {"GET", "/verify.js", Plain<HandleAsset>()},
      {"GET", "/sha256.js", Plain<HandleAsset>()},
      {"GET", "/i18n.js", Plain<HandleAsset>()},
      {"GET", "/qrcode.js", Plain<HandleAsset>()},
      {"GET", "/style.css", Plain<HandleAsset>()},
      {"POST", "/v1/deposits", Plain<HandlePostDeposit>()},
      {"POST", "/v1/deposits/batch", Plain<HandlePostBatch>()},
      {"GET", "/v1/deposits/{evidence_id}", WithParam<HandleGetDeposit>()},
      {"GET", "/v1/evidence/{digest}", WithParam<HandleGetEvidence>()},
      {"POST", "/v1/verify", Plain<HandleVerify>()},
      {"GET", "/v1/checkpoint", Plain<HandleCheckpoint>()},
      {"GET", "/v1/proofs/consistency", Plain<HandleConsistency>()},
      {"GET", "/v1/blocks", Plain<HandleListBlocks>()},
      {"GET", "/v1/blocks/{height}", WithParam<HandleGetBlock>()},
      {"GET", "/v1/genesis", Plain<HandleGenesis>()},
      {"GET", "/v1/status", Plain<HandleStatus>()},
      {"GET", "/healthz", Plain<HandleHealth>()},
      {"GET", "/metrics", Plain<HandleMetrics>()},
  };
  return routes;
}

// The most segments a route's pattern has ("/v1/deposits/{evidence_id}": three; four to spare).
constexpr size_t kMaxRouteSegments = 4;

// The segments of `path` (after its leading '/'), or nullopt when it has more than `max`: a path
// is split once per lookup and never further than any route reaches, so a path of thousands of
// segments costs what a short one does (it once cost ~20 ms per request, split for every route).
std::optional<std::vector<std::string_view>> Split(std::string_view path, size_t max) {
  std::vector<std::string_view> parts;
  size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    if (parts.size() == max) return std::nullopt;
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// Returns true iff `path` (split into `have`) matches `pattern`; `param` receives the wildcard
// segment.
bool Match(std::string_view pattern, std::string_view path,
           const std::vector<std::string_view>& have, std::string_view& param) {
  if (pattern == "/" || path == "/") return pattern == path;
  const std::vector<std::string_view> want = *Split(pattern, kMaxRouteSegments);
  if (want.size() != have.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].starts_with('{')) {
      if (have[i].empty()) return false;
      param = have[i];
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  return true;
}

bool IsLiteral(std::string_view pattern) { return pattern.find('{') == std::string_view::npos; }

// Dot segments, backslashes and control bytes never name a resource here; rejecting them
// up front means no handler ever sees a traversal attempt. One pass over the bytes: a "." or
// ".." segment holds "." between two '/' (or the end), and ".." anywhere is refused anyway.
bool SafePath(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return false;
  }
  for (size_t dot = path.find("/."); dot != std::string_view::npos;
       dot = path.find("/.", dot + 1)) {
    if (dot + 2 == path.size() || path[dot + 2] == '/') return false;
  }
  return path.find("..") == std::string_view::npos;
}

// The routes whose pattern matches `path`; literal patterns win over wildcards, so
// "/v1/deposits/batch" is never read as an evidence id.
std::vector<const Route*> Matching(std::string_view path, std::string_view& param) {
  std::optional<std::vector<std::string_view>> have = Split(path, kMaxRouteSegments);
  if (!have.has_value()) return {};
  std::vector<const Route*> literal;
  std::vector<const Route*> wildcard;
  for (const Route& route : Routes()) {
    std::string_view p;
    if (!Match(route.pattern, path, *have, p)) continue;
    if (IsLiteral(route.pattern)) {
      literal.push_back(&route);
    } else {
      wildcard.push_back(&route);
      param = p;
    }
  }
  return literal.empty() ? wildcard : literal;
}

}  // namespace

std::string RouteLabel(std::string_view path) {
  if (!SafePath(path)) return "unmatched";
  std::string_view param;
  std::vector<const Route*> routes = Matching(path, param);
  return routes.empty() ? "unmatched" : std::string(routes.front()->pattern);
}

HttpResponse Handle(const HttpRequest& request, Context& ctx) {
  if (!SafePath(request.path)) {
    return ErrorResponse(400, "bad_path", "path must not contain dot segments or control bytes");
  }
  std::string_view param;
  std::vector<const Route*> routes = Matching(request.path, param);
  if (routes.empty()) return ErrorResponse(404, "not_found", "no such endpoint");
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  std::string allow;
  for (const Route* route : routes) {
    if (route->method == method) {
      // Handlers return errors as values; an exception here is a bug (e.g. a JSON type error we
      // missed) and must not take the server down.
      try {
        return route->handler(request, ctx, param);
      } catch (const std::exception& e) {
        return InternalErrorLogged(request.method + " " + request.path + ": " + e.what());
      }
    }
    allow += allow.empty() ? "" : ", ";
    allow += route->method;
  }
  HttpResponse r = ErrorResponse(405, "method_not_allowed",
                                 request.method + " is not allowed here; use " + allow);
  r.headers["Allow"] = allow;
  return r;
}

}  // namespace evchain::api
