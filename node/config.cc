#include "node/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/host_port.h"

namespace evchain::node {
namespace {

using nlohmann::json;

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

// "line 3, column 13: syntax error while parsing object separator - unexpected string
// literal; expected ':'": where the parser stopped, counted in bytes of the file, and what it
// found there, without the library's exception name.
std::string SyntaxError(const std::string& text, const json::parse_error& e) {
  const size_t at = std::min(e.byte == 0 ? 0 : e.byte - 1, text.size());
  const size_t line = 1 + std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(at), '\n');
  const size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
  const size_t column = line_start == std::string::npos || at == 0 ? at + 1 : at - line_start;
  const std::string what = e.what();
  const size_t found = what.find("syntax error");
  return "line " + std::to_string(line) + ", column " + std::to_string(column) +
         (found == std::string::npos ? "" : ": " + what.substr(found));
}

}  // namespace

Result<NodeConfig> ParseNodeConfig(const std::string& json_text, const std::string& base_dir) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    return Status::Error("config_invalid",
                         "config is not valid JSON: " + SyntaxError(json_text, e));
  }
  if (!j.is_object()) return Status::Error("config_invalid", "config is not a JSON object");
  std::vector<std::string> problems;
  NodeConfig c;
  static const std::set<std::string> kKnown = {"validator_id",
                                               "genesis",
                                               "key_file",
                                               "data_dir",
                                               "p2p_listen",
                                               "http_listen",
                                               "log_level",
                                               "tls_cert",
                                               "tls_key",
                                               "max_body_bytes",
                                               "max_header_bytes",
                                               "rate_limit_rps",
                                               "rate_limit_burst",
                                               "http_threads",
                                               "http_max_queued_requests",
                                               "max_connections",
                                               "max_connections_per_address",
                                               "tls_max_handshakes_per_address",
                                               "header_timeout_ms",
                                               "body_timeout_ms",
                                               "idle_timeout_ms",
                                               "write_timeout_ms",
                                               "max_response_bytes",
                                               "access_log",
                                               "depositor_quotas",
                                               "commit_wait_ms",
                                               "max_pending",
                                               "block_list_tokens",
                                               "block_list_open",
                                               "metrics_tokens"};
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
  // docs/api.md: 0 disables the per-address limit (issue 12: 0 used to be refused).
  auto get_rate = [&](const json& value, const std::string& key, double& out) {
    if (!value.is_number() || value.get<double>() < 0) {
      problems.push_back(key + ": must be a number >= 0 (0 disables the limit)");
      return;
    }
    out = value.get<double>();
  };
  if (j.contains("rate_limit_rps"))
    get_rate(j["rate_limit_rps"], "rate_limit_rps", c.rate_limit_rps);
  auto get_bool = [&](const char* key, bool& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_boolean()) {
      problems.push_back(std::string(key) + ": must be true or false");
      return;
    }
    out = j[key].get<bool>();
  };
  get_bool("access_log", c.access_log);
  get_bool("block_list_open", c.block_list_open);
  get_uint("max_connections", c.max_connections, 1, 1000000);
  get_uint("max_connections_per_address", c.max_connections_per_address, 1, 1000000);
  get_uint("tls_max_handshakes_per_address", c.tls_max_handshakes_per_address, 0, 1000000);
  get_uint("header_timeout_ms", c.header_timeout_ms, 100, 600000);
  get_uint("body_timeout_ms", c.body_timeout_ms, 100, 3600000);
  get_uint("idle_timeout_ms", c.idle_timeout_ms, 100, 3600000);
  get_uint("write_timeout_ms", c.write_timeout_ms, 100, 600000);
  get_uint("max_response_bytes", c.max_response_bytes, 4096, uint64_t{1} << 30);
  if (j.contains("depositor_quotas")) {
    if (!j["depositor_quotas"].is_object()) {
      problems.push_back(
          "depositor_quotas: must be an object {\"<depositor id or *>\": "
          "{\"rps\": R, \"burst\": B}}");
    } else {
      for (const auto& [id, q] : j["depositor_quotas"].items()) {
        const std::string where = "depositor_quotas." + id;
        if (!q.is_object() || !q.contains("rps") ||
            std::any_of(q.items().begin(), q.items().end(),
                        [](const auto& kv) { return kv.key() != "rps" && kv.key() != "burst"; })) {
          problems.push_back(where + ": must be {\"rps\": R, \"burst\": B}");
          continue;
        }
        api::Quota quota;
        get_rate(q["rps"], where + ".rps", quota.rate_per_second);
        quota.burst = std::max(1.0, quota.rate_per_second);
        if (q.contains("burst")) get_rate(q["burst"], where + ".burst", quota.burst);
        c.depositor_quotas[id] = quota;
      }
    }
  }
  get_uint("rate_limit_burst", c.rate_limit_burst, 1, 1000000);
  get_uint("http_threads", c.http_threads, 1, 256);
  get_uint("http_max_queued_requests", c.http_max_queued_requests, 1, 1000000);
  get_uint("commit_wait_ms", c.commit_wait_ms, 0, 600000);
  get_uint("max_pending", c.max_pending, 1, 100000000);
  get_tokens("block_list_tokens", c.block_list_tokens);
  get_tokens("metrics_tokens", c.metrics_tokens);

  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c.log_level)) {
    problems.push_back("log_level: must be one of trace, debug, info, warn, error");
  }
  for (const auto& [name, address] :
       {std::pair{"p2p_listen", &c.p2p_listen}, std::pair{"http_listen", &c.http_listen}}) {
    if (address->empty()) continue;
    if (Result<HostPort> parsed = ParseHostPort(*address); !parsed.ok()) {
      problems.push_back(std::string(name) + ": " + parsed.status().message());
    }
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

Status CheckPrivateFile(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::Ok();  // a missing file is reported by its user
  if ((st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Error("config_insecure", path + ": mode " + mode +
                                                " lets other users read or change " + what +
                                                "; run: chmod 600 " + path);
  }
  return Status::Ok();
}

api::ApiConfig ApiConfigFrom(const NodeConfig& config) {
  api::ApiConfig a;
  a.max_body_bytes = config.max_body_bytes;
  a.max_header_bytes = config.max_header_bytes;
  a.max_response_bytes = config.max_response_bytes;
  a.default_commit_wait = std::chrono::milliseconds(config.commit_wait_ms);
  a.max_commit_wait = std::chrono::milliseconds(config.commit_wait_ms);
  a.block_tokens = config.block_list_tokens;
  a.block_list_open = config.block_list_open;
  a.metrics_tokens = config.metrics_tokens;
  for (const auto& [id, quota] : config.depositor_quotas) {
    if (id == "*") {
      a.depositor_quota_default = quota;
    } else {
      a.depositor_quotas[id] = quota;
    }
  }
  a.threads = config.http_threads;
  a.max_queued_requests = config.http_max_queued_requests;
  a.max_connections = config.max_connections;
  a.max_connections_per_address = config.max_connections_per_address;
  a.tls_max_handshakes_per_address = config.tls_max_handshakes_per_address;
  a.header_timeout = std::chrono::milliseconds(config.header_timeout_ms);
  a.body_timeout = std::chrono::milliseconds(config.body_timeout_ms);
  a.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
  a.write_timeout = std::chrono::milliseconds(config.write_timeout_ms);
  a.rate_limit_per_second = config.rate_limit_rps;
  a.rate_limit_burst = config.rate_limit_burst;
  a.access_log = config.access_log;
  return a;
}

Result<NodeConfig> LoadNodeConfig(const std::string& path) {
  // Issue 10 item 7: the file holds bearer tokens.
  EVCHAIN_RETURN_IF_ERROR(CheckPrivateFile(path, "the node config (it holds bearer tokens)"));
  std::ifstream in(path);
  if (!in) return Status::Error("config_unreadable", path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  auto base = std::filesystem::absolute(path).parent_path().string();
  auto result = ParseNodeConfig(ss.str(), base);
  if (!result.ok()) {
    return Status::Error(result.status().code(), path + ":\n" + result.status().message());
  }
  if (!result->tls_key.empty()) {
    EVCHAIN_RETURN_IF_ERROR(CheckPrivateFile(result->tls_key, "the TLS private key"));
  }
  return result;
}

}  // namespace evchain::node
