// A small thread-safe metrics registry rendered in the Prometheus text exposition format 0.0.4.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace evchain::api {

class Metrics {
 public:
  // Counters and gauges are keyed by name plus a label string such as `code="bad_signature"`.
  void Increment(const std::string& name, const std::string& labels = "", uint64_t by = 1);
  void SetGauge(const std::string& name, double value, const std::string& labels = "");
  // Observes into a histogram with fixed buckets (seconds): 0.005 .. 30.
  void Observe(const std::string& name, double seconds);
  // HELP text shown once per metric name.
  void Describe(const std::string& name, const std::string& type, const std::string& help);
  std::string RenderPrometheus() const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::string>> help_;  // name -> (type, help)
  std::map<std::pair<std::string, std::string>, double> values_;     // (name, labels) -> value
  std::map<std::string, Histogram> histograms_;
};

}  // namespace evchain::api
