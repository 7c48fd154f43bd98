// Samples every validator's `GET /v1/status` (and every validator's CPU time) on threads of its
// own while a run loads the network, so commit times and the committed log size are read off a
// timeline afterwards. A sample's time is when its answer arrived: a commit seen in it happened
// at most one poll interval plus one round trip earlier (docs/benchmarks.md "End-to-end").
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/bench_e2e/clusters.h"

namespace evchain::bench {

struct StatusSample {
  int64_t sent_ns = 0;
  int64_t recv_ns = 0;
  uint64_t height = 0;
  uint64_t log_size = 0;
  uint64_t view = 0;
  uint64_t pending = 0;
};

struct CpuSample {
  int64_t at_ns = 0;
  std::vector<double> seconds;  // per process
};

class Poller {
 public:
  Poller(std::vector<HostPort> nodes, std::vector<pid_t> pids, int interval_ms);
  ~Poller() { Stop(); }
  void Stop();

  // The largest log size any validator had reported by time t (0 before any sample).
  uint64_t LogSizeAt(int64_t t) const;
  // The log size `node` had last reported by time t (0 before any sample).
  uint64_t NodeLogSizeAt(size_t node, int64_t t) const;
  // The arrival time of node's first sample at or above `height`; -1 if none.
  int64_t HeightSeenAt(size_t node, uint64_t height) const;
  // The arrival time of node's first sample at or after `from` showing a view >= `view`; -1 if
  // none.
  int64_t ViewSeenAt(size_t node, uint64_t view, int64_t from) const;
  // The height `node` had last reported by time t (0 before any sample).
  uint64_t NodeHeightAt(size_t node, int64_t t) const;
  // The largest view any validator reported in [from, to].
  uint64_t MaxView(int64_t from, int64_t to) const;
  // CPU seconds of process p between the samples nearest to `from` and `to`.
  double CpuBetween(size_t p, int64_t from, int64_t to) const;
  // Round trips of the status polls of `node` in [from, to], in ms.
  std::vector<double> PollRoundTripsMs(size_t node, int64_t from, int64_t to) const;

 private:
  // node's last sample by time t (all zero before any).
  StatusSample NodeSampleAt(size_t node, int64_t t) const;
  void PollLoop(size_t node);
  void CpuLoop();

  std::vector<HostPort> nodes_;
  std::vector<pid_t> pids_;
  int interval_ms_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;  // guards samples_ and cpu_: the queries run while polls append
  std::vector<std::vector<StatusSample>> samples_;
  std::vector<CpuSample> cpu_;
  std::vector<std::thread> threads_;
};

}  // namespace evchain::bench
