// What the transport tells the node's log about links that do not form or keep replacing each
// other (Transport::HandshakeRefusals, Transport::FlappingLinks): who was refused and what it
// claimed to be, on both ends, and the two addresses of a validator whose key two processes
// hold. Real Transports on 127.0.0.1.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "node/net/transport.h"
#include "tests/net/transport_fixture.h"

namespace evchain::net {
namespace {

using testing::Node;
using testing::TestGenesis;
using testing::ValidatorKey;
using testing::WaitFor;

// The tally for (dialed, peer_id, address, claims, reason) so far; 0 when there is none.
uint64_t Refused(Node& node, bool dialed, const std::string& peer_id, const std::string& address,
                 const std::string& claims, RejectReason reason) {
  for (const HandshakeRefusal& r : node.transport().HandshakeRefusals()) {
    if (r.dialed == dialed && r.peer_id == peer_id && r.address == address && r.claims == claims &&
        r.reason == reason) {
      return r.count;
    }
  }
  return 0;
}

TEST_CASE("both ends of a link between two chains say who was refused and what it claimed") {
  genesis::Genesis g = TestGenesis(2);
  genesis::Genesis other = g;
  RejectReason expected = RejectReason::kWrongChain;
  std::string b_claims = "validator 1 of chain \"another-chain\"";
  std::string a_claims = "validator 0 of chain \"net-test\"";
  SUBCASE("chain id") { other.chain_id = "another-chain"; }
  SUBCASE("genesis hash") {
    other.hash[0] ^= 0xff;
    expected = RejectReason::kWrongGenesis;
    b_claims = "v1 with genesis " + ToHex(other.hash).substr(0, 8) + "...";
    a_claims = "v0 with genesis " + ToHex(g.hash).substr(0, 8) + "...";
  }
  Node a(g, 0, ValidatorKey(0));
  Node b(other, 1, ValidatorKey(1));
  // Each end refuses the other's hello on its own dial and on the other's: the hellos cross,
  // so the dialer learns as much as the one it dialed.
  REQUIRE(WaitFor([&] {
    return Refused(a, true, "v1", g.validators[1].p2p, b_claims, expected) >= 1 &&
           Refused(a, false, "", "127.0.0.1", b_claims, expected) >= 1 &&
           Refused(b, true, "v0", g.validators[0].p2p, a_claims, expected) >= 1 &&
           Refused(b, false, "", "127.0.0.1", a_claims, expected) >= 1;
  }));
  // Redials add to the same tallies rather than to new entries.
  const uint64_t before = Refused(a, true, "v1", g.validators[1].p2p, b_claims, expected);
  REQUIRE(WaitFor(
      [&] { return Refused(a, true, "v1", g.validators[1].p2p, b_claims, expected) > before; }));
  for (const HandshakeRefusal& r : a.transport().HandshakeRefusals()) {
    CHECK(r.claims == b_claims);
  }
}

TEST_CASE("a peer with a key not in genesis: refused here, and the refused end sees it close") {
  genesis::Genesis g = TestGenesis(2);
  Node honest(g, 0, ValidatorKey(0));
  Node impostor(g, 1, ValidatorKey(1, /*salt=*/50));
  REQUIRE(WaitFor([&] {
    return Refused(honest, true, "v1", g.validators[1].p2p, "v1", RejectReason::kUnknownKey) >= 1 &&
           Refused(honest, false, "", "127.0.0.1", "v1", RejectReason::kUnknownKey) >= 1 &&
           // Its hello was refused, the protocol says no more: its handshakes close early.
           Refused(impostor, true, "v0", g.validators[0].p2p, "", RejectReason::kClosed) >= 1;
  }));
}

TEST_CASE("a validator whose key two processes hold: its links flap, both addresses named") {
  genesis::Genesis g = TestGenesis(2);
  Node a(g, 0, ValidatorKey(0));
  Node b(g, 1, ValidatorKey(1));  // at v1's genesis address, which `a` dials
  // The copy starts once a's link to b is up, so the link it meets is that one (started
  // together, the copy's connection was now and then a's link first, and b's the other).
  REQUIRE(WaitFor([&] { return testing::Settled({&a, &b}); }));
  // Usually a's own dial (the lower index's wins when both dial at once); b's dial when a's
  // first one came before b listened. The flapping record names the link's far end either way.
  bool a_dialed = false;
  for (const PeerStatus& s : a.transport().Peers()) {
    if (s.index == 1) a_dialed = s.outbound;
  }
  TransportOptions second_options = Node::QuickOptions();
  const std::string second_address = "127.0.0.1:" + std::to_string(testing::FreePort());
  second_options.listen_address = second_address;
  // `a` dialed by the lower index keeps its dial to `b`; the copy's dials meet that link again
  // and again.
  Node copy(g, 1, ValidatorKey(1), second_options);
  REQUIRE(WaitFor([&] { return !a.transport().FlappingLinks().empty(); }));
  const LinkFlapping flap = a.transport().FlappingLinks()[0];
  CHECK(flap.peer_id == "v1");
  CHECK(flap.count >= 1);
  if (a_dialed) {
    CHECK(flap.link_address == g.validators[1].p2p);
  } else {  // b's dial: from a port of its own, not an address it listens on
    CHECK(flap.link_address.rfind("127.0.0.1:", 0) == 0);
    CHECK(flap.link_address != g.validators[1].p2p);
    CHECK(flap.link_address != second_address);
  }
  CHECK(flap.other_address.rfind("127.0.0.1:", 0) == 0);
  CHECK(flap.other_address != flap.link_address);
}

TEST_CASE("a restart is no flapping") {
  genesis::Genesis g = TestGenesis(2);
  Node a(g, 0, ValidatorKey(0));
  auto b = std::make_unique<Node>(g, 1, ValidatorKey(1));
  REQUIRE(WaitFor([&] { return testing::Settled({&a, b.get()}); }));
  b.reset();
  b = std::make_unique<Node>(g, 1, ValidatorKey(1));
  REQUIRE(WaitFor([&] { return testing::Settled({&a, b.get()}); }));
  CHECK(a.transport().FlappingLinks().empty());
  CHECK(b->transport().FlappingLinks().empty());
}

}  // namespace
}  // namespace evchain::net
