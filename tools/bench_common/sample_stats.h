// Order statistics of a benchmark's samples, shared by the evchain-bench-* programs.
#pragma once

#include <vector>

namespace evchain::bench {

// The upper median (the middle element; of an even count, the higher of the two middles), which
// is always one of the samples; 0 for no samples.
double Median(std::vector<double> v);

// Nearest-rank percentile; +inf entries (a latency that never ended) sort last; NaN for no
// samples.
double Percentile(std::vector<double> v, double p);

}  // namespace evchain::bench
