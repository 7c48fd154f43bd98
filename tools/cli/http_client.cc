#include "tools/cli/http_client.h"

#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/retry_after.h"

namespace evchain::cli {
namespace {

// Stops `client`'s request in flight once `limit` has passed, from a thread of its own
// (httplib's Client::stop shuts the socket down, which is safe while another thread reads it).
class AnswerWatchdog {
 public:
  AnswerWatchdog(httplib::Client& client, std::chrono::milliseconds limit)
      : watchdog_([this, &client, limit] {
          std::unique_lock lock(mu_);
          if (!finished_cv_.wait_for(lock, limit, [this] { return finished_; })) {
            fired_ = true;
            client.stop();
          }
        }) {}
  AnswerWatchdog(const AnswerWatchdog&) = delete;
  AnswerWatchdog& operator=(const AnswerWatchdog&) = delete;
  ~AnswerWatchdog() { Finish(); }

  // Ends the watch; returns whether the limit passed first (and the request was stopped).
  bool Finish() {
    {
      std::lock_guard lock(mu_);
      finished_ = true;
    }
    finished_cv_.notify_one();
    if (watchdog_.joinable()) watchdog_.join();
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable finished_cv_;
  bool finished_ = false;  // mu_
  bool fired_ = false;     // written by the watchdog before it ends; read after the join
  std::thread watchdog_;   // last: it starts once the members above exist
};

// Why a request got no answer, in words that say what to check (httplib names only an enum).
std::string TransportFailure(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "no connection: nothing answers at that address (is the node running, and is "
             "this its http_listen address?)";
    case httplib::Error::ConnectionTimeout:
      return "no connection within 5 s (a firewall, or a host that is down?)";
    case httplib::Error::Read:
      return "the connection broke, or no answer came within 120 s, or the answer is not HTTP "
             "(is this the node's http_listen port, not its p2p port?)";
    case httplib::Error::Write:
      return "the connection broke while the request was sent";
    case httplib::Error::SSLConnection:
      return "the TLS handshake failed (does the node serve https at that address?)";
    case httplib::Error::SSLServerVerification:
      return "the node's TLS certificate does not verify";
    case httplib::Error::SSLLoadingCerts:
      return "the system's CA certificates could not be loaded";
    default:
      return httplib::to_string(error);
  }
}

}  // namespace

Result<std::unique_ptr<NodeClient>> NodeClient::Create(const std::string& base_url,
                                                       const std::string& bearer_token) {
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Status::Error("usage", "node URL must start with http:// or https://: " + base_url);
  }
  // The API's paths are absolute (/v1/...): a path here would be taken for part of the host.
  if (url.find_first_of("/?#", url.find("://") + 3) != std::string::npos) {
    return Status::Error("usage", "node URL is http(s)://HOST:PORT, without a path: " + base_url);
  }
  auto client = std::unique_ptr<NodeClient>(new NodeClient());
  client->base_url_ = url;
  client->client_ = std::make_unique<httplib::Client>(url);
  if (!client->client_->is_valid()) return Status::Error("usage", "bad node URL: " + base_url);
  client->client_->set_connection_timeout(5, 0);
  // ?wait=commit holds the request until the block commits.
  client->client_->set_read_timeout(120, 0);
  client->client_->set_keep_alive(true);
  if (!bearer_token.empty()) client->client_->set_bearer_token_auth(bearer_token.c_str());
  client->has_token_ = !bearer_token.empty();
  return client;
}

NodeClient::~NodeClient() = default;

Result<std::string> NodeClient::Check(const std::string& what, bool ok_transport, int status,
                                      const std::string& body, httplib::Error error) {
  if (!ok_transport) {
    return Status::Error("network",
                         "cannot reach " + base_url_ + what + ": " + TransportFailure(error));
  }
  if (status >= 200 && status < 300) return body;
  std::string detail = "HTTP " + std::to_string(status);
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("error") && json["error"].is_object()) {
    const auto& error = json["error"];
    detail +=
        " " + error.value("code", std::string()) + ": " + error.value("message", std::string());
  }
  if (status == 401) {
    detail += has_token_ ? " (the node refused the bearer token given)"
                         : " (the node asks for a bearer token: pass it with --token)";
  }
  return Status::Error("http_" + std::to_string(status), what + " -> " + detail);
}

Result<std::string> NodeClient::Send(const std::string& method, const std::string& path,
                                     const std::string& json_body) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (!json_body.empty()) {
    req.body = json_body;
    req.set_header("Content-Type", "application/json");
  }
  // The answer is read into memory: a node that never ends it is stopped at the limit.
  std::string body;
  bool too_large = false;
  req.content_receiver = [&body, &too_large](const char* data, size_t n, uint64_t /*offset*/,
                                             uint64_t /*total*/) {
    if (body.size() + n > kMaxResponseBytes) {
      too_large = true;
      return false;  // cancels the request
    }
    body.append(data, n);
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  AnswerWatchdog watchdog(*client_, answer_limit_);
  const bool answered = client_->send(req, res, error);
  const bool stopped = watchdog.Finish();
  retry_after_.reset();
  if (answered && res.has_header("Retry-After")) {
    retry_after_ = ParseRetryAfter(res.get_header_value("Retry-After"));
  }
  if (too_large) {
    return Status::Error("network", base_url_ + path + " answered with more than " +
                                        std::to_string(kMaxResponseBytes >> 20) +
                                        " MiB: larger than any answer of a node; stopped reading");
  }
  if (!answered && stopped) {
    const int64_t ms = answer_limit_.count();
    const std::string limit =
        ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
    return Status::Error("network", base_url_ + path + " did not finish its answer within " +
                                        limit + "; stopped waiting");
  }
  return Check(path, answered, answered ? res.status : 0, body, error);
}

Result<std::string> NodeClient::GetText(const std::string& path) { return Send("GET", path, ""); }

Result<nlohmann::json> NodeClient::GetJson(const std::string& path) {
  auto text = GetText(path);
  if (!text.ok()) return text.status();
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::Error("bad_json", path + " returned invalid JSON");
  return json;
}

Result<nlohmann::json> NodeClient::PostJson(const std::string& path, const nlohmann::json& body) {
  auto text = Send("POST", path, body.dump());
  if (!text.ok()) return text.status();
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::Error("bad_json", path + " returned invalid JSON");
  return json;
}

}  // namespace evchain::cli
