// Per-peer accounting of what no correct validator sends, and when a peer has sent too much of
// it (docs/transport.md "Misbehaving peers").
//
// An offence is a payload from an authenticated peer link that fails a check an honest sender
// always passes: it does not parse, its signature does not verify, a deposit or certificate it
// carries is invalid, or a reply holds more blocks than were asked for. (Stale or early messages,
// a skewed clock and our own full queues are not offences: correct peers cause them too.) Up to
// `allowance` offences within `window` are only counted; the next one suspends the peer: its
// link is closed and it is neither dialed nor accepted for `suspension`, which doubles with each
// suspension in a row (up to `max_suspension`) and starts over once the peer, back from its last
// suspension, has gone a whole window without an offence.
//
// Thread-safe. Time is passed in (a steady clock in the node), so tests need no waiting.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace evchain::net {

struct MisbehaviourOptions {
  uint32_t allowance = 20;
  std::chrono::milliseconds window{60'000};
  std::chrono::milliseconds suspension{5'000};
  std::chrono::milliseconds max_suspension{300'000};
};

class MisbehaviourLedger {
 public:
  using Clock = std::chrono::steady_clock;

  explicit MisbehaviourLedger(MisbehaviourOptions options = {}) : options_(options) {}

  // Records one offence of `peer`. Returns how long to suspend the peer when this offence
  // exceeds its allowance (the peer's count then starts again from zero), else nullopt.
  std::optional<std::chrono::milliseconds> Record(int peer, Clock::time_point now);

  // Suspensions imposed on `peer` so far.
  uint64_t suspensions(int peer) const;

 private:
  struct PeerRecord {
    bool seen = false;  // has offended before
    Clock::time_point window_start{};
    uint32_t in_window = 0;
    Clock::time_point last_offence{};
    Clock::time_point suspended_until{};
    uint32_t consecutive_suspensions = 0;
    uint64_t suspensions = 0;
  };

  const MisbehaviourOptions options_;
  mutable std::mutex mu_;
  std::map<int, PeerRecord> peers_;  // guarded by mu_
};

}  // namespace evchain::net
