#include "node/send_drop_log.h"

#include <fmt/format.h>

namespace evchain::node {

std::string SendDropLog::PerPeer(const std::vector<Peer>& peers,
                                 const std::map<std::string, uint64_t>& since) {
  std::string out;
  for (const Peer& peer : peers) {
    const auto before = since.find(peer.id);
    const uint64_t dropped = peer.dropped - (before == since.end() ? 0 : before->second);
    if (dropped == 0) continue;
    out += fmt::format("{}{} to {} ({})", out.empty() ? "" : ", ", dropped, peer.id,
                       peer.connected ? "link up" : "no link now");
  }
  return out;
}

std::optional<SendDropLog::Line> SendDropLog::Update(int64_t now_ms,
                                                     const std::vector<Peer>& peers) {
  uint64_t total = 0;
  for (const Peer& peer : peers) total += peer.dropped;
  std::optional<Line> line;
  if (const std::optional<EpisodeTracker::Event> event = episodes_.Update(total, now_ms)) {
    switch (event->kind) {
      case EpisodeTracker::Kind::kStarted:
        line = Line{true, fmt::format("dropping consensus messages to peers: {}; a peer's send "
                                      "queue keeps at most {} messages and {} MiB, its oldest "
                                      "dropped beyond, and a peer without a link for over {} "
                                      "gets none queued",
                                      PerPeer(peers, at_last_call_), bounds_.max_queue_messages,
                                      bounds_.max_queue_mib, SecondsText(bounds_.unreachable_ms))};
        break;
      case EpisodeTracker::Kind::kOngoing:
        line = Line{true,
                    fmt::format("still dropping consensus messages after {}: in the last "
                                "{} {}",
                                SecondsText(event->episode_ms), SecondsText(event->since_last_ms),
                                PerPeer(peers, at_last_line_))};
        break;
      case EpisodeTracker::Kind::kEnded:
        line = Line{false, fmt::format("no longer dropping consensus messages to peers; {} "
                                       "dropped over {}",
                                       event->count, SecondsText(event->episode_ms))};
        break;
    }
  }
  std::map<std::string, uint64_t> now;
  for (const Peer& peer : peers) now[peer.id] = peer.dropped;
  if (line && line->warning) at_last_line_ = now;
  at_last_call_ = std::move(now);
  return line;
}

}  // namespace evchain::node
