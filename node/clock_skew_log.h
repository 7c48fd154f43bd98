// What the operator reads when this validator rejects proposals for clock skew (docs/operations.md
// "Clock skew"): a PRE-PREPARE whose block time is more than the genesis max_clock_skew_ms off
// this validator's wall clock is dropped before the replica sees it (consensus::Prefilter), so a
// validator whose clock is off votes on nothing and the others commit without it. One warning
// when the rejections start, saying by how much the block time and our clock differ, a reminder
// every `remind_ms` while they go on, one line when none came for `quiet_ms`
// (node/episode_tracker.h). ClockSkewSamples collects the figures on the verifier threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "node/episode_tracker.h"
#include "node/log_line.h"

namespace evchain::node {

// One rejected PRE-PREPARE.
struct ClockSkewSample {
  std::string proposer;  // its sender's genesis id
  uint64_t height = 0;
  int64_t offset_ms = 0;  // its block time minus our wall clock when it arrived
};

// The rejections so far; thread-safe.
class ClockSkewSamples {
 public:
  void Add(ClockSkewSample sample);
  // (rejections since start, the last one).
  std::pair<uint64_t, std::optional<ClockSkewSample>> Get() const;

 private:
  mutable std::mutex mu_;
  uint64_t count_ = 0;                   // guarded by mu_
  std::optional<ClockSkewSample> last_;  // guarded by mu_
};

class ClockSkewLog {
 public:
  explicit ClockSkewLog(int64_t max_skew_ms, int64_t quiet_ms = 30000, int64_t remind_ms = 60000)
      : max_skew_ms_(max_skew_ms), episodes_(quiet_ms, remind_ms) {}

  // `rejected`: proposals rejected for clock skew since start; `last`: the last of them;
  // `now_ms`: a monotonic clock in milliseconds. At most one line a call.
  std::optional<LogLine> Update(int64_t now_ms, uint64_t rejected,
                                const std::optional<ClockSkewSample>& last);

 private:
  // "court-0's block for height=12 has a time 8213 ms ahead of this validator's clock".
  static std::string Describe(const ClockSkewSample& sample);

  const int64_t max_skew_ms_;
  EpisodeTracker episodes_;
};

}  // namespace evchain::node
