#include "tools/cli/http_client.h"

#include <httplib.h>

#include "common/retry_after.h"

namespace evchain::cli {

Result<std::unique_ptr<NodeClient>> NodeClient::Create(const std::string& base_url,
                                                       const std::string& bearer_token) {
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Status::Error("usage", "node URL must start with http:// or https://: " + base_url);
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
  return client;
}

NodeClient::~NodeClient() = default;

Result<std::string> NodeClient::Check(const std::string& what, bool ok_transport, int status,
                                      const std::string& body) {
  if (!ok_transport) return Status::Error("network", "cannot reach " + base_url_ + what);
  if (status >= 200 && status < 300) return body;
  std::string detail = "HTTP " + std::to_string(status);
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("error") && json["error"].is_object()) {
    const auto& error = json["error"];
    detail +=
        " " + error.value("code", std::string()) + ": " + error.value("message", std::string());
  }
  return Status::Error("http_" + std::to_string(status), what + " -> " + detail);
}

Result<std::string> NodeClient::GetText(const std::string& path) {
  auto res = client_->Get(path.c_str());
  return Check(path, static_cast<bool>(res), res ? res->status : 0, res ? res->body : "");
}

Result<nlohmann::json> NodeClient::GetJson(const std::string& path) {
  auto text = GetText(path);
  if (!text.ok()) return text.status();
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::Error("bad_json", path + " returned invalid JSON");
  return json;
}

Result<nlohmann::json> NodeClient::PostJson(const std::string& path, const nlohmann::json& body) {
  auto res = client_->Post(path.c_str(), body.dump(), "application/json");
  retry_after_.reset();
  if (res && res->has_header("Retry-After")) {
    retry_after_ = ParseRetryAfter(res->get_header_value("Retry-After"));
  }
  auto text = Check(path, static_cast<bool>(res), res ? res->status : 0, res ? res->body : "");
  if (!text.ok()) return text.status();
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::Error("bad_json", path + " returned invalid JSON");
  return json;
}

}  // namespace evchain::cli
