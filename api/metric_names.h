// The names of evchain's Prometheus metrics, shared by the node (which updates consensus and
// commit metrics) and the HTTP layer. docs/api.md "Metrics" lists them with their meaning.
#pragma once

#include "api/metrics.h"

namespace evchain::api::metric {

// Updated by the node.
inline constexpr char kBlocksCommitted[] = "evchain_blocks_committed_total";
inline constexpr char kCommitLatency[] = "evchain_commit_latency_seconds";  // deposit to commit
// Refreshed from NodeService::Status() on every scrape (the node may also set them).
inline constexpr char kView[] = "evchain_view";
inline constexpr char kHeight[] = "evchain_height";
inline constexpr char kLogSize[] = "evchain_log_size";
inline constexpr char kPending[] = "evchain_pending_deposits";
inline constexpr char kPeersConnected[] = "evchain_peers_connected";
// Updated by the HTTP layer.
inline constexpr char kDepositsAccepted[] = "evchain_deposits_accepted_total";
inline constexpr char kDepositsRejected[] = "evchain_deposits_rejected_total";  // label code
inline constexpr char kHttpRequests[] = "evchain_http_requests_total";  // labels route, status
inline constexpr char kHttpRateLimited[] = "evchain_http_rate_limited_total";
inline constexpr char kStorageErrors[] = "evchain_storage_errors_total";  // label code

// Registers HELP/TYPE lines for every metric above. Idempotent.
void DescribeAll(Metrics& metrics);

}  // namespace evchain::api::metric
