// FetchPipeline (node/block_transfer.h): bounded requests in flight, blocks released strictly in
// height order, and a bad or silent peer only delaying the transfer.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "node/block_transfer.h"

namespace evchain::node {
namespace {

consensus::FetchRequest Request(uint64_t from, uint64_t to, std::vector<int> peers) {
  consensus::FetchRequest r;
  r.from_height = from;
  r.to_height = to;
  r.peers = std::move(peers);
  return r;
}

// What VerifyFetchedBlocks would leave: the pipeline only looks at heights and `verified`.
std::vector<consensus::CommittedBlock> PipelineBlocks(uint64_t from, uint32_t count,
                                                      bool verified = true) {
  std::vector<consensus::CommittedBlock> out(count);
  for (uint32_t i = 0; i < count; ++i) {
    out[i].header.height = from + i;
    out[i].verified = verified;
  }
  return out;
}

std::vector<uint64_t> Heights(const std::vector<consensus::CommittedBlock>& blocks) {
  std::vector<uint64_t> out;
  out.reserve(blocks.size());
  for (const auto& b : blocks) out.push_back(b.header.height);
  return out;
}

std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (uint64_t h = from; h <= to; ++h) out.push_back(h);
  return out;
}

FetchPipelineOptions PipelineOptions() {
  FetchPipelineOptions o;
  o.max_outstanding = 3;
  o.initial_window = 10;
  o.max_window = 10;
  o.timeout_ms = 1000;
  o.penalty_ms = 5000;
  o.hint_quorum = 2;
  return o;
}

// The host checks a reply's certificates and signatures only if Asked() names its window: a
// peer sending blocks nobody asked for costs no verification (issue "Close the holes", item 4).
TEST_CASE("only replies to outstanding windows are worth checking, and no more than asked") {
  FetchPipeline p(PipelineOptions());
  CHECK_FALSE(p.Asked(1).has_value());  // nothing requested: everything is unsolicited
  auto orders = p.OnRequest(Request(1, 100, {1, 2, 3}), 0);
  REQUIRE(orders.size() == 3);
  CHECK(p.Asked(1) == 10u);
  CHECK(p.Asked(11) == 10u);
  CHECK_FALSE(p.Asked(5).has_value());    // not a window start
  CHECK_FALSE(p.Asked(500).has_value());  // beyond what is wanted
  p.OnReply(orders[0].peer, 1, 100, PipelineBlocks(1, 10), 0, false);
  CHECK_FALSE(p.Asked(1).has_value());  // answered: a replay of it is unsolicited
}

TEST_CASE("requests consecutive windows from different peers, at most max_outstanding") {
  FetchPipeline p(PipelineOptions());
  auto orders = p.OnRequest(Request(1, 100, {1, 2, 3}), 0);
  REQUIRE(orders.size() == 3);
  std::set<int> peers;
  for (size_t i = 0; i < orders.size(); ++i) {
    CHECK(orders[i].from_height == 1 + 10 * i);
    CHECK(orders[i].max_blocks == 10);
    peers.insert(orders[i].peer);
  }
  CHECK(peers.size() == 3);
  CHECK(p.outstanding() == 3);
  // A repeated request (the replica re-emits it) and ticks before the timeout add nothing.
  CHECK(p.OnRequest(Request(1, 100, {1, 2, 3}), 10).empty());
  CHECK(p.Tick(0, 999).empty());
  CHECK(p.outstanding() == 3);
}

TEST_CASE("blocks are released only contiguously from the tip, in height order") {
  FetchPipeline p(PipelineOptions());
  auto orders = p.OnRequest(Request(1, 30, {1, 2, 3}), 0);
  REQUIRE(orders.size() == 3);
  // The second and third windows answer first: nothing is applicable yet.
  p.OnReply(orders[2].peer, 21, 30, PipelineBlocks(21, 10), 1);
  p.OnReply(orders[1].peer, 11, 30, PipelineBlocks(11, 10), 2);
  CHECK(p.TakeApplicable(0).empty());
  CHECK(p.buffered() == 20);
  p.OnReply(orders[0].peer, 1, 30, PipelineBlocks(1, 10), 3);
  auto run = p.TakeApplicable(0);
  CHECK(Heights(run) == Range(1, 30));
  CHECK(p.OnApplied(30, 4).empty());
  CHECK_FALSE(p.active());
}

TEST_CASE("an unverified reply is asked again from another peer, which is then preferred") {
  FetchPipeline p(PipelineOptions());
  auto orders = p.OnRequest(Request(1, 10, {1, 2}), 0);
  REQUIRE(orders.size() == 1);
  const int bad = orders[0].peer;
  // Three good blocks, then a block that failed VerifyFetchedBlocks.
  auto blocks = PipelineBlocks(1, 5);
  blocks[3].verified = blocks[4].verified = false;
  auto retry = p.OnReply(bad, 1, 10, std::move(blocks), 5);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].peer != bad);
  CHECK(retry[0].from_height == 4);
  CHECK(Heights(p.TakeApplicable(0)) == Range(1, 3));
  p.OnApplied(3, 6);
  p.OnReply(retry[0].peer, 4, 10, PipelineBlocks(4, 7), 7);
  CHECK(Heights(p.TakeApplicable(3)) == Range(4, 10));
  p.OnApplied(10, 8);
  CHECK_FALSE(p.active());
}

TEST_CASE("an empty reply counts as a failure of that peer") {
  FetchPipeline p(PipelineOptions());
  auto orders = p.OnRequest(Request(1, 5, {1, 2}), 0);
  REQUIRE(orders.size() == 1);
  auto retry = p.OnReply(orders[0].peer, 1, 5, {}, 1);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].peer != orders[0].peer);
  CHECK(retry[0].from_height == 1);
}

TEST_CASE("a reply this host cut short (verification pool full) is not blamed on the peer") {
  FetchPipeline p(PipelineOptions());
  auto orders = p.OnRequest(Request(1, 20, {1, 2}), 0);
  REQUIRE(orders.size() == 2);
  const int cut = orders[0].peer;
  const int other = orders[1].peer;
  // Three blocks checked, the rest dropped unchecked: the rest goes to the least-loaded peer,
  // which is still `cut` (not penalised), and the window is not taken for a byte limit.
  auto retry = p.OnReply(cut, 1, 20, PipelineBlocks(1, 3), 1, /*cut_locally=*/true);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].peer == cut);
  CHECK(retry[0].from_height == 4);
  CHECK(retry[0].max_blocks == 7);
  CHECK(p.window() == 10);
  CHECK(Heights(p.TakeApplicable(0)) == Range(1, 3));
  // Nothing checked at all: asked again, from the same peer.
  retry = p.OnReply(cut, 4, 20, {}, 2, /*cut_locally=*/true);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].peer == cut);
  CHECK(retry[0].from_height == 4);
  // A bad block within what was checked is still the peer's fault.
  auto blocks = PipelineBlocks(4, 2);
  blocks[1].verified = false;
  retry = p.OnReply(cut, 4, 20, std::move(blocks), 3, /*cut_locally=*/true);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].peer == other);
  CHECK(retry[0].from_height == 5);
}

TEST_CASE(
    "a silent peer's window goes to another peer after the timeout, its late reply is ignored") {
  FetchPipeline p(PipelineOptions());
  auto orders = p.OnRequest(Request(1, 20, {1, 2}), 0);
  REQUIRE(orders.size() == 2);
  const int silent = orders[0].peer;
  const int good = orders[1].peer;
  p.OnReply(good, 11, 20, PipelineBlocks(11, 10), 10);
  CHECK(p.TakeApplicable(0).empty());
  CHECK(p.Tick(0, 999).empty());
  auto retry = p.Tick(0, 1000);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].peer == good);
  CHECK(retry[0].from_height == 1);
  // The silent peer wakes up: its good blocks are used, and the retry's reply then is not.
  p.OnReply(silent, 1, 20, PipelineBlocks(1, 10), 1001);
  CHECK(Heights(p.TakeApplicable(0)) == Range(1, 20));
  CHECK(p.OnReply(good, 1, 20, PipelineBlocks(1, 10), 1002).empty());
  CHECK(p.buffered() == 0);
}

TEST_CASE("blocks the replica rejects are refetched from another peer") {
  FetchPipeline p(PipelineOptions());
  auto orders = p.OnRequest(Request(1, 10, {1, 2}), 0);
  REQUIRE(orders.size() == 1);
  const int liar = orders[0].peer;
  p.OnReply(liar, 1, 10, PipelineBlocks(1, 10), 1);
  REQUIRE(p.TakeApplicable(0).size() == 10);
  // The chain checks failed at height 5 (e.g. entries not matching the certified root).
  auto retry = p.OnApplied(4, 2);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].peer != liar);
  CHECK(retry[0].from_height == 5);
  CHECK(retry[0].max_blocks == 6);
}

TEST_CASE("a byte-limited reply shrinks the window and bounds the lookahead") {
  FetchPipeline p(PipelineOptions());
  auto orders = p.OnRequest(Request(1, 1000, {1, 2, 3}), 0);
  REQUIRE(orders.size() == 3);
  // The first responder fits only 4 blocks in a reply.
  auto more = p.OnReply(orders[0].peer, 1, 1000, PipelineBlocks(1, 4), 1);
  CHECK(p.window() == 4);
  REQUIRE(more.size() == 1);
  CHECK(more[0].from_height == 5);
  CHECK(more[0].max_blocks == 4);
  // However long the lowest window stays unanswered, requests stay within the lookahead.
  for (UnixMillis t = 2; t < 20; ++t) {
    for (const FetchOrder& o : p.Tick(0, t)) CHECK(o.from_height <= 3 * 10);
    CHECK(p.outstanding() <= 3);
  }
}

TEST_CASE("the window starts small and doubles after full replies, up to max_window") {
  FetchPipelineOptions o = PipelineOptions();
  o.initial_window = 2;
  o.max_window = 8;
  FetchPipeline p(o);
  auto orders = p.OnRequest(Request(1, 1000, {1}), 0);
  REQUIRE(orders.size() == 3);
  CHECK(orders[0].max_blocks == 2);
  auto next = p.OnReply(orders[0].peer, 1, 1000, PipelineBlocks(1, 2), 1);
  CHECK(p.window() == 4);
  REQUIRE(next.size() == 1);
  CHECK(next[0].max_blocks == 4);
  p.OnReply(next[0].peer, next[0].from_height, 1000, PipelineBlocks(next[0].from_height, 4), 2);
  CHECK(p.window() == 8);
  CHECK(p.OnReply(orders[1].peer, 3, 1000, PipelineBlocks(3, 2), 3).empty());  // lookahead full
  CHECK(p.window() == 8);
  // Applying moves the lookahead: the next request is a whole window of 8.
  CHECK(Heights(p.TakeApplicable(0)) == Range(1, 4));
  next = p.OnApplied(4, 4);
  REQUIRE(next.size() == 1);
  CHECK(next[0].from_height == 19);
  CHECK(next[0].max_blocks == 8);
}

TEST_CASE("heights reported by hint_quorum peers extend the target, one peer's claim does not") {
  FetchPipelineOptions o = PipelineOptions();
  o.initial_window = o.max_window = 2;
  FetchPipeline p(o);
  auto orders = p.OnRequest(Request(1, 6, {1, 2}), 0);
  REQUIRE(orders.size() == 3);
  REQUIRE(orders[0].peer != orders[1].peer);
  // One peer claims height 10^9: not enough.
  p.OnReply(orders[0].peer, 1, 1000000000, PipelineBlocks(1, 2), 1);
  CHECK(p.target() == 6);
  // A second peer reports 40: the target becomes the second-highest report, 40.
  p.OnReply(orders[1].peer, 3, 40, PipelineBlocks(3, 2), 2);
  CHECK(p.target() == 40);
  // A later FetchRequest with the replica's lagging view keeps it.
  p.OnRequest(Request(1, 6, {1, 2}), 3);
  CHECK(p.target() == 40);
  CHECK(p.active());
}

TEST_CASE("catching up by other means ends the transfer") {
  FetchPipeline p(PipelineOptions());
  REQUIRE(p.OnRequest(Request(1, 50, {1, 2, 3}), 0).size() == 3);
  CHECK(p.active());
  CHECK(p.Tick(50, 1).empty());
  CHECK_FALSE(p.active());
  CHECK(p.outstanding() == 0);
  CHECK(p.buffered() == 0);
}

}  // namespace
}  // namespace evchain::node
