// What every handler may use: the chain's genesis, the running node, metrics and the API's
// limits. The node constructs one Context and hands it to HttpServer. docs/api.md "Limits".
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "api/metrics.h"
#include "api/node_service.h"
#include "genesis/genesis.h"

namespace evchain::api {

struct ApiConfig {
  // Request bodies: JSON deposits and batches (a 10,000-item batch is ~4 MB).
  size_t max_body_bytes = 8 * 1024 * 1024;
  // Multipart uploads to POST /v1/verify are hashed while streaming, never stored.
  size_t max_upload_bytes = 256 * 1024 * 1024;
  // Sum of all request header lines (names + values); larger requests get 431.
  size_t max_header_bytes = 16 * 1024;
  // ?wait=commit: default wait and the cap on ?wait_ms=.
  std::chrono::milliseconds default_commit_wait{10000};
  std::chrono::milliseconds max_commit_wait{10000};
  // GET /v1/evidence/{digest} lists at most this many deposits (then "truncated": true).
  size_t max_deposits_per_digest = 1000;
  // Bearer tokens for GET /v1/blocks* and GET /metrics; empty means open.
  std::vector<std::string> block_tokens;
  std::vector<std::string> metrics_tokens;

  // Transport (used by HttpServer only).
  size_t threads = 16;
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
  size_t keep_alive_max_requests = 1000;
  // Per-client token bucket on /v1/ routes; rate 0 disables it.
  double rate_limit_per_second = 200;
  double rate_limit_burst = 400;
};

struct Context {
  const genesis::Genesis& genesis;
  NodeService& node;
  Metrics& metrics;
  const ApiConfig& config;
};

}  // namespace evchain::api
