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

}  // namespace

std::optional<OverloadLog::Line> OverloadLog::Update(uint64_t refused, int64_t now_ms,
                                                     const Pending& pending) {
  const std::optional<EpisodeTracker::Event> event = episodes_.Update(refused, now_ms);
  if (!event) return std::nullopt;
  switch (event->kind) {
    case EpisodeTracker::Kind::kStarted:
      return Line{true, fmt::format("overloaded: refusing requests with 503 overloaded and "
                                    "Retry-After ({} refused): {}",
                                    event->count, Held(pending))};
    case EpisodeTracker::Kind::kOngoing:
      return Line{true, fmt::format("still overloaded after {}: {} requests refused in the "
                                    "last {}: {}",
                                    SecondsText(event->episode_ms), event->count,
                                    SecondsText(event->since_last_ms), Held(pending))};
    case EpisodeTracker::Kind::kEnded:
      return Line{false, fmt::format("no longer overloaded: accepting requests again; {} requests "
                                     "refused over {}",
                                     event->count, SecondsText(event->episode_ms))};
  }
  return std::nullopt;
}

}  // namespace evchain::node
