// The medians of evchain-bench-e2e's repeated rounds (--repeat N): each load level run N times,
// etcd and evchain alternating within each round, so that one slow minute of a shared machine
// moves one sample of each, not the conclusion (docs/benchmarks.md "End-to-end").
#pragma once

#include <vector>

#include "tools/bench_e2e/stats.h"

namespace evchain::bench {

// One entry per system, mode and load level, in the order the runs came: "rounds" and, for each
// of committed_per_s, ratio_to_etcd, ratio_to_ed25519_ceiling, servers_us_per_commit and the
// commit latency's p50 and p99, {"median", "min", "max"} over the rounds that have the number
// (null when none has). The median of an even count is the upper one, always a measured run.
ojson SummarizeRounds(const std::vector<ojson>& runs);

// Prints the summary as a table: median and, in brackets, min-max.
void PrintRoundSummary(const ojson& summary);

}  // namespace evchain::bench
