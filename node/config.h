// evchain-node's configuration file (JSON). Every option and its default: docs/operations.md.
// Relative paths are resolved against the directory holding the config file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/context.h"
#include "common/status.h"

namespace evchain::node {

struct NodeConfig {
  std::string validator_id;        // required: this validator's id in the genesis
  std::string genesis_path;        // required ("genesis")
  std::string key_file;            // required: Ed25519 key file, mode 0600
  std::string data_dir;            // required: LevelDB directory (created if missing)
  std::string p2p_listen;          // required: "host:port" for validator links
  std::string http_listen;         // required: "host:port" for the HTTP API and the judge's page
  std::string log_level = "info";  // trace|debug|info|warn|error
  std::string tls_cert;            // PEM; with tls_key, the API is served over HTTPS
  std::string tls_key;
  uint64_t max_body_bytes = 8 << 20;     // largest HTTP request body accepted
  uint32_t max_header_bytes = 16 << 10;  // largest request header block
  double rate_limit_rps = 200;           // per client address, token bucket; 0 disables it
  uint32_t rate_limit_burst = 400;
  uint32_t http_threads = 8;  // handler workers (connections cost no thread)
  // Requests read and waiting for a handler worker; beyond, 503 overloaded (docs/operations.md
  // "Overload").
  uint32_t http_max_queued_requests = 4096;
  uint32_t max_connections = 10000;
  uint32_t max_connections_per_address = 256;
  // HTTPS: TLS handshakes in progress per client address (0: no cap; docs/api.md "Connections").
  uint32_t tls_max_handshakes_per_address = 16;
  uint32_t header_timeout_ms = 5000;      // request line + headers, from the first byte (then 408)
  uint32_t body_timeout_ms = 60000;       // the whole body
  uint32_t idle_timeout_ms = 30000;       // keep-alive wait for the next request
  uint32_t write_timeout_ms = 10000;      // one response (a client that does not read is closed)
  uint64_t max_response_bytes = 8 << 20;  // /v1/blocks, /v1/evidence, /v1/verify
  bool access_log = true;
  // Per depositor id ("*": every depositor not named): {"rps": R, "burst": B}; rps 0 disables.
  // Default: none.
  std::map<std::string, api::Quota> depositor_quotas;
  uint32_t commit_wait_ms = 10000;  // longest ?wait=commit
  // Deposits waiting for a block before new ones get 503 "overloaded": back-pressure. Measured
  // (docs/benchmarks.md): 100,000 deposits submitted at once stall a 4-validator network in
  // view changes when all are admitted (200,000), and commit in ~1 minute at 20,000.
  uint32_t max_pending = 20000;
  std::vector<std::string> block_list_tokens;  // bearer tokens for /v1/blocks*
  bool block_list_open = false;  // without tokens, block listing is refused unless this is true
  std::vector<std::string> metrics_tokens;  // bearer tokens for /metrics (empty: open)
};

// Parses and validates; unknown keys and missing required keys are errors ("config_invalid"),
// each problem on its own line. The file (it holds bearer tokens) and the TLS key must not be
// readable or writable by group or others ("config_insecure", naming the chmod to run).
Result<NodeConfig> LoadNodeConfig(const std::string& path);
Result<NodeConfig> ParseNodeConfig(const std::string& json_text, const std::string& base_dir);
// Error "config_insecure" when `path` exists and group or others may read or write it.
Status CheckPrivateFile(const std::string& path, const std::string& what);
// The HTTP API's limits from the node config.
api::ApiConfig ApiConfigFrom(const NodeConfig& config);

}  // namespace evchain::node
