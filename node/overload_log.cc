#include "node/overload_log.h"

#include <fmt/format.h>

namespace evchain::node {
namespace {

std::string Held(const OverloadLog::Pending& p) {
  return fmt::format(
      "max_pending {}; pending now: {} deposits in the replica's pool (peers' forwarded "
      "included), {} of them from this validator's clients; {} requests waiting for a handler "
      "(at most {})",
      p.max_pending, p.replica, p.admitted, p.handler_queue, p.max_handler_queue);
}

std::string Seconds(int64_t ms) { return fmt::format("{:.1f} s", static_cast<double>(ms) / 1e3); }

}  // namespace

std::optional<OverloadLog::Line> OverloadLog::Update(uint64_t refused, int64_t now_ms,
                                                     const Pending& pending) {
  if (refused > seen_) {
    const uint64_t before = seen_;
    seen_ = refused;
    last_refusal_ms_ = now_ms;
    if (!overloaded_) {
      overloaded_ = true;
      at_start_ = before;
      at_reminder_ = refused;
      since_ms_ = now_ms;
      last_reminder_ms_ = now_ms;
      return Line{true, fmt::format("overloaded: refusing requests with 503 overloaded and "
                                    "Retry-After ({} refused): {}",
                                    refused - at_start_, Held(pending))};
    }
    if (now_ms - last_reminder_ms_ >= remind_ms_) {
      Line line{true, fmt::format("still overloaded after {}: {} requests refused in the "
                                  "last {}: {}",
                                  Seconds(now_ms - since_ms_), refused - at_reminder_,
                                  Seconds(now_ms - last_reminder_ms_), Held(pending))};
      at_reminder_ = refused;
      last_reminder_ms_ = now_ms;
      return line;
    }
    return std::nullopt;
  }
  if (overloaded_ && now_ms - last_refusal_ms_ >= quiet_ms_) {
    overloaded_ = false;
    return Line{false, fmt::format("no longer overloaded: accepting requests again; {} requests "
                                   "refused over {}",
                                   seen_ - at_start_, Seconds(last_refusal_ms_ - since_ms_))};
  }
  return std::nullopt;
}

}  // namespace evchain::node
