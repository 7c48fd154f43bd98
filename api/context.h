// What every handler may use: the chain's genesis, the running node, metrics and the API's
// limits. The node constructs one Context and hands it to HttpServer. docs/api.md "Limits".
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "api/metrics.h"
#include "api/node_service.h"
#include "api/rate_limiter.h"
#include "genesis/genesis.h"

namespace evchain::api {

struct ApiConfig {
  // Request bodies: JSON deposits and batches (a 10,000-item batch is ~4 MB).
  size_t max_body_bytes = size_t{8} << 20;
  // Multipart uploads to POST /v1/verify are hashed while streaming, never stored.
  size_t max_upload_bytes = size_t{256} << 20;
  // The request line and all header lines together; larger requests get 431.
  size_t max_header_bytes = size_t{16} << 10;
  // GET /v1/blocks, GET /v1/evidence/{digest} and POST /v1/verify stop adding items once the
  // response body would pass this (then "truncated": true, or fewer blocks); at least one item
  // is always sent.
  size_t max_response_bytes = size_t{8} << 20;
  // ?wait=commit: default wait and the cap on ?wait_ms=.
  std::chrono::milliseconds default_commit_wait{10000};
  std::chrono::milliseconds max_commit_wait{10000};
  // GET /v1/evidence/{digest} lists at most this many deposits (then "truncated": true).
  size_t max_deposits_per_digest = 1000;
  // Bearer tokens for GET /v1/blocks*. Without tokens block listing is refused (401) unless
  // block_list_open says it is public on purpose.
  std::vector<std::string> block_tokens;
  bool block_list_open = false;
  // Bearer tokens for GET /metrics; empty means open.
  std::vector<std::string> metrics_tokens;
  // Per depositor (after the signature check) on the deposit routes; rate 0: no quota (default).
  Quota depositor_quota_default;
  std::map<std::string, Quota> depositor_quotas;

  // Transport (used by HttpServer only). docs/api.md "Connections".
  size_t threads = 8;                 // handler workers (signature checks, LevelDB reads)
  size_t max_queued_requests = 4096;  // requests waiting for a worker; beyond: 503 overloaded
  size_t max_connections = 10000;
  size_t max_connections_per_address = 256;
  // HTTPS: TLS handshakes in progress from one client address at once; 0: no cap. Beyond it a
  // new connection from that address is closed at accept, before any crypto, and counted
  // (reason="tls_handshakes_per_address"). The handshake lane (api/handshake_lane.h) keeps a
  // flood from delaying established connections and gives every address its turn; this keeps
  // one address's flood from holding hundreds of handshakes (memory, and their crypto when
  // their turns come). A browser opens at most 6 connections to a host at once; behind a TCP
  // load balancer that passes TLS through, every client has the balancer's address.
  size_t tls_max_handshakes_per_address = 16;
  // From the first byte of a request to its last header byte; also a new connection's wait for
  // that first byte. Then 408 (plain HTTP) and close.
  std::chrono::milliseconds header_timeout{5000};
  // From the end of the headers to the last body byte.
  std::chrono::milliseconds body_timeout{60000};
  // A keep-alive connection's wait for its next request.
  std::chrono::milliseconds idle_timeout{30000};
  // Writing one response (a client that does not read is closed after this).
  std::chrono::milliseconds write_timeout{10000};
  size_t keep_alive_max_requests = 10000;
  // After refusing a body (413, a body where none is allowed): read and discard up to this many
  // bytes for at most linger_timeout, so a client still sending sees the error, not a reset
  // (nginx's lingering close). Costs bandwidth, never memory.
  size_t linger_bytes = size_t{64} << 20;
  std::chrono::milliseconds linger_timeout{5000};
  // Per-client token bucket on /v1/ routes; rate 0 disables it.
  double rate_limit_per_second = 200;
  double rate_limit_burst = 400;
  // One line per request (request id, client, method, target, status, bytes, milliseconds).
  bool access_log = true;
};

struct Context {
  const genesis::Genesis& genesis;
  NodeService& node;
  Metrics& metrics;
  const ApiConfig& config;
  // Shared state of the deposit quotas; HttpServer supplies one when null (no quotas checked).
  DepositorQuotas* quotas = nullptr;
};

}  // namespace evchain::api
