// libprotobuf's own log lines in the node's log, rate-limited. libprotobuf logs an ERROR line
// for each proto3 string field it refuses as not UTF-8, and a validator's consensus messages,
// block replies and snapshot chunks are parsed after their signature or link authenticates
// them: a peer holding a validator key could write one line to every other validator's log per
// message it sends (thousands a second). Its lines now pass through ProtobufLogLimiter: one a
// minute at most, the next saying how many were held back (docs/operations.md "Log lines").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "node/log_line.h"

namespace evchain::node {

// Decides which of libprotobuf's lines the operator reads. Pure (the time is given), so tests
// drive it with made-up times; not thread-safe (RouteProtobufLogs guards it).
class ProtobufLogLimiter {
 public:
  explicit ProtobufLogLimiter(int64_t interval_ms = 60000) : interval_ms_(interval_ms) {}

  // A line libprotobuf logged at `now_ms` (a monotonic clock): the line to write, or nothing
  // when one was written less than the interval ago (it is counted, and the next line written
  // says how many were held back).
  std::optional<LogLine> Offer(int64_t now_ms, const std::string& message);

 private:
  const int64_t interval_ms_;
  std::optional<int64_t> last_written_ms_;
  uint64_t held_back_ = 0;
};

// Routes libprotobuf's log lines through one ProtobufLogLimiter into spdlog's default logger
// (warnings). For the process's lifetime; call once, after the logger is set up.
void RouteProtobufLogs();

}  // namespace evchain::node
