// What the operator reads when links with peers do not form or keep replacing each other
// (docs/operations.md "Refused peer links"): a validator whose genesis, key or address differs
// from what its peers expect runs with no links at all, its handshakes refused at every redial
// (every 2 s at most), and two processes holding one validator's key keep taking each other's
// links. Per (dial or source address, claim, reason) of refused handshakes
// (net::HandshakeRefusal), and per flapping peer (net::LinkFlapping): one warning when it
// starts, a reminder every `remind_ms` while it goes on, one line when it has not happened for
// `quiet_ms` (node/episode_tracker.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "node/episode_tracker.h"
#include "node/log_line.h"
#include "node/net/transport.h"

namespace evchain::node {

class PeerLinkLog {
 public:
  // `quiet_ms` must exceed the redial interval (2 s at most), or a refused peer's every
  // redial starts an episode.
  explicit PeerLinkLog(int64_t quiet_ms = 10000, int64_t remind_ms = 60000)
      : quiet_ms_(quiet_ms), remind_ms_(remind_ms) {}

  // The transport's tallies now (never decreasing); `now_ms`: a monotonic clock in
  // milliseconds. Lines in the order of the tallies.
  std::vector<LogLine> Update(int64_t now_ms, const std::vector<net::HandshakeRefusal>& refusals,
                              const std::vector<net::LinkFlapping>& flapping);

  // Why a handshake refused for `reason` matters, for the lines: "its genesis differs from ours
  // (another chain id): ...".
  static std::string Explain(net::RejectReason reason, bool dialed);

 private:
  EpisodeTracker& Tracker(std::map<std::string, EpisodeTracker>& trackers, const std::string& key);

  const int64_t quiet_ms_;
  const int64_t remind_ms_;
  std::map<std::string, EpisodeTracker> refusals_;  // by "where: reason"
  std::map<std::string, EpisodeTracker> flapping_;  // by peer id
};

}  // namespace evchain::node
