// Well-signed messages from one Byzantine validator that a replica must refuse (and count)
// rather than store, act on or write to disk. docs/reliability.md "Byzantine validators" lists
// each hole these tests showed before it was closed.
#include <doctest/doctest.h>
#include <google/protobuf/unknown_field_set.h>

#include <string>

#include "consensus/block_check.h"
#include "consensus/message.h"
#include "crypto/merkle.h"
#include "tests/consensus/sim.h"

namespace evchain::consensus::sim {
namespace {

// Bytes of replica i's durable consensus records.
size_t RecordBytes(const Simulation& sim, int i) {
  size_t bytes = 0;
  for (const auto& [key, value] : sim.records(i)) bytes += key.size() + value.size();
  return bytes;
}

// A PREPARE for (view 0, seq) carrying `padding` bytes in a field no version of the message
// has: it parses, and the sender's envelope signature covers it.
pb::Body PaddedPrepare(uint64_t seq, size_t padding) {
  pb::Body body;
  pb::Prepare* p = body.mutable_prepare();
  p->set_view(0);
  p->set_seq(seq);
  p->set_digest(HashBytes(TestDigest(static_cast<uint8_t>(seq))));
  p->GetReflection()->MutableUnknownFields(p)->AddLengthDelimited(1000, std::string(padding, 'x'));
  return body;
}

}  // namespace

// Until 2026-12-07 a vote of any size was kept: one validator sending a PREPARE padded to the
// frame limit (16 MiB) for every seq of the window made each replica hold L of them in memory
// and write them to its consensus store (L x 16 MiB = 1 GiB with the default L = 64), again
// after every checkpoint. Here 256 KiB each with L = 16: 4 MiB of records at every honest
// replica before the fix.
TEST_CASE("a validator's padded votes are refused, neither kept nor written") {
  Simulation sim(QuietOptions(19, 5000));
  sim.SetByzantine(3, kCensor);  // a backup: its own traffic is honest, the test injects the rest
  const uint64_t window = sim.genesis().params.watermark_window;
  for (uint64_t seq = 1; seq <= window; ++seq) {
    sim.Inject(3, PaddedPrepare(seq, size_t{256} << 10), 10 + static_cast<UnixMillis>(seq));
  }
  sim.Submit(1, 200);  // the Readies that act write the records held back
  REQUIRE(sim.RunUntil(600));
  INFO(sim.failure());
  CHECK(sim.failure().empty());
  for (int i = 0; i < 3; ++i) {
    INFO("v", i, ": ", RecordBytes(sim, i), " bytes of records");
    CHECK(RecordBytes(sim, i) < (size_t{64} << 10));
    CHECK(sim.chain(i).size() == 1);
  }
  CHECK(sim.HostRejects("malformed") == 3 * window);
}

// The envelope signature covers the body, not the envelope's own bytes: until 2026-12-07 a relay
// could add fields to a correct primary's PRE-PREPARE envelope (or a VIEW-CHANGE, NEW-VIEW, ...)
// and the replicas it reached first kept those bytes as the primary's message: written to their
// stores, carried in their VIEW-CHANGEs' prepared certificates (a 16 MiB padding makes those
// exceed the frame limit: no view change could complete) and sent on. Here the primary's block
// reaches every backup padded with 1 MiB by a relay, ahead of the primary's own copy (1 MiB of
// records at each before the fix).
TEST_CASE("a relay cannot pad a correct validator's envelope") {
  Simulation sim(QuietOptions(23, 5000));
  sim.SetByzantine(0, kCensor);  // the primary's block is sent by the test, as below
  const genesis::Genesis& g = sim.genesis();
  const ChainPoint genesis_point{0, g.hash, g.genesis_time, crypto::MerkleFrontier()};
  const CheckedBlock block = BuildBlock(g, genesis_point, {sim.SignedDeposit("n", "evidence")},
                                        sim.clock() + 20, g.validators[0].id, 0);
  sim.InjectReframed(0, PrePrepareOf(block), 20, [](const std::string& wire) {
    pb::Envelope env;
    REQUIRE(env.ParseFromString(wire));
    env.GetReflection()->MutableUnknownFields(&env)->AddLengthDelimited(9,
                                                                        std::string(1 << 20, 'x'));
    return env.SerializeAsString();
  });
  sim.Inject(0, PrePrepareOf(block), 21);
  REQUIRE(sim.RunUntil(1000));
  INFO(sim.failure());
  CHECK(sim.failure().empty());
  for (int i = 1; i < 4; ++i) {
    INFO("v", i, ": ", RecordBytes(sim, i), " bytes of records");
    REQUIRE(sim.chain(i).size() == 1);
    CHECK(sim.chain(i)[0].hash == block.hash);
    CHECK(RecordBytes(sim, i) < (size_t{64} << 10));
  }
  CHECK(sim.HostRejects("malformed") == 3);
}

// A vote of an earlier view counts only beside that view's PRE-PREPARE (committed-local needs
// it, and an earlier view's PRE-PREPARE is never accepted later). Until 2026-12-07 a replica kept
// and wrote every earlier-view PREPARE and COMMIT in the window: one validator could send one for
// each earlier view and seq, view x L records at every replica between checkpoints.
TEST_CASE(
    "votes of an earlier view for slots without its pre-prepare are neither kept nor written") {
  Simulation sim(QuietOptions(29, 8000));
  sim.SetByzantine(3, kCensor);  // a backup: its own traffic is honest, the test injects the rest
  sim.Crash(0, 5);               // view 0's primary: the others move to view 1
  sim.Submit(1, 10);
  REQUIRE(sim.RunUntil(4000));
  for (int i = 1; i < 3; ++i) REQUIRE(sim.replica(i)->view() >= 1);
  std::vector<size_t> before;
  for (int i = 0; i < 4; ++i) before.push_back(sim.records(i).size());
  const uint64_t window = sim.genesis().params.watermark_window;
  const uint64_t base = sim.chain(1).size();  // above the stable checkpoint, within the window
  for (uint64_t k = 1; k < window; ++k) {
    pb::Body prepare;
    prepare.mutable_prepare()->set_view(0);
    prepare.mutable_prepare()->set_seq(base + k);
    prepare.mutable_prepare()->set_digest(HashBytes(TestDigest(static_cast<uint8_t>(k))));
    sim.Inject(3, prepare, 4000 + static_cast<UnixMillis>(k));
    pb::Body commit = prepare;
    commit.mutable_commit()->set_view(0);
    commit.mutable_commit()->set_seq(base + k);
    commit.mutable_commit()->set_digest(prepare.prepare().digest());
    sim.Inject(3, commit, 4000 + static_cast<UnixMillis>(k));
  }
  sim.Submit(2, 4200);  // the Readies that act write the records held back
  REQUIRE(sim.RunUntil(6000));
  INFO(sim.failure());
  CHECK(sim.failure().empty());
  for (int i = 1; i < 3; ++i) {
    INFO("v", i, ": ", before[static_cast<size_t>(i)], " records before, ", sim.records(i).size(),
         " after");
    CHECK(sim.records(i).size() < before[static_cast<size_t>(i)] + window / 2);
  }
}

}  // namespace evchain::consensus::sim
