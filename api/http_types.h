// Transport-independent HTTP request and response values. Handlers are pure functions from an
// HttpRequest (and a Context) to an HttpResponse, so every route is testable without sockets;
// api/http_server.h maps Beast's types onto these.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace evchain::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query, e.g. "/v1/evidence/ab12..."
  std::map<std::string, std::string> query;
  // Header names are matched case-insensitively (HTTP); store them lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string client_address;
  // Set by the binding for a multipart upload to POST /v1/verify: the SHA-256 of the file part,
  // computed while streaming (the file is never held in memory). When set, `body` is empty.
  std::optional<Hash32> upload_digest;

  // Lower-case `name`. Returns "" when absent.
  std::string Header(std::string_view name) const;
  // Returns nullptr when absent.
  const std::string* Query(std::string_view name) const;
};

// A response that waits for a commit: the transport parks the request (holding no thread) until
// every id is committed or `bound` passes, then sends `finish()` instead (run on a worker: it
// reads receipts). A transport that cannot park sends the response that carries this as it is.
struct HttpResponse;
struct CommitWait {
  std::vector<Hash32> evidence_ids;
  std::chrono::milliseconds bound{0};
  std::function<HttpResponse()> finish;
};

// A response that waits for the node to finish work it does for many requests at once (a
// deposit's journal write, docs/api.md "Connections"), holding no thread meanwhile: the
// transport calls `start(resume)` once the handler has returned; the node calls `resume(status)`
// exactly once, on any thread, possibly before `start` returns; the transport then sends
// `finish(status)`, run on a worker (it may read storage, and its answer may carry a
// CommitWait). A transport that cannot wait calls `start` and blocks until `resume`.
struct Deferred {
  std::function<void(std::function<void(Status)> resume)> start;
  std::function<HttpResponse(const Status&)> finish;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;  // extra headers, e.g. Cache-Control
  // The stable error code when status >= 400 (also in the JSON body); used for metrics labels.
  std::string error_code;
  // Set by ?wait=commit deposit handlers; see CommitWait.
  std::shared_ptr<const CommitWait> commit_wait;
  // Set by the deposit handlers: the answer is finish(status) once the submission is durable;
  // this response's own fields are then unused.
  std::shared_ptr<const Deferred> deferred;
};

// {"error": {"code": code, "message": message}} with `status`.
HttpResponse ErrorResponse(int status, std::string code, std::string message);
// A JSON body (already serialised) with `status`.
HttpResponse JsonResponse(int status, std::string json);
HttpResponse TextResponse(int status, std::string text, std::string content_type = "text/plain");

}  // namespace evchain::api
