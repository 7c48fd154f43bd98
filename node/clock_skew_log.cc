#include "node/clock_skew_log.h"

#include <fmt/format.h>

#include <cstdlib>

namespace evchain::node {

void ClockSkewSamples::Add(ClockSkewSample sample) {
  std::lock_guard<std::mutex> lock(mu_);
  ++count_;
  last_ = std::move(sample);
}

std::pair<uint64_t, std::optional<ClockSkewSample>> ClockSkewSamples::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {count_, last_};
}

std::string ClockSkewLog::Describe(const ClockSkewSample& sample) {
  return fmt::format("{}'s block for height={} has a time {} ms {} this validator's clock",
                     sample.proposer, sample.height, std::llabs(sample.offset_ms),
                     sample.offset_ms >= 0 ? "ahead of" : "behind");
}

std::optional<LogLine> ClockSkewLog::Update(int64_t now_ms, uint64_t rejected,
                                            const std::optional<ClockSkewSample>& last) {
  const std::optional<EpisodeTracker::Event> event = episodes_.Update(rejected, now_ms);
  if (!event) return std::nullopt;
  const std::string figures = last ? Describe(*last) : "";
  switch (event->kind) {
    case EpisodeTracker::Kind::kStarted:
      return LogLine{true, fmt::format("rejecting proposals for clock skew: {}, beyond the "
                                       "genesis max_clock_skew_ms ({} ms): this validator cannot "
                                       "vote until its clock is fixed (check NTP: chronyc "
                                       "tracking, timedatectl); if only that validator's "
                                       "proposals are rejected, its clock may be the wrong one",
                                       figures, max_skew_ms_)};
    case EpisodeTracker::Kind::kOngoing:
      return LogLine{true, fmt::format("still rejecting proposals for clock skew after {}: {} "
                                       "in the last {}, the last: {}; no votes until the clock "
                                       "is fixed (NTP)",
                                       SecondsText(event->episode_ms), event->count,
                                       SecondsText(event->since_last_ms), figures)};
    case EpisodeTracker::Kind::kEnded:
      return LogLine{false, fmt::format("no longer rejecting proposals for clock skew; {} "
                                        "rejected over {}",
                                        event->count, SecondsText(event->episode_ms))};
  }
  return std::nullopt;
}

}  // namespace evchain::node
