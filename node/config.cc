#include "node/config.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace evchain::node {
namespace {

using nlohmann::json;

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

bool ValidHostPort(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size()) return false;
  std::string port = s.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  int p = std::stoi(port);
  return p >= 1 && p <= 65535;
}

}  // namespace

Result<NodeConfig> ParseNodeConfig(const std::string& json_text, const std::string& base_dir) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Error("config_invalid", "config is not a JSON object");
  }
  std::vector<std::string> problems;
  NodeConfig c;
  static const std::set<std::string> kKnown = {
      "validator_id",     "genesis",           "key_file",         "data_dir",     "p2p_listen",
      "http_listen",      "log_level",         "tls_cert",         "tls_key",      "max_body_bytes",
      "max_header_bytes", "rate_limit_rps",    "rate_limit_burst", "http_threads", "commit_wait_ms",
      "max_pending",      "block_list_tokens", "metrics_tokens"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!kKnown.count(it.key())) problems.push_back(it.key() + ": unknown option");
  }
  auto get_string = [&](const char* key, std::string& out, bool required) {
    if (!j.contains(key)) {
      if (required) problems.push_back(std::string(key) + ": required");
      return;
    }
    if (!j[key].is_string() || (required && j[key].get<std::string>().empty())) {
      problems.push_back(std::string(key) + ": must be a non-empty string");
      return;
    }
    out = j[key].get<std::string>();
  };
  auto get_uint = [&](const char* key, auto& out, uint64_t min, uint64_t max) {
    if (!j.contains(key)) return;
    if (!j[key].is_number_unsigned() || j[key].get<uint64_t>() < min ||
        j[key].get<uint64_t>() > max) {
      problems.push_back(std::string(key) + ": must be an integer in [" + std::to_string(min) +
                         ", " + std::to_string(max) + "]");
      return;
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(j[key].get<uint64_t>());
  };
  auto get_tokens = [&](const char* key, std::vector<std::string>& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_array()) {
      problems.push_back(std::string(key) + ": must be an array of strings");
      return;
    }
    for (const auto& t : j[key]) {
      if (!t.is_string() || t.get<std::string>().size() < 16) {
        problems.push_back(std::string(key) + ": tokens must be strings of >= 16 characters");
        return;
      }
      out.push_back(t.get<std::string>());
    }
  };
  get_string("validator_id", c.validator_id, true);
  get_string("genesis", c.genesis_path, true);
  get_string("key_file", c.key_file, true);
  get_string("data_dir", c.data_dir, true);
  get_string("p2p_listen", c.p2p_listen, true);
  get_string("http_listen", c.http_listen, true);
  get_string("log_level", c.log_level, false);
  get_string("tls_cert", c.tls_cert, false);
  get_string("tls_key", c.tls_key, false);
  get_uint("max_body_bytes", c.max_body_bytes, 1024, uint64_t{1} << 30);
  get_uint("max_header_bytes", c.max_header_bytes, 1024, 1 << 20);
  if (j.contains("rate_limit_rps")) {
    if (!j["rate_limit_rps"].is_number() || j["rate_limit_rps"].get<double>() <= 0) {
      problems.push_back("rate_limit_rps: must be a positive number");
    } else {
      c.rate_limit_rps = j["rate_limit_rps"].get<double>();
    }
  }
  get_uint("rate_limit_burst", c.rate_limit_burst, 1, 1000000);
  get_uint("http_threads", c.http_threads, 1, 256);
  get_uint("commit_wait_ms", c.commit_wait_ms, 0, 600000);
  get_uint("max_pending", c.max_pending, 1, 100000000);
  get_tokens("block_list_tokens", c.block_list_tokens);
  get_tokens("metrics_tokens", c.metrics_tokens);

  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c.log_level)) {
    problems.push_back("log_level: must be one of trace, debug, info, warn, error");
  }
  if (!c.p2p_listen.empty() && !ValidHostPort(c.p2p_listen)) {
    problems.push_back("p2p_listen: must be host:port");
  }
  if (!c.http_listen.empty() && !ValidHostPort(c.http_listen)) {
    problems.push_back("http_listen: must be host:port");
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    problems.push_back("tls_cert and tls_key: give both or neither");
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
    return Status::Error("config_invalid", msg);
  }
  c.genesis_path = Resolve(base_dir, c.genesis_path);
  c.key_file = Resolve(base_dir, c.key_file);
  c.data_dir = Resolve(base_dir, c.data_dir);
  c.tls_cert = Resolve(base_dir, c.tls_cert);
  c.tls_key = Resolve(base_dir, c.tls_key);
  return c;
}

Result<NodeConfig> LoadNodeConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("config_unreadable", path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  auto base = std::filesystem::absolute(path).parent_path().string();
  auto result = ParseNodeConfig(ss.str(), base);
  if (!result.ok()) {
    return Status::Error(result.status().code(), path + ":\n" + result.status().message());
  }
  return result;
}

}  // namespace evchain::node
