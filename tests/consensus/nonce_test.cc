// One nonce names one entry of the chain (docs/protocol.md "Block validity"). Until 2026-12-03
// only node/deposit_pool checked it, at admission: a Byzantine primary could commit two
// statements of one depositor with one nonce, in one block or in two. The simulator's NONCE
// invariant (Simulation::CheckBlock) fails on any honest commit that reuses a nonce.
#include <doctest/doctest.h>

#include "consensus/block_check.h"
#include "consensus/message.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"
#include "tests/consensus/sim.h"

namespace evchain::consensus::sim {
namespace {

Options QuietNonce() { return QuietOptions(11, 30000); }

// How many entries of replica i's chain carry this nonce.
size_t CountNonce(const Simulation& sim, int i, const std::string& nonce) {
  size_t count = 0;
  for (const CommittedBlock& b : sim.chain(i)) {
    for (const ledger::Entry& e : b.entries) {
      Result<ledger::DepositStatement> st = ledger::ParseDepositStatement(e.statement);
      if (st.ok() && st->nonce == nonce) ++count;
    }
  }
  return count;
}

}  // namespace

TEST_CASE("a Byzantine primary cannot commit two statements with one nonce") {
  Simulation sim(QuietNonce());
  sim.SetByzantine(0, kCensor);  // primary of view 0: sends only what the test injects
  const genesis::Genesis& g = sim.genesis();
  const ledger::Entry a = sim.SignedDeposit("dup", "evidence A");
  const ledger::Entry b = sim.SignedDeposit("dup", "evidence B");
  const ChainPoint genesis_point{0, g.hash, g.genesis_time, crypto::MerkleFrontier()};
  const std::string primary = g.validators[0].id;

  // Both in one block: refused by every honest replica.
  const CheckedBlock both = BuildBlock(g, genesis_point, {a, b}, sim.clock() + 10, primary, 0);
  REQUIRE(both.entries.size() == 2);
  sim.Inject(0, PrePrepareOf(both), 10);
  REQUIRE(sim.RunUntil(200));
  CHECK(sim.HonestDrops("bad_block:nonce_conflict") == 3);
  for (int i = 1; i < 4; ++i) CHECK(sim.chain(i).empty());

  // A alone at height 1 commits; B on top of it at height 2 is refused.
  const CheckedBlock first = BuildBlock(g, genesis_point, {a}, sim.clock() + 10, primary, 0);
  sim.Inject(0, PrePrepareOf(first), 210);
  REQUIRE(sim.RunUntil(600));
  for (int i = 1; i < 4; ++i) REQUIRE(sim.chain(i).size() == 1);
  const CheckedBlock second = BuildBlock(g, first.after, {b}, sim.clock() + 10, primary, 0);
  sim.Inject(0, PrePrepareOf(second), 610);
  REQUIRE(sim.RunUntil(800));
  CHECK(sim.HonestDrops("bad_block:nonce_conflict") == 6);

  // The censoring primary is replaced and honest deposits still commit; B never does.
  for (int k = 0; k < 5; ++k) sim.Submit(1 + k % 3, 900 + 10 * k);
  sim.SubmitEntry(2, b, 905);
  const bool done = sim.RunToCompletion();
  INFO(sim.failure());
  REQUIRE(done);
  for (int i = 1; i < 4; ++i) {
    CHECK(CountNonce(sim, i, "dup") == 1);
    CHECK(sim.replica(i)->view() >= 1);
  }
}

TEST_CASE(
    "two statements with one nonce at two validators: one commits, the other leaves the "
    "pools") {
  Simulation sim(QuietNonce());
  const ledger::Entry a = sim.SignedDeposit("twice", "evidence A");
  const ledger::Entry b = sim.SignedDeposit("twice", "evidence B");
  // A client that reused a nonce, racing two validators: each admits its statement (neither is
  // committed yet), both travel to every pool, and the primary must choose. The deposit at t = 1
  // makes the primary cut a block then, so that both reach its pool before the next cut (the
  // block interval is 20 ms).
  sim.Submit(0, 1);
  sim.SubmitEntry(1, a, 10);
  sim.SubmitEntry(2, b, 10);
  for (int k = 0; k < 10; ++k) sim.Submit(1 + k % 3, 30 + 5 * k);
  const bool done = sim.RunToCompletion();
  INFO(sim.failure());
  REQUIRE(done);
  REQUIRE(sim.RunUntil(sim.now() + 2000));  // let every replica apply the last block
  for (int i = 0; i < 4; ++i) {
    CHECK(CountNonce(sim, i, "twice") == 1);
    CHECK(sim.replica(i)->pending() == 0);
    CHECK(sim.replica(i)->view() == 0);
  }
  CHECK(sim.CountEvents(Event::Kind::kViewChangeStarted) == 0);
  CHECK(sim.HonestDrops("bad_block:nonce_conflict") == 0);
  // A late resubmission of the loser is refused by name.
  bool a_won = false;
  for (const CommittedBlock& block : sim.chain(1)) {
    for (const ledger::Entry& e : block.entries) a_won |= e.statement == a.statement;
  }
  const Status again = sim.replica(1)->Propose(a_won ? b : a, sim.NowOf(1));
  CHECK(again.code() == "nonce_conflict");
  // The same answers when the host passes the evidence id and nonce it already found (the node's
  // admission does), so the replica does not parse and hash the statement again.
  const ledger::Entry& loser = a_won ? b : a;
  const ledger::Entry& winner = a_won ? a : b;
  const DepositorNonce nonce{"platform", "twice"};
  CHECK(sim.replica(1)
            ->Propose(ClientDeposit{loser, crypto::Sha256(loser.statement), nonce, std::nullopt},
                      sim.NowOf(1))
            .code() == "nonce_conflict");
  CHECK(sim.replica(1)
            ->Propose(ClientDeposit{winner, crypto::Sha256(winner.statement), nonce, std::nullopt},
                      sim.NowOf(1))
            .code() == "already_committed");
  CHECK(sim.replica(1)->pending() == 0);
}

}  // namespace evchain::consensus::sim
