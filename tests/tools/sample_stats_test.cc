// The order statistics every evchain-bench-* report is built from (tools/bench_common).
#include "tools/bench_common/sample_stats.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

namespace evchain::bench {
namespace {

TEST_CASE("Median is the upper middle sample, whatever the input order") {
  CHECK(Median({3, 1, 2}) == 2);
  CHECK(Median({4, 1, 3, 2}) == 3);  // of an even count, the higher middle
  CHECK(Median({7}) == 7);
  CHECK(Median({}) == 0);
}

TEST_CASE("Percentile is nearest-rank, with unfinished latencies sorting last") {
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);  // 1..100, reversed
  CHECK(Percentile(hundred, 50) == 50);
  CHECK(Percentile(hundred, 99) == 99);
  CHECK(Percentile(hundred, 100) == 100);
  CHECK(Percentile(hundred, 0) == 1);  // rank clamped to the first sample
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(Percentile({5, inf, 1, inf}, 50) == 5);
  CHECK(std::isinf(Percentile({5, inf, 1, inf}, 99)));
  CHECK(std::isnan(Percentile({}, 50)));
}

}  // namespace
}  // namespace evchain::bench
