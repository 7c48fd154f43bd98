#include "api/http_types.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace evchain::api {

std::string HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? "" : it->second;
}

const std::string* HttpRequest::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? nullptr : &it->second;
}

HttpResponse ErrorResponse(int status, std::string code, std::string message) {
  HttpResponse r;
  r.status = status;
  nlohmann::json body = {{"error", {{"code", code}, {"message", std::move(message)}}}};
  // A message may quote a client's bytes cut short (api::ParseStrictObject): replace what is not
  // UTF-8 rather than throw.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.error_code = std::move(code);
  // A busy node's answer tells the client when to come back (RFC 9110 §10.2.3): without it,
  // clients retry at once and a burst keeps the node overloaded. Callers may set a longer one.
  if (status == 503) r.headers.emplace("Retry-After", std::string(1, '1'));
  return r;
}

HttpResponse JsonResponse(int status, std::string json) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(json);
  return r;
}

HttpResponse TextResponse(int status, std::string text, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(text);
  return r;
}

}  // namespace evchain::api
