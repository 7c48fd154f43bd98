#include "node/inline_vote_budget.h"

namespace evchain::node {

bool InlineVoteBudget::Take(int peer, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, first] = windows_.try_emplace(peer);
  Window& w = it->second;
  if (first || now - w.start >= options_.window) w = Window{now, 0};
  if (w.used >= options_.per_window) return false;
  ++w.used;
  return true;
}

}  // namespace evchain::node
