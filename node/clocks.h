// The host's two clocks (docs/protocol.md "Timers"): the system clock for block times and the
// clock-skew rule, and the monotonic clock for every timer and duration. consensus/ reads
// neither; the node passes both with every event (consensus::Now).
#pragma once

#include <chrono>
#include <cstdint>

#include "common/time.h"
#include "consensus/replica.h"

namespace evchain::node {

inline UnixMillis WallNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// steady_clock counts from boot on Linux; + 1 keeps it above 0 (the replica's "unset").
inline int64_t MonoNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
             .count() +
         1;
}

inline consensus::Now Clocks() { return consensus::Now{WallNow(), MonoNow()}; }

}  // namespace evchain::node
