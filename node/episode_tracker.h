// Episodes of a count that only grows (requests refused, messages dropped), for logs that write
// one line when an episode starts, a reminder with the count every `remind_ms` while it goes on,
// and one line when the count has not grown for `quiet_ms` (node/overload_log.h,
// node/send_drop_log.h). A burst of thousands of events thus costs a few lines, and events that
// flap at a limit stay one episode.
//
// Fed the total since start and a monotonic clock in milliseconds; pure, so tests drive it with
// made-up times.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace evchain::node {

class EpisodeTracker {
 public:
  enum class Kind { kStarted, kOngoing, kEnded };
  struct Event {
    Kind kind = Kind::kStarted;
    // kStarted: events since the last call; kOngoing: since the last kStarted or kOngoing;
    // kEnded: over the whole episode.
    uint64_t count = 0;
    // kOngoing: since the episode started; kEnded: from its first event seen to its last.
    int64_t episode_ms = 0;
    // kOngoing: since the last kStarted or kOngoing.
    int64_t since_last_ms = 0;
  };

  EpisodeTracker(int64_t quiet_ms, int64_t remind_ms)
      : quiet_ms_(quiet_ms), remind_ms_(remind_ms) {}

  // `total`: events since start (never decreases). At most one event a call.
  std::optional<Event> Update(uint64_t total, int64_t now_ms);
  // Whether an episode is going on: events, the last one less than `quiet_ms` ago.
  bool active() const { return active_; }

 private:
  const int64_t quiet_ms_;
  const int64_t remind_ms_;
  bool active_ = false;
  uint64_t seen_ = 0;         // `total` at the last call
  uint64_t at_start_ = 0;     // before the episode's first event
  uint64_t at_reminder_ = 0;  // at the episode's last line
  int64_t since_ms_ = 0;      // the episode's first event seen
  int64_t last_event_ms_ = 0;
  int64_t last_reminder_ms_ = 0;
};

// "12.3 s", for the lines' durations.
std::string SecondsText(int64_t ms);

}  // namespace evchain::node
