// node/config: the options of the HTTP front end, and the file permissions a config and a TLS
// key must have (docs/operations.md).
#include "node/config.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace evchain::node {
namespace {

const std::string kRequired =
    R"("validator_id": "court-1", "genesis": "g.json", "key_file": "k", "data_dir": "d",
       "p2p_listen": "127.0.0.1:1", "http_listen": "127.0.0.1:2")";

Result<NodeConfig> Parse(const std::string& extra) {
  return ParseNodeConfig("{" + kRequired + (extra.empty() ? "" : ", " + extra) + "}", "/base");
}

// Issue 12: docs/api.md says 0 disables the per-address limit, the parser refused it.
TEST_CASE("rate_limit_rps 0 disables the limit, negative values are refused") {
  auto zero = Parse(R"("rate_limit_rps": 0)");
  REQUIRE_MESSAGE(zero.ok(), zero.status().ToString());
  CHECK(zero->rate_limit_rps == 0);
  CHECK(ApiConfigFrom(*zero).rate_limit_per_second == 0);
  CHECK(!Parse(R"("rate_limit_rps": -1)").ok());
}

TEST_CASE("HTTP front-end options reach the API config, quotas default to none") {
  auto c = Parse(R"("header_timeout_ms": 2000, "max_connections_per_address": 8,
                    "http_threads": 2, "http_max_queued_requests": 100,
                    "depositor_quotas": {"demo-platform": {"rps": 5, "burst": 10},
                                         "*": {"rps": 1}},
                    "block_list_open": true, "access_log": false)");
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  api::ApiConfig a = ApiConfigFrom(*c);
  CHECK(a.header_timeout == std::chrono::milliseconds(2000));
  CHECK(a.max_connections_per_address == 8);
  CHECK(a.threads == 2);
  CHECK(a.max_queued_requests == 100);
  CHECK(a.depositor_quotas.at("demo-platform").rate_per_second == 5);
  CHECK(a.depositor_quotas.at("demo-platform").burst == 10);
  CHECK(a.depositor_quota_default.rate_per_second == 1);
  CHECK(a.block_list_open);
  CHECK(!a.access_log);
  api::ApiConfig d = ApiConfigFrom(*Parse(""));
  CHECK(d.depositor_quota_default.rate_per_second == 0);
  CHECK(d.depositor_quotas.empty());
  CHECK(!d.block_list_open);
  CHECK(d.threads == 8);
  CHECK(d.max_queued_requests == 4096);
  CHECK(!Parse(R"("http_max_queued_requests": 0)").ok());
  CHECK(!Parse(R"("http_max_queued_requests": 1000001)").ok());
  CHECK(!Parse(R"("depositor_quotas": {"x": {"rps": 1, "extra": 2}})").ok());
}

TEST_CASE("tls_max_handshakes_per_address: 16 by default, 0 lifts the cap, bad values refused") {
  CHECK(ApiConfigFrom(*Parse("")).tls_max_handshakes_per_address == 16);
  for (uint32_t n : {0u, 1u, 1000u, 1000000u}) {
    auto c = Parse(R"("tls_max_handshakes_per_address": )" + std::to_string(n));
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    CHECK(ApiConfigFrom(*c).tls_max_handshakes_per_address == n);
  }
  for (const char* bad : {"-1", "1.5", "\"16\"", "null", "1000001"}) {
    INFO(bad);
    auto c = Parse(std::string(R"("tls_max_handshakes_per_address": )") + bad);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().ToString().find(
              "tls_max_handshakes_per_address: must be an integer in [0, 1000000]") !=
          std::string::npos);
  }
}

// The config's own host:port check accepted "::1:8080" (an IPv6 literal without brackets),
// which the node then failed to listen on; it now uses the grammar the node parses with.
TEST_CASE("listen addresses are checked with the grammar the node listens with") {
  auto with = [](const std::string& p2p, const std::string& http) {
    return ParseNodeConfig(R"({"validator_id": "court-1", "genesis": "g.json", "key_file": "k",
                               "data_dir": "d", "p2p_listen": ")" +
                               p2p + R"(", "http_listen": ")" + http + R"("})",
                           "/base");
  };
  auto v6 = with("[::1]:7001", "[::1]:8080");
  REQUIRE_MESSAGE(v6.ok(), v6.status().ToString());
  struct Case {
    const char* p2p;
    const char* http;
    const char* field;  // the one named in the error
  };
  for (const Case& c : {Case{"::1:7001", "127.0.0.1:8080", "p2p_listen"},
                        Case{"127.0.0.1:7001", "127.0.0.1:0", "http_listen"},
                        Case{"127.0.0.1:7001", "local host:8080", "http_listen"}}) {
    INFO(c.p2p, " ", c.http);
    auto bad = with(c.p2p, c.http);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().code() == "config_invalid");
    CHECK(bad.status().message().find(std::string(c.field) + ": \"") != std::string::npos);
  }
}

// Issue 10 item 7: the config holds bearer tokens and the TLS key is a secret; neither was
// checked for permissions.
TEST_CASE("a config or TLS key readable by others is refused with the chmod to run") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("evchain-config-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string config = (dir / "config.json").string();
  const std::string key = (dir / "tls.key").string();
  std::ofstream(key) << "not a real key\n";
  std::ofstream(config) << "{" << kRequired << R"(, "tls_cert": "tls.crt", "tls_key": "tls.key"})";
  ::chmod(key.c_str(), 0600);
  ::chmod(config.c_str(), 0644);
  auto open = LoadNodeConfig(config);
  REQUIRE(!open.ok());
  CHECK(open.status().code() == "config_insecure");
  CHECK(open.status().message().find("chmod 600 " + config) != std::string::npos);
  ::chmod(config.c_str(), 0600);
  CHECK(LoadNodeConfig(config).ok());
  ::chmod(key.c_str(), 0640);
  auto key_open = LoadNodeConfig(config);
  REQUIRE(!key_open.ok());
  CHECK(key_open.status().code() == "config_insecure");
  CHECK(key_open.status().message().find("tls.key") != std::string::npos);
  fs::remove_all(dir);
}

// The position is where the parser stopped: the end of the token it did not expect.
TEST_CASE("a config that is not JSON is refused with the line and column of the error") {
  auto broken =
      ParseNodeConfig("{\n  \"validator_id\": \"court-1\",\n  \"genesis\" \"g.json\"\n}", "/base");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.status().message().find("config is not valid JSON: line 3, column 20: ") == 0);
  CHECK(broken.status().message().find("json.exception") == std::string::npos);
  auto cut = ParseNodeConfig("{", "/base");
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().message().find("config is not valid JSON: line 1, column 2: ") == 0);
  auto array = ParseNodeConfig("[1, 2]", "/base");
  REQUIRE_FALSE(array.ok());
  CHECK(array.status().message() == "config is not a JSON object");
}

}  // namespace
}  // namespace evchain::node
