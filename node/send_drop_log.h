// What the operator reads when consensus messages to peers are dropped (docs/operations.md
// "Dropped peer messages"): the transport drops a peer's oldest queued messages when its send
// queue is full (the peer reads slower than this validator sends), and everything for a peer
// that has had no link for longer than a view-change timeout (node/net/transport.h). PBFT
// retransmits what still matters, so this is a signal, not a fault: one warning when drops
// start, a reminder every `remind_ms` while they go on, each naming the peers and their counts,
// and one line when none has been dropped for `quiet_ms` (node/episode_tracker.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/episode_tracker.h"
#include "node/log_line.h"

namespace evchain::node {

class SendDropLog {
 public:
  using Line = LogLine;
  // The transport's bounds, for the first line.
  struct Bounds {
    size_t max_queue_messages = 0;
    size_t max_queue_mib = 0;
    int64_t unreachable_ms = 0;  // how long a peer may be without a link before its queue goes
  };
  struct Peer {
    std::string id;        // its genesis validator id
    uint64_t dropped = 0;  // messages for it dropped since start (never decreases)
    bool connected = false;
  };

  explicit SendDropLog(Bounds bounds, int64_t quiet_ms = 5000, int64_t remind_ms = 60000)
      : bounds_(bounds), episodes_(quiet_ms, remind_ms) {}

  // `peers`: every peer, as the transport counts them now; `now_ms`: a monotonic clock in
  // milliseconds. At most one line a call.
  std::optional<Line> Update(int64_t now_ms, const std::vector<Peer>& peers);
  bool dropping() const { return episodes_.active(); }

 private:
  // "37 to court-2 (no link now), 5 to court-3 (link up)": each peer's drops since `since`.
  static std::string PerPeer(const std::vector<Peer>& peers,
                             const std::map<std::string, uint64_t>& since);

  const Bounds bounds_;
  EpisodeTracker episodes_;
  std::map<std::string, uint64_t> at_last_call_;  // each peer's count at the previous call
  std::map<std::string, uint64_t> at_last_line_;  // and at the last warning
};

}  // namespace evchain::node
