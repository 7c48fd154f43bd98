#include "node/net/misbehaviour.h"

#include <algorithm>

namespace evchain::net {

std::optional<std::chrono::milliseconds> MisbehaviourLedger::Record(int peer,
                                                                    Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  PeerRecord& r = peers_[peer];
  const bool first = !r.seen;
  r.seen = true;
  // A whole window without an offence since it was last heard from (a suspended peer sends
  // nothing): the peer starts over, suspensions included.
  if (!first && now - std::max(r.last_offence, r.suspended_until) >= options_.window) {
    r.consecutive_suspensions = 0;
  }
  if (first || now - r.window_start >= options_.window) {
    r.window_start = now;
    r.in_window = 0;
  }
  r.last_offence = now;
  if (++r.in_window <= options_.allowance) return std::nullopt;

  r.in_window = 0;
  r.window_start = now;
  ++r.suspensions;
  const uint32_t doublings = std::min<uint32_t>(r.consecutive_suspensions++, 20);
  const auto suspension = std::min<std::chrono::milliseconds>(
      options_.suspension * (int64_t{1} << doublings), options_.max_suspension);
  r.suspended_until = now + suspension;
  return suspension;
}

uint64_t MisbehaviourLedger::suspensions(int peer) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.suspensions;
}

}  // namespace evchain::net
