// What the operator reads when the validator sheds load (docs/operations.md "Overload"): one
// warning when it starts refusing requests as "overloaded" (503 with Retry-After: deposits with
// its pending pool full, or any request with its HTTP handler queue full), a reminder with the
// count every `remind_ms` while that goes on, and one line when none has been refused for
// `quiet_ms` (the episodes: node/episode_tracker.h).
//
// Fed the number of requests refused since start and a monotonic clock, twice a second by the
// validator (Validator::ReportOverload); pure, so tests drive it with made-up times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "node/episode_tracker.h"
#include "node/log_line.h"

namespace evchain::node {

class OverloadLog {
 public:
  using Line = LogLine;
  // What the validator held when asked, for the lines.
  struct Pending {
    size_t replica = 0;   // the replica's pool: this validator's deposits and peers' forwarded
    size_t admitted = 0;  // deposits this validator's clients sent, acknowledged, not committed
    size_t max_pending = 0;
    size_t handler_queue = 0;  // HTTP requests waiting for a handler worker
    size_t max_handler_queue = 0;
  };

  // The quiet time is several Retry-After periods (1 s), so that a client that retries as told
  // does not end and start an episode at every retry.
  explicit OverloadLog(int64_t quiet_ms = 5000, int64_t remind_ms = 60000)
      : episodes_(quiet_ms, remind_ms) {}

  // `refused`: requests refused as overloaded since start (it never decreases); `now_ms`: a
  // monotonic clock in milliseconds. At most one line a call.
  std::optional<Line> Update(uint64_t refused, int64_t now_ms, const Pending& pending);
  // Whether an episode is going on: refusals, none `quiet_ms` ago yet.
  bool overloaded() const { return episodes_.active(); }

 private:
  EpisodeTracker episodes_;
};

}  // namespace evchain::node
