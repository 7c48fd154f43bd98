#include "consensus/message_log.h"

#include <doctest/doctest.h>

#include "tests/consensus/sim.h"

namespace evchain::consensus {
namespace {

using sim::TestDigest;

Vote VoteFor(const Hash32& digest) {
  Vote v;
  v.digest = digest;
  return v;
}

Proposal ProposalWith(const Hash32& digest) {
  Proposal p;
  p.digest = digest;
  return p;
}

// n = 4: quorum 3, so prepared = the pre-prepare and 2 matching prepares from backups.
TEST_CASE("prepared needs the pre-prepare and quorum - 1 matching prepares from backups") {
  MessageLog log;
  const int primary = 1;
  CHECK_FALSE(log.Prepared(5, 1, primary, 3));
  ViewSlot& slot = log.Slot(5, 1);
  slot.prepares[2] = VoteFor(TestDigest(7));
  slot.prepares[3] = VoteFor(TestDigest(7));
  CHECK_FALSE(log.Prepared(5, 1, primary, 3));  // no pre-prepare yet
  slot.pre_prepare = ProposalWith(TestDigest(7));
  CHECK(log.Prepared(5, 1, primary, 3));
  slot.prepares[3] = VoteFor(TestDigest(8));  // a prepare for another block does not count
  CHECK_FALSE(log.Prepared(5, 1, primary, 3));
  slot.prepares[primary] = VoteFor(TestDigest(7));  // nor does the primary's
  CHECK_FALSE(log.Prepared(5, 1, primary, 3));
  slot.prepares[0] = VoteFor(TestDigest(7));
  CHECK(log.Prepared(5, 1, primary, 3));
  CHECK_FALSE(log.Prepared(5, 2, 2, 3));  // another view: its own slot
}

TEST_CASE("slots are found by (seq, view) and truncated through the stable checkpoint") {
  MessageLog log;
  log.Slot(3, 0).pre_prepare = ProposalWith(TestDigest(3));
  log.Slot(4, 0);
  log.Slot(4, 1).pre_prepare = ProposalWith(TestDigest(4));
  CHECK(log.FindProposal(3, 0)->digest == TestDigest(3));
  CHECK(log.FindProposal(4, 0) == nullptr);  // a slot with votes only
  CHECK(log.Find(4, 0) != nullptr);
  CHECK(log.Find(5, 0) == nullptr);
  REQUIRE(log.ViewsAt(4) != nullptr);
  CHECK(log.ViewsAt(4)->size() == 2);
  log.TruncateThrough(3);
  CHECK(log.Find(3, 0) == nullptr);
  CHECK(log.by_seq().size() == 1);
  CHECK(log.FindProposal(4, 1)->digest == TestDigest(4));
}

}  // namespace
}  // namespace evchain::consensus
