// How many votes (PREPARE, COMMIT) of each peer the peer inbox checks on the links' own thread
// instead of handing them to a verifier pool (node/peer_inbox.h). The hand-off to a pool and
// back costs more than a vote's one or two signature checks, and votes are every block's
// critical path. A correct validator sends two votes a block, far below the default budget, so
// all of them go straight through; a Byzantine validator flooding validly signed votes holds
// the links' thread for at most its budget's worth of checks a window, and the rest of its
// votes wait for a pool, as every vote did before (docs/node.md "Threads"). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace evchain::node {

class InlineVoteBudget {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // 500 a second: 40 ms of the links' thread at ~80 µs a COMMIT (two checks), against about
    // 2 × 50 from a correct validator at 50 blocks a second.
    uint32_t per_window = 500;
    std::chrono::milliseconds window{1000};
  };

  explicit InlineVoteBudget(Options options) : options_(options) {}

  // True, and one vote counted, if `peer` has budget left in its window at `now`; a window
  // starts with the first vote after the previous one ended.
  bool Take(int peer, Clock::time_point now);

 private:
  struct Window {
    Clock::time_point start{};
    uint32_t used = 0;
  };

  const Options options_;
  std::mutex mu_;
  std::unordered_map<int, Window> windows_;  // by peer index; guarded by mu_
};

}  // namespace evchain::node
