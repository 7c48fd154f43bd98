// node/inline_vote_budget.h: each peer's votes checked on the links' thread, per window.
#include "node/inline_vote_budget.h"

#include <doctest/doctest.h>

namespace evchain::node {
namespace {

using std::chrono::milliseconds;

TEST_CASE("a peer's budget runs out within its window and comes back with the next") {
  InlineVoteBudget budget({/*per_window=*/3, /*window=*/milliseconds(1000)});
  const InlineVoteBudget::Clock::time_point t0{milliseconds(5000)};
  CHECK(budget.Take(1, t0));
  CHECK(budget.Take(1, t0 + milliseconds(10)));
  CHECK(budget.Take(1, t0 + milliseconds(999)));
  CHECK_FALSE(budget.Take(1, t0 + milliseconds(999)));
  // Another peer has a budget of its own.
  CHECK(budget.Take(2, t0 + milliseconds(999)));
  // The window is counted from its first vote: a new one begins 1 s after t0.
  CHECK(budget.Take(1, t0 + milliseconds(1000)));
  CHECK(budget.Take(1, t0 + milliseconds(1001)));
  CHECK(budget.Take(1, t0 + milliseconds(1002)));
  CHECK_FALSE(budget.Take(1, t0 + milliseconds(1003)));
}

TEST_CASE("a budget of zero sends every vote to the pools") {
  InlineVoteBudget budget({/*per_window=*/0, /*window=*/milliseconds(1000)});
  CHECK_FALSE(budget.Take(0, InlineVoteBudget::Clock::time_point{}));
  CHECK_FALSE(budget.Take(0, InlineVoteBudget::Clock::time_point{milliseconds(5000)}));
}

}  // namespace
}  // namespace evchain::node
