// The operator's log of peer links refused or flapping (node/peer_link_log.h): one warning per
// source and reason when refusals start, however often the peer redials, reminders while they
// go on, one line when they stop; and a warning naming both addresses of a validator whose key
// two processes hold.
#include "node/peer_link_log.h"

#include <doctest/doctest.h>

namespace evchain::node {
namespace {

using net::HandshakeRefusal;
using net::RejectReason;

HandshakeRefusal FromAddress(uint64_t count) {
  return {
      false, "", "127.0.0.1", "validator 1 of chain \"court-test-2\"", RejectReason::kWrongChain,
      count};
}

TEST_CASE("a peer of another chain redialing: one warning, a reminder a minute, an end line") {
  PeerLinkLog log(10000, 60000);
  CHECK(log.Update(0, {}, {}).empty());
  std::vector<LogLine> first = log.Update(500, {FromAddress(1)}, {});
  REQUIRE(first.size() == 1);
  CHECK(first[0].warning);
  CHECK(first[0].text ==
        "peer links refused: 1 handshake from 127.0.0.1 (claims validator 1 of chain "
        "\"court-test-2\"): wrong_chain — its genesis differs from ours (another chain id): "
        "every validator must run the same genesis file");
  // A redial every 2 s: no line per attempt.
  uint64_t count = 1;
  for (int64_t t = 2500; t < 60500; t += 2000) {
    CHECK(log.Update(t, {FromAddress(++count)}, {}).empty());
  }
  std::vector<LogLine> reminder = log.Update(60500, {FromAddress(++count)}, {});
  REQUIRE(reminder.size() == 1);
  CHECK(reminder[0].warning);
  CHECK(reminder[0].text ==
        "peer links still refused after 60.0 s: 30 handshakes in the last 60.0 s from 127.0.0.1 "
        "(claims validator 1 of chain \"court-test-2\"): wrong_chain — its genesis differs from "
        "ours (another chain id): every validator must run the same genesis file");
  CHECK(log.Update(65000, {FromAddress(count)}, {}).empty());
  std::vector<LogLine> end = log.Update(71000, {FromAddress(count)}, {});
  REQUIRE(end.size() == 1);
  CHECK_FALSE(end[0].warning);
  CHECK(end[0].text ==
        "peer links no longer refused from 127.0.0.1 (claims validator 1 of chain "
        "\"court-test-2\"): wrong_chain; 31 handshakes refused over 60.0 s");
}

TEST_CASE("our refused dials and each source are episodes of their own") {
  PeerLinkLog log;
  const HandshakeRefusal dial{true, "court-2", "10.0.0.2:7000", "", RejectReason::kClosed, 3};
  const HandshakeRefusal key{false, "", "10.0.0.9", "court-3", RejectReason::kUnknownKey, 1};
  std::vector<LogLine> lines = log.Update(0, {dial, key}, {});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].text ==
        "peer links refused: 3 handshakes dialing court-2 at 10.0.0.2:7000: closed — it closed "
        "the connection during the handshake: it may refuse us (its log says why)");
  CHECK(lines[1].text ==
        "peer links refused: 1 handshake from 10.0.0.9 (claims court-3): unknown_key — its key "
        "is not the genesis key of the validator it claims (a wrong key file, or another "
        "genesis)");
}

TEST_CASE("a validator whose key two processes hold: a warning naming both addresses") {
  PeerLinkLog log(10000, 60000);
  net::LinkFlapping flap{"court-3", 1, "127.0.0.1:40003", "127.0.0.1:51234"};
  std::vector<LogLine> lines = log.Update(0, {}, {flap});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].warning);
  CHECK(lines[0].text ==
        "court-3's link with 127.0.0.1:40003 keeps meeting another connection of it, from "
        "127.0.0.1:51234: two processes may hold its key (a copy of its node, or its key file "
        "on another host); stop the one that should not run");
  flap.count = 40;
  CHECK(log.Update(5000, {}, {flap}).empty());
  std::vector<LogLine> end = log.Update(16000, {}, {flap});
  REQUIRE(end.size() == 1);
  CHECK_FALSE(end[0].warning);
  CHECK(end[0].text == "court-3's links settled: one connection of it for 10.0 s");
}

}  // namespace
}  // namespace evchain::node
