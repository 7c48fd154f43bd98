// A small JSON-over-HTTP client for the node API (docs/api.md).
// Nothing a node returns is trusted: callers verify what they receive.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"

namespace httplib {
class Client;
enum class Error;
}  // namespace httplib

namespace evchain::cli {

struct HttpResponse {
  int status = 0;
  std::string body;
};

class NodeClient {
 public:
  // The most bytes of one answer read: a node's answers are bounded by its max_response_bytes
  // (8 MiB by default) but for one block, which is sent whole (max_batch up to 100,000 entries:
  // ~200 MB). A node that sends more is stopped ("network" error), so a hostile node cannot
  // fill the memory of the machine that asks it.
  static constexpr size_t kMaxResponseBytes = size_t{256} << 20;
  // The longest one answer may take, from the request sent to the answer's last byte, unless
  // set_answer_limit says otherwise. Each read also times out after 120 s without a byte, but a
  // node that sends a byte now and then would otherwise hold the client for ever. 5 minutes:
  // the largest answer (one block, ~200 MB) at under 1 MB/s.
  static constexpr std::chrono::seconds kDefaultAnswerLimit{300};

  // `base_url` is "http://host:port" or "https://host:port" (a trailing '/' is ignored).
  // `bearer_token` (may be empty) is sent as "Authorization: Bearer ...".
  static Result<std::unique_ptr<NodeClient>> Create(const std::string& base_url,
                                                    const std::string& bearer_token = "");
  ~NodeClient();

  // Errors: "network" (no connection/timeout), "http_<status>" carrying the node's
  // {"error":{"code","message"}} text when it sent one, "bad_json".
  Result<std::string> GetText(const std::string& path);
  Result<nlohmann::json> GetJson(const std::string& path);
  Result<nlohmann::json> PostJson(const std::string& path, const nlohmann::json& body);
  // The delay the Retry-After header of the last PostJson's answer named, when it had one in
  // the delay-seconds form (common/retry_after.h).
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }
  // Bounds each later request's answer (kDefaultAnswerLimit until set): past it the request is
  // stopped and fails as "network".
  void set_answer_limit(std::chrono::milliseconds limit) { answer_limit_ = limit; }
  const std::string& base_url() const { return base_url_; }

 private:
  NodeClient() = default;
  // Sends a request (a JSON body when `json_body` is not empty) and reads the answer, at most
  // kMaxResponseBytes of it; remembers its Retry-After.
  Result<std::string> Send(const std::string& method, const std::string& path,
                           const std::string& json_body);
  // `error`: why there was no answer, when `ok_transport` is false.
  Result<std::string> Check(const std::string& what, bool ok_transport, int status,
                            const std::string& body, httplib::Error error);
  std::string base_url_;
  std::unique_ptr<httplib::Client> client_;
  bool has_token_ = false;  // a bearer token goes with each request (a 401's hint)
  std::optional<std::chrono::seconds> retry_after_;
  std::chrono::milliseconds answer_limit_ = kDefaultAnswerLimit;
};

}  // namespace evchain::cli
