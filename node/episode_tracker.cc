#include "node/episode_tracker.h"

#include <fmt/format.h>

namespace evchain::node {

std::optional<EpisodeTracker::Event> EpisodeTracker::Update(uint64_t total, int64_t now_ms) {
  if (total > seen_) {
    const uint64_t before = seen_;
    seen_ = total;
    last_event_ms_ = now_ms;
    if (!active_) {
      active_ = true;
      at_start_ = before;
      at_reminder_ = total;
      since_ms_ = now_ms;
      last_reminder_ms_ = now_ms;
      return Event{Kind::kStarted, total - before, 0, 0};
    }
    if (now_ms - last_reminder_ms_ >= remind_ms_) {
      const Event event{Kind::kOngoing, total - at_reminder_, now_ms - since_ms_,
                        now_ms - last_reminder_ms_};
      at_reminder_ = total;
      last_reminder_ms_ = now_ms;
      return event;
    }
    return std::nullopt;
  }
  if (active_ && now_ms - last_event_ms_ >= quiet_ms_) {
    active_ = false;
    return Event{Kind::kEnded, seen_ - at_start_, last_event_ms_ - since_ms_, 0};
  }
  return std::nullopt;
}

std::string SecondsText(int64_t ms) {
  return fmt::format("{:.1f} s", static_cast<double>(ms) / 1e3);
}

}  // namespace evchain::node
