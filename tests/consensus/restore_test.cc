// A validator restored from a backup must not sign anything conflicting with what it signed
// after the backup was taken (docs/protocol.md "Restored from a backup"). Until 2026-12-04 the
// node did not read its restore marker, and a restored validator voted from the backup's
// consensus records: a primary that offered it another block for a slot it had voted on got a
// second, conflicting PREPARE. The simulator's vote invariant fails on that.
#include <doctest/doctest.h>

#include <cstdint>

#include "consensus/block_check.h"
#include "consensus/message.h"
#include "tests/consensus/sim.h"

namespace evchain::consensus::sim {
namespace {

Options QuietRestore() { return QuietOptions(13, 30000); }

// v3 votes for block A at (view 0, height 1), is restored from a backup taken before that, and
// the Byzantine primary then offers it block B for the same slot. With `status_lie`, the primary
// also tells it (in a STATUS) that it has committed height 2^64 - L in view 2^64 - 1.
// `abstaining`, when given, receives whether v3 still withholds its votes at the end.
std::string RunRestoredVoteScenario(bool marker, bool status_lie = false,
                                    bool* abstaining = nullptr) {
  Simulation sim(QuietRestore());
  sim.SetByzantine(0, kCensor);  // the primary sends only what the test injects
  const genesis::Genesis& g = sim.genesis();
  const ChainPoint genesis_point{0, g.hash, g.genesis_time, crypto::MerkleFrontier()};
  const std::string primary = g.validators[0].id;
  const CheckedBlock a = BuildBlock(g, genesis_point, {sim.SignedDeposit("a", "evidence A")},
                                    sim.clock() + 10, primary, 0);
  const CheckedBlock b = BuildBlock(g, genesis_point, {sim.SignedDeposit("b", "evidence B")},
                                    sim.clock() + 401, primary, 0);
  sim.RestoreFromBackup(3, /*backup_at=*/5, /*restore_at=*/400, marker);
  sim.Inject(0, PrePrepareOf(a), 10);
  sim.Inject(0, PrePrepareOf(b), 401);
  if (status_lie) {
    // Its own replica stops (the lie below is signed with its key all the same), so no
    // truthful STATUS of its own replaces the lie before v3 has heard 2f+1 others.
    sim.Crash(0, 399);
    pb::Body lie;
    lie.mutable_status()->set_view(UINT64_MAX);
    lie.mutable_status()->set_committed_height(UINT64_MAX - g.params.watermark_window + 1);
    sim.Inject(0, lie, 400);
  }
  sim.RunUntil(2000);
  if (sim.failure().empty()) {
    // It caught up on block A by state transfer. B's deposit, which the replicas that accepted
    // B's PRE-PREPARE pooled, may follow in a block of a later height.
    REQUIRE_FALSE(sim.chain(3).empty());
    CHECK(sim.chain(3).front().hash == a.hash);
  }
  if (abstaining != nullptr) *abstaining = sim.replica(3)->abstaining();
  return sim.failure();
}

}  // namespace

TEST_CASE("a restored validator does not vote again on a slot it voted on before the restore") {
  const std::string ignored = RunRestoredVoteScenario(/*marker=*/false);
  INFO(ignored);
  CHECK(ignored.find("SAFETY: honest v3 signed two different PREPARE") != std::string::npos);
  const std::string honoured = RunRestoredVoteScenario(/*marker=*/true);
  INFO(honoured);
  CHECK(honoured.empty());
}

// Until 2026-12-07 the bounds were the highest committed height and view 2f+1 others reported,
// plus L and 1, and both sums wrapped: one Byzantine validator reporting a committed height of
// 2^64 - L and view 2^64 - 1 set them to 0, and the restored validator voted on every seq and
// view again, signing a second PREPARE for the slot it voted on before the restore. Now such a
// report never counts (nothing backs it). The liar stops after it, so only two others report:
// with n = 4 the restored validator needs three, and it keeps withholding (docs/protocol.md
// "Restored from a backup", the known gap at n = 3f+1).
TEST_CASE("a Byzantine status cannot wrap a restored validator's bounds to zero") {
  bool abstaining = false;
  const std::string lied =
      RunRestoredVoteScenario(/*marker=*/true, /*status_lie=*/true, &abstaining);
  INFO(lied);
  CHECK(lied.empty());
  CHECK(abstaining);  // two reports of the three it needs: see the test's comment
}

// How many other replicas' reports the bounds need: the stable checkpoint h below everything the
// restored validator voted on had `quorum` signers, at least quorum - f - 1 of them correct
// others that executed h, and the reports must include one of those. That is n - quorum + f + 1
// of the n - 1 others: 2f+1 for n = 4, 5 and 7, but 4 for n = 6 (quorum 4), where until
// 2026-12-07 the replica counted 2f+1 = 3, and a Byzantine report with two from correct replicas
// that had not executed h (all three below h) set its bound below what it had voted on.
TEST_CASE("n = 6: a restored validator waits for four reports, not 2f+1 = 3") {
  Options o = QuietRestore();
  o.n = 6;
  Simulation sim(o);
  for (int k = 0; k < 12; ++k) sim.Submit(k % 5, 10 + 100 * k);
  sim.RestoreFromBackup(5, /*backup_at=*/600, /*restore_at=*/2500, /*marker=*/true);
  // Only v0, v3 and v4 report to the restored v5 until v1 comes back.
  sim.Crash(1, 2400);
  sim.Crash(2, 2400);
  REQUIRE(sim.RunUntil(6000));
  INFO(sim.failure());
  CHECK(sim.failure().empty());
  CHECK(sim.CountEvents(Event::Kind::kRestoredBoundsKnown) == 0);
  CHECK(sim.replica(5)->abstaining());
  sim.Restart(1, 6100);
  REQUIRE(sim.RunUntil(9000));
  CHECK(sim.CountEvents(Event::Kind::kRestoredBoundsKnown) == 1);
}

// v0 runs its replica honestly but also signs a STATUS every 20 ms claiming committed height and
// view 1,000,000 to the restored validator. Until 2026-12-07 the bounds were the highest reports
// and took the lie: the restored validator withheld its votes for good (for a million blocks).
// Now a report counts only once the restored validator's own chain and views back it, and each
// peer's lowest report is the one kept, so the lie is never counted.
void RunLyingStatusScenario(int n) {
  Options o = QuietRestore();
  o.n = n;
  Simulation sim(o);
  const int restored = n - 1;
  for (int k = 0; k < 40; ++k) sim.Submit(k % restored, 10 + 100 * k);
  sim.RestoreFromBackup(restored, /*backup_at=*/900, /*restore_at=*/2500, /*marker=*/true);
  pb::Body lie;
  lie.mutable_status()->set_view(1'000'000);
  lie.mutable_status()->set_committed_height(1'000'000);
  for (UnixMillis at = 2501; at < 9000; at += 20) sim.Inject(0, lie, at);
  REQUIRE(sim.RunToCompletion());
  const uint64_t window = sim.genesis().params.watermark_window;
  for (uint64_t k = 0; k < window + 8; ++k) {
    sim.Submit(static_cast<int>(k % restored), sim.now() + 10 + 30 * static_cast<UnixMillis>(k));
  }
  REQUIRE(sim.RunToCompletion());
  REQUIRE(sim.RunUntil(sim.now() + 3000));
  INFO(sim.failure());
  CHECK(sim.failure().empty());
  CHECK(sim.CountEvents(Event::Kind::kRestoredBoundsKnown) == 1);
  CHECK_FALSE(sim.replica(restored)->abstaining());
}

TEST_CASE("a restored validator does not take a lying status for its bounds") {
  SUBCASE("n = 4") { RunLyingStatusScenario(4); }
  SUBCASE("n = 5") { RunLyingStatusScenario(5); }
}

TEST_CASE("a restored validator rejoins the voting once past what it may have signed") {
  Options o = QuietRestore();
  Simulation sim(o);
  for (int k = 0; k < 40; ++k) sim.Submit(k % 4, 10 + 100 * k);
  sim.RestoreFromBackup(3, /*backup_at=*/900, /*restore_at=*/2500, /*marker=*/true);
  REQUIRE(sim.RunUntil(2600));
  CHECK(sim.replica(3)->abstaining());
  const bool done = sim.RunToCompletion();
  INFO(sim.failure());
  REQUIRE(done);
  // Keep the chain growing past the bound (committed height + the watermark window).
  const uint64_t window = sim.genesis().params.watermark_window;
  for (uint64_t k = 0; k < window + 8; ++k) {
    sim.Submit(static_cast<int>(k % 3), sim.now() + 10 + 30 * static_cast<UnixMillis>(k));
  }
  REQUIRE(sim.RunToCompletion());
  REQUIRE(sim.RunUntil(sim.now() + 3000));
  CHECK_FALSE(sim.replica(3)->abstaining());
  for (int i = 0; i < 4; ++i) CHECK(sim.chain(i).size() == sim.chain(0).size());
  CHECK(sim.CountEvents(Event::Kind::kRestoredBoundsKnown) == 1);
}

}  // namespace evchain::consensus::sim
