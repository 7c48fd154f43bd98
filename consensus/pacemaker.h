// How long the protocol's timers run (docs/protocol.md "Timers — the pacemaker"): each timer is
// its genesis base (request_timeout_ms, view_change_timeout_ms) times 2^level. The level goes up
// by one on every view change the replica starts, so consecutive view changes wait twice as long
// each time, until the timeouts exceed what the replicas need to commit a block; and down by one
// on a commit that took less than half of what the next lower level allows, so the timeouts come
// back only as far as the observed commit latency lets them. Persisted by the replica
// (ReplicaState.view_change_attempts). Pure: the replica passes the durations in.
#pragma once

#include <algorithm>
#include <cstdint>

#include "common/time.h"

namespace evchain::consensus {

class Pacemaker {
 public:
  static constexpr uint32_t kMaxLevel = 6;  // 64 x the base

  explicit Pacemaker(uint32_t level = 0) : level_(std::min(level, kMaxLevel)) {}

  uint32_t level() const { return level_; }
  UnixMillis Timeout(uint32_t base_ms) const { return static_cast<UnixMillis>(base_ms) << level_; }
  // The timeout of the level below (the base at level 0).
  UnixMillis LowerTimeout(uint32_t base_ms) const {
    return static_cast<UnixMillis>(base_ms) << (level_ == 0 ? 0 : level_ - 1);
  }

  // The replica started a view change: one level up (capped).
  void ViewChangeStarted() { level_ = std::min(level_ + 1, kMaxLevel); }
  // A block of the current view committed `took` ms after its progress timer was armed; the
  // timer's base is `base_ms`. Returns true when the level came down (the replica persists it).
  bool Committed(UnixMillis took, uint32_t base_ms) {
    if (level_ == 0 || 2 * took >= LowerTimeout(base_ms)) return false;
    --level_;
    return true;
  }

 private:
  uint32_t level_ = 0;
};

}  // namespace evchain::consensus
