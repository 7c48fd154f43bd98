// What a run of evchain measured beyond its committed rate: commit latency (on the receipt
// timeline, and from the validators' own histograms), the views, and the recovery when the
// primary was killed (docs/benchmarks.md "End-to-end (evchain vs etcd)").
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench_e2e/clusters.h"
#include "tools/bench_e2e/load.h"
#include "tools/bench_e2e/poller.h"
#include "tools/bench_e2e/stats.h"
#include "tools/bench_e2e/workload.h"

namespace evchain::bench {

// The primary killed in the window (--kill-primary-at): when a surviving target first showed
// a higher view, and when its committed rate, over a sliding second, was back to 90 % of its
// rate in the 5 s before the kill. Targets: the issue's "a new view within 2x the timeout,
// and the rate back within 5 s".
ojson PrimaryKill(const Poller& poller, const std::vector<size_t>& target_node, int killed,
                  uint64_t view, int64_t kill_ns, const LoadResult& r, const std::string& dir);

// Commit latency: request sent (closed loop) or intended (open loop) to receipt available.
// `?wait=commit` answered 200: the answer itself. Otherwise (fire-and-forget, or a wait that
// timed out with 202): up to `samples` accepted requests spread evenly over the run
// are looked up after the drain (`GET /v1/deposits/{id}` of the request's last deposit, on
// the validator it was sent to); the receipt's block height is then found on the status
// timeline of that validator: the first poll answer showing that height.
ojson CommitLatency(const std::string& mode, const LoadResult& r, const Pool& pool,
                    const Poller& poller, const std::vector<size_t>& target_node, EvchainNet& net,
                    size_t samples);

// evchain_commit_latency_seconds of each validator in `nodes`: admission to commit of the
// deposits its own clients sent (node/validator_ready.cc), cumulative since it started.
std::vector<MetricHistogram> CommitHistograms(EvchainNet& net, const std::vector<size_t>& nodes);

// The validators' own account of commit latency, from their histograms before the load and
// after the drain: admission (the signature checked, the deposit queued) to its block appended
// on the validator it was sent to. It leaves out the request's way to admission, so it is a
// lower bound where the receipt lookup's timeline (up to one poll interval late) is an upper
// one. Percentiles are bucket bounds: "p50 at most 50 ms" means half committed within 50 ms.
ojson ServerLatency(const std::vector<MetricHistogram>& before,
                    const std::vector<MetricHistogram>& after);

// Each validator's view (GET /v1/status) and evchain_view_changes_total (GET /metrics).
ojson ViewSnapshot(EvchainNet& net);

}  // namespace evchain::bench
