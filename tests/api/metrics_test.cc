#include "api/metrics.h"

#include <doctest/doctest.h>

namespace evchain::api {
namespace {

TEST_CASE("Prometheus text: HELP/TYPE once, labelled series, cumulative histogram buckets") {
  Metrics m;
  m.Describe("evchain_deposits_rejected_total", "counter", "Rejected deposits.");
  m.Increment("evchain_deposits_rejected_total", "code=\"bad_signature\"");
  m.Increment("evchain_deposits_rejected_total", "code=\"bad_signature\"", 2);
  m.Increment("evchain_deposits_rejected_total", "code=\"bad_json\"");
  m.SetGauge("evchain_view", 7);
  m.SetGauge("evchain_view", 8);
  m.Describe("evchain_commit_latency_seconds", "histogram", "Commit latency.");
  m.Observe("evchain_commit_latency_seconds", 0.02);
  m.Observe("evchain_commit_latency_seconds", 3);
  const std::string text = m.RenderPrometheus();
  CHECK(text ==
        "# HELP evchain_deposits_rejected_total Rejected deposits.\n"
        "# TYPE evchain_deposits_rejected_total counter\n"
        "evchain_deposits_rejected_total{code=\"bad_json\"} 1\n"
        "evchain_deposits_rejected_total{code=\"bad_signature\"} 3\n"
        "evchain_view 8\n"
        "# HELP evchain_commit_latency_seconds Commit latency.\n"
        "# TYPE evchain_commit_latency_seconds histogram\n"
        "evchain_commit_latency_seconds_bucket{le=\"0.005\"} 0\n"
        "evchain_commit_latency_seconds_bucket{le=\"0.01\"} 0\n"
        "evchain_commit_latency_seconds_bucket{le=\"0.025\"} 1\n"
        "evchain_commit_latency_seconds_bucket{le=\"0.05\"} 1\n"
        "evchain_commit_latency_seconds_bucket{le=\"0.1\"} 1\n"
        "evchain_commit_latency_seconds_bucket{le=\"0.25\"} 1\n"
        "evchain_commit_latency_seconds_bucket{le=\"0.5\"} 1\n"
        "evchain_commit_latency_seconds_bucket{le=\"1\"} 1\n"
        "evchain_commit_latency_seconds_bucket{le=\"2.5\"} 1\n"
        "evchain_commit_latency_seconds_bucket{le=\"5\"} 2\n"
        "evchain_commit_latency_seconds_bucket{le=\"10\"} 2\n"
        "evchain_commit_latency_seconds_bucket{le=\"30\"} 2\n"
        "evchain_commit_latency_seconds_bucket{le=\"+Inf\"} 2\n"
        "evchain_commit_latency_seconds_sum 3.02\n"
        "evchain_commit_latency_seconds_count 2\n");
}

}  // namespace
}  // namespace evchain::api
