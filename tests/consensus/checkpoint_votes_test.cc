#include "consensus/checkpoint_votes.h"

#include <doctest/doctest.h>

#include <string>

#include "tests/consensus/sim.h"

namespace evchain::consensus {
namespace {

using sim::TestDigest;

std::string W(int sender, uint64_t seq) {
  return "vote of " + std::to_string(sender) + " for " + std::to_string(seq);
}

// n = 4: f = 1, quorum = 3.
TEST_CASE("a seq is stable once a quorum of senders agree on its digest, the votes prove it") {
  CheckpointVotes votes(3, 1);
  CHECK_FALSE(votes.AddNear(10, TestDigest(1), 0, W(0, 10)));
  CHECK_FALSE(votes.AddNear(10, TestDigest(2), 1, W(1, 10)));  // a different digest does not count
  CHECK_FALSE(votes.AddNear(10, TestDigest(1), 0, W(0, 10)));  // nor does a sender twice
  CHECK_FALSE(votes.AddNear(10, TestDigest(1), 2, W(2, 10)));
  const auto stable = votes.AddNear(10, TestDigest(1), 3, W(3, 10));
  REQUIRE(stable);
  CHECK(stable->seq == 10);
  CHECK(stable->digest == TestDigest(1));
  CHECK(stable->proof == std::vector<std::string>{W(0, 10), W(2, 10), W(3, 10)});
}

TEST_CASE("one sender's far-future votes take one entry and evict nobody's") {
  CheckpointVotes votes(3, 1);
  votes.AddNear(10, TestDigest(1), 0, W(0, 10));
  votes.AddNear(10, TestDigest(1), 2, W(2, 10));
  for (uint64_t seq = 1000; seq < 3000; ++seq)
    CHECK_FALSE(votes.AddFar(seq, TestDigest(9), 1, W(1, seq)));
  CHECK(votes.near_entries() == 2);
  CHECK(votes.FarTarget() == 0);  // one far sender proves nothing
  CHECK(votes.AddNear(10, TestDigest(1), 3, W(3, 10)));
}

TEST_CASE("f + 1 far senders set the fetch target, a quorum of them makes the seq stable") {
  CheckpointVotes votes(3, 1);
  votes.AddFar(500, TestDigest(5), 1, W(1, 500));
  CHECK(votes.FarTarget() == 0);
  votes.AddFar(400, TestDigest(4), 2, W(2, 400));
  CHECK(votes.FarTarget() == 400);  // the (f+1)-th highest: at least one correct sender is there
  CHECK_FALSE(votes.AddFar(300, TestDigest(3), 1, W(1, 300)));  // lower than its own: ignored
  CHECK(votes.FarTarget() == 400);
  CHECK_FALSE(votes.AddFar(500, TestDigest(5), 2, W(2, 500)));
  const auto stable = votes.AddFar(500, TestDigest(5), 3, W(3, 500));
  REQUIRE(stable);
  CHECK(stable->seq == 500);
  CHECK(stable->proof.size() == 3);
}

TEST_CASE("advancing the window drops old votes and turns reachable far votes into near ones") {
  CheckpointVotes votes(3, 1);
  votes.AddNear(10, TestDigest(1), 0, W(0, 10));
  votes.AddNear(20, TestDigest(2), 0, W(0, 20));
  votes.AddFar(60, TestDigest(6), 1, W(1, 60));
  votes.AddFar(90, TestDigest(9), 2, W(2, 90));
  votes.Advance(10, 70);             // h = 10, near up to 70
  CHECK(votes.near_entries() == 2);  // seq 20, and the far vote for 60
  CHECK_FALSE(votes.AddNear(60, TestDigest(6), 0, W(0, 60)));
  CHECK(votes.AddNear(60, TestDigest(6), 3, W(3, 60)));  // 1's converted vote counts
  CHECK(votes.FarTarget() == 0);                         // only 2's far vote is left
}

}  // namespace
}  // namespace evchain::consensus
