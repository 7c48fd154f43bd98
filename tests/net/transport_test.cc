// Real Transports on 127.0.0.1, each on its own io_context thread.
#include "node/net/transport.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "tests/net/transport_fixture.h"

namespace evchain::net {
namespace {

using testing::Node;
using testing::Settled;
using testing::TestGenesis;
using testing::ValidatorKey;
using testing::WaitFor;

std::string BigPayload(int from, int to) {
  std::string big(1 << 20, '\0');
  size_t salt = static_cast<size_t>(from) * 7 + static_cast<size_t>(to);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131 + salt) & 0xff);
  return big;
}

// What `from` sends `to`, in order: small messages, a 1 MiB one, more small ones.
std::vector<std::string> Script(int from, int to) {
  std::vector<std::string> out;
  out.reserve(301);
  for (int k = 0; k < 200; ++k)
    out.push_back(std::to_string(from) + ">" + std::to_string(to) + "#" + std::to_string(k));
  out.push_back(BigPayload(from, to));
  for (int k = 200; k < 300; ++k)
    out.push_back(std::to_string(from) + ">" + std::to_string(to) + "#" + std::to_string(k));
  return out;
}

TEST_CASE("four validators form a full mesh and exchange messages in order both ways") {
  const int n = 4;
  genesis::Genesis g = TestGenesis(n);
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<Node*> all;
  for (int i = 0; i < n; ++i) {
    nodes.push_back(std::make_unique<Node>(g, i, ValidatorKey(i)));
    all.push_back(nodes.back().get());
  }
  REQUIRE(WaitFor([&] { return Settled(all); }));
  for (int i = 0; i < n; ++i) CHECK(nodes[i]->transport().ConnectedPeers().size() == n - 1);

  for (int from = 0; from < n; ++from) {
    for (int to = 0; to < n; ++to) {
      if (from == to) continue;
      for (std::string& m : Script(from, to)) nodes[from]->transport().Send(to, std::move(m));
    }
  }
  nodes[0]->transport().Broadcast("to everyone");
  const size_t per_link = Script(0, 1).size();
  REQUIRE(WaitFor([&] {
    for (int i = 0; i < n; ++i) {
      size_t want = (n - 1) * per_link + (i == 0 ? 0 : 1);
      if (nodes[i]->received_count() < want) return false;
    }
    return true;
  }));
  for (int to = 0; to < n; ++to) {
    std::map<int, std::vector<std::string>> by_sender;
    for (auto& [peer, payload] : nodes[to]->received()) by_sender[peer].push_back(payload);
    for (int from = 0; from < n; ++from) {
      if (from == to) continue;
      std::vector<std::string> expected = Script(from, to);
      if (from == 0) expected.push_back("to everyone");
      INFO("link " << from << " -> " << to);
      CHECK(by_sender[from] == expected);  // intact, complete, in order
    }
  }
  TransportStats s = nodes[0]->transport().Stats();
  CHECK(s.frames_out == (n - 1) * (per_link + 1));
  CHECK(s.frames_in == (n - 1) * per_link);
  CHECK(s.bytes_out > (n - 1) * (1u << 20));
  CHECK(s.send_queue_dropped == 0);
  CHECK(s.decrypt_failures == 0);
}

TEST_CASE("sends to unknown peers or too large for a frame are counted and dropped") {
  genesis::Genesis g = TestGenesis(2);
  TransportOptions options = Node::QuickOptions();
  options.max_frame_size = 1024;
  Node a(g, 0, ValidatorKey(0), options);
  a.transport().Send(0, "to myself");
  a.transport().Send(7, "nobody");
  a.transport().Send(1, std::string(1024 - kAeadTagSize + 1, 'x'));
  a.transport().Broadcast(std::string(2000, 'x'));
  REQUIRE(WaitFor([&] { return a.transport().Stats().send_unknown_peer == 2; }));
  CHECK(a.transport().Stats().send_too_large == 2);
}

TEST_CASE("the send queue drops the oldest payloads when full") {
  genesis::Genesis g = TestGenesis(2);
  TransportOptions options = Node::QuickOptions();
  options.max_queue_messages = 10;
  Node a(g, 0, ValidatorKey(0), options);  // validator 1 never comes up
  for (int i = 0; i < 25; ++i) a.transport().Send(1, "m" + std::to_string(i));
  REQUIRE(WaitFor([&] { return a.transport().Stats().send_queue_dropped == 15; }));
  CHECK(a.transport().Peers()[0].queued == 10);

  Node b(g, 1, ValidatorKey(1));
  REQUIRE(WaitFor([&] { return b.received_count() == 10; }));
  std::vector<std::pair<int, std::string>> got = b.received();
  CHECK(got.front().second == "m15");
  CHECK(got.back().second == "m24");
}

TEST_CASE("payloads for a peer unreachable too long are dropped, not queued") {
  genesis::Genesis g = TestGenesis(2);
  TransportOptions options = Node::QuickOptions();
  options.max_unreachable_queueing = std::chrono::milliseconds(2000);
  Node a(g, 0, ValidatorKey(0), options);  // validator 1 is down for now
  a.transport().Send(1, "early");          // queued: the outage is young
  REQUIRE(WaitFor([&] { return a.transport().Peers()[0].queued == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  a.transport().Send(1, "stale");  // too late: drops the queue and itself
  REQUIRE(WaitFor([&] { return a.transport().Stats().send_queue_dropped == 2; }));
  CHECK(a.transport().Peers()[0].queued == 0);

  Node b(g, 1, ValidatorKey(1));
  REQUIRE(WaitFor([&] { return Settled({&a, &b}); }));
  a.transport().Send(1, "fresh");  // the link is up: delivered
  REQUIRE(WaitFor([&] { return b.received_count() == 1; }));
  CHECK(b.received().front().second == "fresh");
  CHECK(a.transport().Stats().send_queue_dropped == 2);
}

TEST_CASE("a key that is not in genesis cannot connect or inject") {
  genesis::Genesis g = TestGenesis(2);
  Node honest(g, 0, ValidatorKey(0));
  Node impostor(g, 1, ValidatorKey(1, /*salt=*/50));  // claims index 1 with another key
  impostor.transport().Send(0, "injected");
  // Both directions are refused at the hello: the impostor dials us and we dial it.
  REQUIRE(WaitFor([&] { return honest.rejected(RejectReason::kUnknownKey) >= 2; }));
  CHECK(honest.transport().ConnectedPeers().empty());
  CHECK(impostor.transport().ConnectedPeers().empty());
  CHECK(honest.received_count() == 0);
  CHECK(honest.transport().Stats().handshakes_ok == 0);
}

TEST_CASE("a validator of another chain is refused") {
  genesis::Genesis g = TestGenesis(2);
  genesis::Genesis other = g;
  RejectReason expected = RejectReason::kWrongChain;
  SUBCASE("chain id") { other.chain_id = "another-chain"; }
  SUBCASE("genesis hash") {
    other.hash[31] ^= 0x80;
    expected = RejectReason::kWrongGenesis;
  }
  Node a(g, 0, ValidatorKey(0));
  Node b(other, 1, ValidatorKey(1));
  b.transport().Send(0, "cross-chain");
  REQUIRE(WaitFor([&] { return a.rejected(expected) >= 2 && b.rejected(expected) >= 2; }));
  CHECK(a.transport().ConnectedPeers().empty());
  CHECK(b.transport().ConnectedPeers().empty());
  CHECK(a.received_count() == 0);
}

TEST_CASE("a killed validator restarts, peers reconnect within the backoff cap") {
  const int n = 3;
  genesis::Genesis g = TestGenesis(n);
  auto n0 = std::make_unique<Node>(g, 0, ValidatorKey(0));
  auto n1 = std::make_unique<Node>(g, 1, ValidatorKey(1));
  auto n2 = std::make_unique<Node>(g, 2, ValidatorKey(2));
  REQUIRE(WaitFor([&] { return Settled({n0.get(), n1.get(), n2.get()}); }));
  n0->transport().Send(2, "before");
  REQUIRE(WaitFor([&] { return n2->received_count() == 1; }));

  n2.reset();  // Stop: its links close
  REQUIRE(WaitFor([&] {
    return n0->transport().ConnectedPeers() == std::vector<int>{1} &&
           n1->transport().ConnectedPeers() == std::vector<int>{0};
  }));
  // Let the survivors' backoff grow past a few failed dials before the restart.
  uint64_t failures = n0->transport().Stats().connect_failures;
  REQUIRE(WaitFor([&] { return n0->transport().Stats().connect_failures >= failures + 4; }));
  n0->transport().Send(2, "queued while down");

  auto restarted = std::chrono::steady_clock::now();
  n2 = std::make_unique<Node>(g, 2, ValidatorKey(2));
  REQUIRE(WaitFor([&] { return Settled({n0.get(), n1.get(), n2.get()}); }));
  auto took = std::chrono::steady_clock::now() - restarted;
  MESSAGE("mesh settled " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                          << " ms after restart");
  CHECK(took < std::chrono::milliseconds(2000 + 1500));  // backoff cap + handshake slack

  n2->transport().Send(0, "after");
  n1->transport().Send(2, "hi from 1");
  REQUIRE(WaitFor([&] { return n0->received_count() == 1 && n2->received_count() == 2; }));
  CHECK(n0->received()[0] == std::pair<int, std::string>{2, "after"});
  std::vector<std::pair<int, std::string>> got = n2->received();
  std::sort(got.begin(), got.end());
  CHECK(got ==
        std::vector<std::pair<int, std::string>>{{0, "queued while down"}, {1, "hi from 1"}});
}

TEST_CASE("a suspended peer is cut off, kept off while it redials, and back afterwards") {
  genesis::Genesis g = TestGenesis(2);
  Node a(g, 0, ValidatorKey(0));
  Node b(g, 1, ValidatorKey(1));
  REQUIRE(WaitFor([&] { return Settled({&a, &b}); }));

  const auto suspended_at = std::chrono::steady_clock::now();
  a.transport().Suspend(1, std::chrono::milliseconds(1500));
  REQUIRE(WaitFor([&] { return a.transport().ConnectedPeers().empty(); }));
  CHECK(a.transport().Peers()[0].suspended);
  // b redials (its backoff is at most 2 s, 100 ms at first): a closes each link it authenticates.
  REQUIRE(WaitFor([&] { return a.transport().Stats().suspended_refused >= 1; }));
  CHECK(a.transport().ConnectedPeers().empty());
  a.transport().Send(1, "queued by a");  // delivered once the link is back

  REQUIRE(WaitFor([&] { return Settled({&a, &b}); }));
  const auto took = std::chrono::steady_clock::now() - suspended_at;
  CHECK(took >= std::chrono::milliseconds(1500));
  CHECK_FALSE(a.transport().Peers()[0].suspended);
  b.transport().Send(0, "after");
  REQUIRE(WaitFor([&] { return a.received_count() == 1 && b.received_count() == 1; }));
  CHECK(a.received()[0] == std::pair<int, std::string>{1, "after"});
  CHECK(b.received()[0] == std::pair<int, std::string>{0, "queued by a"});
  CHECK(a.transport().Stats().suspensions == 1);
}

TEST_CASE("Start reports a listen address already in use") {
  genesis::Genesis g = TestGenesis(2);
  Node a(g, 0, ValidatorKey(0));
  boost::asio::io_context io;
  crypto::SecretKey key = ValidatorKey(0);
  Transport second(io, g, 0, key);
  Status s = second.Start();
  CHECK(s.code() == "net_listen_failed");
}

}  // namespace
}  // namespace evchain::net
