// The state-transfer driver (node/transfer_driver.h) against a fake replica host: fetches go
// out for the replica's request, verified replies reach the replica in height order whatever
// order they arrive in, a rejected block is fetched again, and catching_up() spans the transfer.
#include "node/transfer_driver.h"

#include <doctest/doctest.h>

#include <tuple>
#include <vector>

namespace evchain::node {
namespace {

class FakeReplica : public TransferDriver::Host {
 public:
  void SendFetch(int peer, uint64_t from_height, uint32_t max_blocks) override {
    fetches.emplace_back(peer, from_height, max_blocks);
  }
  uint64_t CommittedHeight() const override { return height; }
  size_t ApplyBlocks(const std::vector<consensus::CommittedBlock>& blocks) override {
    size_t applied = 0;
    for (const auto& b : blocks) {
      if (b.header.height != height + 1 || b.header.height == reject_height) break;
      ++height;
      ++applied;
      applied_heights.push_back(b.header.height);
    }
    reject_height = 0;  // a second copy (from another peer) is fine
    return applied;
  }

  uint64_t height = 0;
  uint64_t reject_height = 0;
  std::vector<std::tuple<int, uint64_t, uint32_t>> fetches;
  std::vector<uint64_t> applied_heights;
};

std::vector<consensus::CommittedBlock> DriverBlocks(uint64_t from, uint32_t count) {
  std::vector<consensus::CommittedBlock> out(count);
  for (uint32_t i = 0; i < count; ++i) {
    out[i].header.height = from + i;
    out[i].verified = true;
  }
  return out;
}

FetchPipelineOptions DriverOptions() {
  FetchPipelineOptions o;
  o.max_outstanding = 2;
  o.initial_window = 5;
  o.max_window = 5;
  o.hint_quorum = 1;
  return o;
}

TEST_CASE("replies in any order reach the replica in height order, catching up spans it") {
  FakeReplica replica;
  TransferDriver driver(&replica, DriverOptions());
  CHECK_FALSE(driver.catching_up());
  driver.OnRequest(consensus::FetchRequest{1, 10, {1, 2}}, 100);
  REQUIRE(replica.fetches.size() == 2);  // two windows of 5 in flight
  CHECK(std::get<1>(replica.fetches[0]) == 1);
  CHECK(std::get<1>(replica.fetches[1]) == 6);
  CHECK(driver.catching_up());
  CHECK(driver.Asked(6) == 5u);
  CHECK_FALSE(driver.Asked(11));  // nobody asked: a reply for it would not be checked

  // The second window answers first: held until the first is in.
  driver.OnReply(std::get<0>(replica.fetches[1]), 6, 10, DriverBlocks(6, 5), false, 110);
  CHECK(replica.applied_heights.empty());
  driver.OnReply(std::get<0>(replica.fetches[0]), 1, 10, DriverBlocks(1, 5), false, 120);
  CHECK(replica.applied_heights == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK_FALSE(driver.catching_up());
}

TEST_CASE("a block the replica rejects is fetched again from another peer") {
  FakeReplica replica;
  TransferDriver driver(&replica, DriverOptions());
  driver.OnRequest(consensus::FetchRequest{1, 5, {1, 2}}, 100);
  REQUIRE(replica.fetches.size() == 1);
  const int first_peer = std::get<0>(replica.fetches[0]);
  replica.reject_height = 3;
  driver.OnReply(first_peer, 1, 5, DriverBlocks(1, 5), false, 110);
  CHECK(replica.height == 2);
  REQUIRE(replica.fetches.size() == 2);
  CHECK(std::get<1>(replica.fetches[1]) == 3);  // from the rejected height on
  CHECK(std::get<0>(replica.fetches[1]) != first_peer);
  CHECK(driver.catching_up());
  driver.OnReply(std::get<0>(replica.fetches[1]), 3, 5, DriverBlocks(3, 3), false, 120);
  CHECK(replica.height == 5);
  CHECK_FALSE(driver.catching_up());
}

TEST_CASE("a restored validator's return to voting: one line when it stops withholding votes") {
  FakeReplica replica;
  TransferDriver driver(&replica, DriverOptions());
  CHECK_FALSE(driver.VotingAgain(false).has_value());  // never restored: nothing to say
  CHECK_FALSE(driver.VotingAgain(true).has_value());   // the replica logs the start itself
  CHECK_FALSE(driver.VotingAgain(true).has_value());
  replica.height = 42;
  const std::optional<std::string> line = driver.VotingAgain(false);
  REQUIRE(line.has_value());
  CHECK(*line ==
        "restored from a backup: voting again at height=42, past every sequence number and view "
        "it may have voted on before the restore");
  CHECK_FALSE(driver.VotingAgain(false).has_value());
}

}  // namespace
}  // namespace evchain::node
