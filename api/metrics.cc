#include "api/metrics.h"

#include <array>
#include <charconv>
#include <cmath>
#include <sstream>

#include "api/metric_names.h"

namespace evchain::api {
namespace {

constexpr std::array<double, 12> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,    2.5,   5,    10,  30};

// Prometheus text format numbers: integers without a fraction, others in shortest form.
std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string Series(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}

}  // namespace

void Metrics::Increment(const std::string& name, const std::string& labels, uint64_t by) {
  std::lock_guard<std::mutex> lock(mu_);
  values_[{name, labels}] += static_cast<double>(by);
}

void Metrics::SetGauge(const std::string& name, double value, const std::string& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  values_[{name, labels}] = value;
}

void Metrics::Observe(const std::string& name, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  Histogram& h = histograms_[name];
  if (h.buckets.empty()) h.buckets.assign(kBuckets.size(), 0);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::Describe(const std::string& name, const std::string& type, const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  help_[name] = {type, help};
  // A described histogram is rendered (all zero) before its first observation, so dashboards
  // find it from the start.
  if (type == "histogram" && histograms_[name].buckets.empty()) {
    histograms_[name].buckets.assign(kBuckets.size(), 0);
  }
}

std::string Metrics::RenderPrometheus() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  std::string current;
  auto header = [&](const std::string& name) {
    if (name == current) return;
    current = name;
    auto it = help_.find(name);
    if (it == help_.end()) return;
    out << "# HELP " << name << " " << it->second.second << "\n";
    out << "# TYPE " << name << " " << it->second.first << "\n";
  };
  for (const auto& [key, value] : values_) {
    header(key.first);
    out << Series(key.first, key.second) << " " << FormatValue(value) << "\n";
  }
  for (const auto& [name, h] : histograms_) {
    header(name);
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out << name << "_bucket{le=\"" << FormatValue(kBuckets[i]) << "\"} " << h.buckets[i] << "\n";
    }
    out << name << "_bucket{le=\"+Inf\"} " << h.count << "\n";
    out << name << "_sum " << FormatValue(h.sum) << "\n";
    out << name << "_count " << h.count << "\n";
  }
  return out.str();
}

void metric::DescribeAll(Metrics& m) {
  m.Describe(kBlocksCommitted, "counter", "Blocks committed by this validator.");
  m.Describe(kCommitLatency, "histogram", "Seconds from deposit admission to commit.");
  m.Describe(kView, "gauge", "Current PBFT view.");
  m.Describe(kHeight, "gauge", "Height of the last committed block.");
  m.Describe(kLogSize, "gauge", "Entries in the evidence log.");
  m.Describe(kPending, "gauge", "Deposits accepted but not yet committed.");
  m.Describe(kPeersConnected, "gauge", "Validator peers currently connected.");
  m.Describe(kDepositsAccepted, "counter", "Deposits accepted by the HTTP API.");
  m.Describe(kDepositsRejected, "counter", "Deposit requests rejected, by error code.");
  m.Describe(kHttpRequests, "counter", "HTTP requests by route and status.");
  m.Describe(kHttpRateLimited, "counter", "HTTP requests refused by the per-client rate limit.");
  m.Describe(kStorageErrors, "counter",
             "Requests answered 500 because the data directory could not be read, by error code.");
}

}  // namespace evchain::api
