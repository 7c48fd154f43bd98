// Hostile or broken peers against a real Transport: a hand-driven client on a raw socket speaks
// exactly as much of the protocol as each case needs (docs/transport.md).
#include <doctest/doctest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "node/net/handshake.h"
#include "node/net/secure_channel.h"
#include "node/net/transport.h"
#include "tests/net/transport_fixture.h"

namespace evchain::net {
namespace {

using boost::asio::ip::tcp;
using testing::Node;
using testing::TestGenesis;
using testing::ValidatorKey;
using testing::WaitFor;

constexpr auto kIoLimit = std::chrono::seconds(10);

class RawPeer {
 public:
  // Takes the next connection accepted by `acceptor`.
  explicit RawPeer(tcp::acceptor& acceptor) : socket_(io_) { acceptor.accept(socket_); }
  explicit RawPeer(const std::string& address) : socket_(io_) {
    auto colon = address.rfind(':');
    socket_.connect(tcp::endpoint(boost::asio::ip::make_address(address.substr(0, colon)),
                                  static_cast<uint16_t>(std::stoi(address.substr(colon + 1)))));
  }

  void Write(const Bytes& bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes));
    sent_.insert(sent_.end(), bytes.begin(), bytes.end());
  }
  void WriteFrame(std::string_view body) {
    Bytes frame;
    AppendFrame(frame, body);
    Write(frame);
  }
  // Reads exactly n bytes; false on EOF, error or timeout.
  bool ReadExact(size_t n, Bytes& out) {
    out.assign(n, 0);
    bool done = false;
    boost::system::error_code error;
    boost::asio::async_read(socket_, boost::asio::buffer(out),
                            [&](const boost::system::error_code& ec, size_t) {
                              error = ec;
                              done = true;
                            });
    RunUntil(done);
    eof_ = done && error == boost::asio::error::eof;
    return done && !error;
  }
  // Whether the last read failed because the transport shut down its side.
  bool eof() const { return eof_; }
  std::optional<std::string> ReadFrame() {
    Bytes header, body;
    if (!ReadExact(kFrameHeaderSize, header)) return std::nullopt;
    if (!ReadExact(GetU32BE(header.data()), body)) return std::nullopt;
    return std::string(AsChars(body));
  }
  // Reads and discards until the transport closes the connection; false on timeout.
  bool WaitClosed() {
    std::array<uint8_t, 4096> sink;
    for (;;) {
      bool done = false;
      boost::system::error_code error;
      socket_.async_read_some(boost::asio::buffer(sink),
                              [&](const boost::system::error_code& ec, size_t) {
                                error = ec;
                                done = true;
                              });
      if (!RunUntil(done)) return false;
      if (error) return true;
    }
  }
  // Completes a handshake as validator `context.self`; returns the session keys.
  SessionKeys Handshake(const HandshakeContext& context, Role role = Role::kInitiator,
                        int expected_peer = 0) {
    net::Handshake hs(context, role, expected_peer, Ephemeral::Generate());
    WriteFrame(hs.hello());
    std::optional<std::string> hello = ReadFrame();
    REQUIRE(hello);
    REQUIRE_FALSE(hs.OnPeerHello(*hello));
    WriteFrame(hs.auth());
    std::optional<std::string> auth = ReadFrame();
    REQUIRE(auth);
    REQUIRE_FALSE(hs.OnPeerAuth(*auth));
    return hs.keys();
  }
  void ShutdownSend() { socket_.shutdown(tcp::socket::shutdown_send); }
  const Bytes& sent() const { return sent_; }

 private:
  bool RunUntil(const bool& done) {
    io_.restart();
    io_.run_for(kIoLimit);
    if (done) return true;
    socket_.cancel();
    io_.restart();
    io_.run();
    return false;
  }

  boost::asio::io_context io_;
  tcp::socket socket_;
  Bytes sent_;
  bool eof_ = false;
};

// Validator 0 runs a Transport; the test plays validator 1 (it has that key) or a stranger.
struct Arena {
  genesis::Genesis genesis = TestGenesis(2);
  crypto::SecretKey key1 = ValidatorKey(1);
  HandshakeContext as_validator1{&genesis, 1, &key1};
  Node node{genesis, 0, ValidatorKey(0), Options()};

  static TransportOptions Options() {
    TransportOptions options = Node::QuickOptions();
    options.handshake_timeout = std::chrono::milliseconds(500);
    return options;
  }
  const std::string& address() const { return genesis.validators[0].p2p; }
  TransportStats stats() { return node.transport().Stats(); }
};

TEST_CASE("a recorded handshake replayed byte for byte is refused") {
  Arena arena;
  Bytes recorded;
  {
    RawPeer peer(arena.address());
    SessionKeys keys = peer.Handshake(arena.as_validator1);
    recorded = peer.sent();  // our hello frame and auth frame
    Bytes frame;
    FrameSealer(keys.tx).Seal("genuine", frame);
    peer.Write(frame);
    REQUIRE(WaitFor([&] { return arena.node.received_count() == 1; }));
  }
  REQUIRE(WaitFor([&] { return arena.node.transport().ConnectedPeers().empty(); }));

  RawPeer replay(arena.address());
  replay.Write(recorded);
  CHECK(replay.WaitClosed());
  REQUIRE(WaitFor([&] { return arena.node.rejected(RejectReason::kBadSignature) == 1; }));
  CHECK(arena.stats().handshakes_ok == 1);
  CHECK(arena.node.received() == std::vector<std::pair<int, std::string>>{{1, "genuine"}});
}

TEST_CASE("a frame with a flipped ciphertext bit closes the link") {
  Arena arena;
  RawPeer peer(arena.address());
  SessionKeys keys = peer.Handshake(arena.as_validator1);
  FrameSealer sealer(keys.tx);
  Bytes first, second;
  sealer.Seal("first", first);
  sealer.Seal("second", second);
  second[kFrameHeaderSize + 3] ^= 0x04;
  peer.Write(first);
  peer.Write(second);
  CHECK(peer.WaitClosed());
  CHECK(arena.stats().decrypt_failures == 1);
  CHECK(arena.node.received() == std::vector<std::pair<int, std::string>>{{1, "first"}});
}

TEST_CASE("a replayed data frame (counter reuse) closes the link") {
  Arena arena;
  RawPeer peer(arena.address());
  SessionKeys keys = peer.Handshake(arena.as_validator1);
  Bytes frame;
  FrameSealer(keys.tx).Seal("once", frame);
  peer.Write(frame);
  peer.Write(frame);
  CHECK(peer.WaitClosed());
  CHECK(arena.stats().decrypt_failures == 1);
  CHECK(arena.node.received() == std::vector<std::pair<int, std::string>>{{1, "once"}});
}

TEST_CASE("a validator's own frame reflected back to it closes the link") {
  // Each direction has its own key: what the node sealed for its peer does not open as
  // something from the peer, on the same link or another.
  Arena arena;
  RawPeer peer(arena.address());
  SessionKeys keys = peer.Handshake(arena.as_validator1);
  REQUIRE(WaitFor([&] { return arena.node.transport().ConnectedPeers() == std::vector<int>{1}; }));
  arena.node.transport().Send(1, "from the node");
  std::optional<std::string> body = peer.ReadFrame();
  REQUIRE(body);
  std::string payload;
  REQUIRE(FrameOpener(keys.rx).Open(AsBytes(*body), payload));
  CHECK(payload == "from the node");
  peer.WriteFrame(*body);  // the node's own frame, counter 0 like the peer's first
  CHECK(peer.WaitClosed());
  CHECK(arena.stats().decrypt_failures == 1);
  CHECK(arena.node.received_count() == 0);
}

TEST_CASE("an oversized length prefix closes an authenticated link without waiting for a body") {
  Arena arena;
  RawPeer peer(arena.address());
  peer.Handshake(arena.as_validator1);
  peer.Write(Bytes{0xff, 0xff, 0xff, 0xff});  // 4 GiB announced, nothing sent
  CHECK(peer.WaitClosed());
  CHECK(arena.stats().oversized_frames == 1);
  CHECK(arena.node.received_count() == 0);
}

TEST_CASE("garbage instead of a handshake is refused") {
  Arena arena;
  SUBCASE("an HTTP request: its first bytes read as a huge length") {
    RawPeer peer(arena.address());
    std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    peer.Write(Bytes(http.begin(), http.end()));
    CHECK(peer.WaitClosed());
    CHECK(arena.node.rejected(RejectReason::kOversized) == 1);
  }
  SUBCASE("a small frame that is not a hello") {
    RawPeer peer(arena.address());
    peer.WriteFrame("\xff\xff\xff\xff\xff\xff\xff\xff");
    CHECK(peer.WaitClosed());
    CHECK(arena.node.rejected(RejectReason::kMalformed) == 1);
  }
  SUBCASE("a stranger's hello") {
    crypto::SecretKey stranger = ValidatorKey(1, 77);
    HandshakeContext context{&arena.genesis, 1, &stranger};
    net::Handshake hs(context, Role::kInitiator, 0, Ephemeral::Generate());
    RawPeer peer(arena.address());
    peer.WriteFrame(hs.hello());
    CHECK(peer.WaitClosed());
    CHECK(arena.node.rejected(RejectReason::kUnknownKey) == 1);
  }
  SUBCASE("silence: the handshake times out") {
    RawPeer peer(arena.address());
    CHECK(peer.WaitClosed());
    CHECK(arena.node.rejected(RejectReason::kTimeout) == 1);
  }
  CHECK(arena.stats().handshakes_ok == 0);
  CHECK(arena.node.transport().ConnectedPeers().empty());
}

// Two links to one peer: the test plays validator 0 and listens at its address, the Transport is
// validator 1 and dials it; a link the test then dials replaces that one (the lower index's dial
// wins the tie-break). A retired link is cut after handshake_timeout: 60 s here, far longer than
// the tests take, so what they check cannot depend on how fast a loaded machine runs them.
struct ReplacedLinkArena {
  static tcp::endpoint Endpoint(const std::string& address) {
    return tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                         static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1))));
  }
  static TransportOptions Options() {
    TransportOptions options = Node::QuickOptions();
    options.handshake_timeout = std::chrono::seconds(60);
    return options;
  }

  // The Transport's own dial, accepted and authenticated as validator 0: its only link.
  SessionKeys OldLinkUp(RawPeer& link) {
    SessionKeys keys = link.Handshake(as_validator0, Role::kResponder, -1);
    REQUIRE(WaitFor([&] { return node.transport().ConnectedPeers() == std::vector<int>{0}; }));
    return keys;
  }
  // A link the test dials as validator 0 (the lower index: preferred by the tie-break).
  SessionKeys NewLinkUp(RawPeer& link) {
    return link.Handshake(as_validator0, Role::kInitiator, 1);
  }
  // `n` payloads of 1 MiB to validator 0, each starting with its number (ReadNumbered).
  void SendNumbered(int n) {
    for (int i = 0; i < n; ++i)
      node.transport().Send(0, std::to_string(i) + std::string(1 << 20, 'x'));
  }

  genesis::Genesis genesis = TestGenesis(2);
  crypto::SecretKey key0 = ValidatorKey(0);
  HandshakeContext as_validator0{&genesis, 0, &key0};
  boost::asio::io_context io;
  tcp::acceptor acceptor{io, Endpoint(genesis.validators[0].p2p)};
  Node node{genesis, 1, ValidatorKey(1), Options()};
};

// Reads payloads numbered by their first digits ("12xxx…") from `link` into `received`: until
// `received` holds `want` of them, or with `want` 0 until the link ends.
void ReadNumbered(RawPeer& link, FrameOpener& opener, std::set<int>& received, size_t want = 0) {
  while (want == 0 || received.size() < want) {
    std::optional<std::string> body = link.ReadFrame();
    if (want == 0 && !body) return;
    REQUIRE(body);
    std::string payload;
    REQUIRE(opener.Open(AsBytes(*body), payload));
    received.insert(std::stoi(payload.substr(0, payload.find('x'))));
  }
}

TEST_CASE("a link replaced by the tie-break is drained in order, not cut") {
  ReplacedLinkArena arena;
  Node& node = arena.node;
  const genesis::Genesis& genesis = arena.genesis;

  RawPeer old_link(arena.acceptor);  // the Transport's own dial: not preferred
  SessionKeys old_keys = arena.OldLinkUp(old_link);
  CHECK(node.transport().Peers()[0].outbound);

  RawPeer new_link(genesis.validators[1].p2p);  // dialed by the lower index: preferred
  SessionKeys new_keys = arena.NewLinkUp(new_link);
  REQUIRE(WaitFor([&] { return node.transport().Stats().duplicate_links == 1; }));
  CHECK(node.transport().Peers()[0].outbound == false);
  CHECK(node.transport().ConnectedPeers() == std::vector<int>{0});

  // Written on the new link first, but sent later in our order than what the old link still
  // carries: it must wait until the old link is drained.
  Bytes frame;
  FrameSealer(new_keys.tx).Seal("new-1", frame);
  new_link.Write(frame);
  frame.clear();
  FrameSealer(old_keys.tx).Seal("old-1", frame);
  old_link.Write(frame);
  REQUIRE(WaitFor([&] { return node.received_count() == 1; }));
  CHECK(node.received()[0].second == "old-1");
  CHECK(old_link.WaitClosed());  // the Transport shut down its side after flushing
  old_link.ShutdownSend();       // so do we: the old link is drained
  REQUIRE(WaitFor([&] { return node.received_count() == 2; }));
  CHECK(node.received()[1].second == "new-1");

  node.transport().Send(0, "on the new link");
  std::optional<std::string> body = new_link.ReadFrame();
  REQUIRE(body);
  std::string payload;
  REQUIRE(FrameOpener(new_keys.rx).Open(AsBytes(*body), payload));
  CHECK(payload == "on the new link");
}

TEST_CASE("a link retired in the middle of a write is shut down once the write completes") {
  ReplacedLinkArena arena;
  Node& node = arena.node;
  const genesis::Genesis& genesis = arena.genesis;

  RawPeer old_link(arena.acceptor);
  SessionKeys old_keys = arena.OldLinkUp(old_link);
  // More than the socket buffers hold, unread: a write on the old link stays in flight.
  constexpr int kPayloads = 32;
  arena.SendNumbered(kPayloads);
  RawPeer new_link(genesis.validators[1].p2p);
  SessionKeys new_keys = arena.NewLinkUp(new_link);
  REQUIRE(WaitFor([&] { return node.transport().Stats().duplicate_links == 1; }));

  // Reading the old link lets its write finish; then the Transport shuts its side down (EOF
  // well before the 60 s deadline), and every payload arrives on one link or the other.
  std::set<int> received;
  FrameOpener old_opener(old_keys.rx);
  ReadNumbered(old_link, old_opener, received);
  CHECK(old_link.eof());
  FrameOpener new_opener(new_keys.rx);
  ReadNumbered(new_link, new_opener, received, kPayloads);
  CHECK(received.size() == kPayloads);
}

TEST_CASE("a link its peer shuts down while our write is in flight is drained, not cut") {
  // Both ends of a duplicate pair retire it at once under load (seen as lost payloads in
  // receive_budget_test): the peer, with nothing to send, shuts down its side at once; we still
  // have a write in flight. Reading its EOF must not cut ours: we finish writing, then close,
  // and what was still queued goes over the next link.
  ReplacedLinkArena arena;
  Node& node = arena.node;
  const genesis::Genesis& genesis = arena.genesis;

  RawPeer old_link(arena.acceptor);
  SessionKeys old_keys = arena.OldLinkUp(old_link);
  constexpr int kPayloads = 32;  // more than the socket buffers hold: a write stays in flight
  arena.SendNumbered(kPayloads);
  old_link.ShutdownSend();

  std::set<int> received;
  FrameOpener old_opener(old_keys.rx);
  ReadNumbered(old_link, old_opener, received);
  CHECK(old_link.eof());  // closed after its write, not reset in the middle of it
  REQUIRE(WaitFor([&] { return node.transport().ConnectedPeers().empty(); }));
  RawPeer new_link(genesis.validators[1].p2p);
  SessionKeys new_keys = arena.NewLinkUp(new_link);
  FrameOpener new_opener(new_keys.rx);
  ReadNumbered(new_link, new_opener, received, kPayloads);
  CHECK(received.size() == kPayloads);
}

TEST_CASE("what a peer sends on its new link while the old one drains waits in the kernel") {
  // The peer's new link is not read until its retired link has closed: the wait costs the node
  // no memory (before 2026-12-04 it was read into an unbounded queue, past the receive budget).
  ReplacedLinkArena arena;
  Node& node = arena.node;
  const genesis::Genesis& genesis = arena.genesis;

  RawPeer old_link(arena.acceptor);
  SessionKeys old_keys = arena.OldLinkUp(old_link);
  RawPeer new_link(genesis.validators[1].p2p);
  SessionKeys new_keys = arena.NewLinkUp(new_link);
  REQUIRE(WaitFor([&] { return node.transport().Stats().duplicate_links == 1; }));

  constexpr int kPayloads = 2000;  // 2 MB: fits in the sockets' buffers, so Write returns
  FrameSealer new_sealer(new_keys.tx);
  Bytes frames;
  for (int i = 0; i < kPayloads; ++i)
    new_sealer.Seal(std::to_string(i) + std::string(1000, 'x'), frames);
  new_link.Write(frames);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(node.transport().Stats().frames_in == 0);  // not one frame read off the new link

  Bytes last;
  FrameSealer(old_keys.tx).Seal("last on the old link", last);
  old_link.Write(last);
  old_link.ShutdownSend();
  CHECK(old_link.WaitClosed());
  REQUIRE(WaitFor([&] { return node.received_count() == kPayloads + 1; }));
  std::vector<std::pair<int, std::string>> received = node.received();
  CHECK(received[0].second == "last on the old link");
  for (int i = 0; i < kPayloads; ++i) {
    const std::string& payload = received[i + 1].second;
    REQUIRE(payload.substr(0, payload.find('x')) == std::to_string(i));
  }
}

// Sockets open in this process (the node's and the test's).
size_t OpenSockets() {
  size_t sockets = 0;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    sockets += std::filesystem::read_symlink(fd.path(), ec).string().starts_with("socket:");
  }
  return sockets;
}

TEST_CASE("a peer that opens link after link keeps at most two retired links open") {
  // Each authenticated connection of a peer retires the one before, which stays open until the
  // peer shuts it down or the retire deadline passes. Before 2026-12-07 nothing bounded how many
  // a peer kept open: a validator key holder dialing in a loop held a descriptor, the socket's
  // kernel buffers and a frame buffer of the node per connection for the deadline (5 s), however
  // many it opened, up to the process's descriptor limit (then the store cannot open a file).
  // And a link retired while it was itself held back behind an older one was never read again.
  // The retire deadline is 60 s here, so only the bound closes them.
  genesis::Genesis genesis = TestGenesis(2);
  crypto::SecretKey key1 = ValidatorKey(1);
  HandshakeContext as_validator1{&genesis, 1, &key1};
  TransportOptions options = Node::QuickOptions();
  options.handshake_timeout = std::chrono::seconds(60);
  Node node(genesis, 0, ValidatorKey(0), options);

  const size_t before = OpenSockets();
  constexpr int kLinks = 8;
  std::vector<std::unique_ptr<RawPeer>> links;
  std::vector<SessionKeys> keys;
  for (int i = 0; i < kLinks; ++i) {
    links.push_back(std::make_unique<RawPeer>(genesis.validators[0].p2p));
    keys.push_back(links.back()->Handshake(as_validator1));
    REQUIRE(WaitFor([&] { return node.transport().Stats().handshakes_ok == uint64_t(i) + 1; }));
  }
  // Ours (kLinks), the node's link and two retired ones, and at most one dial of the node's.
  CHECK(WaitFor([&] { return OpenSockets() - before <= kLinks + 3 + 1; }, std::chrono::seconds(2)));
  CHECK(node.transport().Stats().retired_cut == kLinks - 3);

  auto send = [&](int link, const std::string& payload) {
    Bytes frame;
    FrameSealer(keys[link].tx).Seal(payload, frame);
    links[link]->Write(frame);
  };
  for (int i = 0; i < kLinks; ++i) send(i, "on-" + std::to_string(i));
  // The older retired link is read first, the newer one and the link wait behind it: the
  // peer's payloads arrive in the order it sent them.
  REQUIRE(WaitFor([&] { return node.received_count() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(node.received_count() == 1);
  links[kLinks - 3]->ShutdownSend();
  CHECK(links[kLinks - 3]->WaitClosed());
  REQUIRE(WaitFor([&] { return node.received_count() == 2; }));
  links[kLinks - 2]->ShutdownSend();
  CHECK(links[kLinks - 2]->WaitClosed());
  REQUIRE(WaitFor([&] { return node.received_count() == 3; }));
  std::vector<std::pair<int, std::string>> want{{1, "on-5"}, {1, "on-6"}, {1, "on-7"}};
  CHECK(node.received() == want);
  CHECK(node.transport().ConnectedPeers() == std::vector<int>{1});
}

// A TCP connection to `address` from the loopback address `source` (Linux answers on all of
// 127/8), read up to the node's hello: accepted and handshaking. nullopt if the node closed it.
std::optional<tcp::socket> Handshaking(boost::asio::io_context& io, const std::string& address,
                                       const std::string& source) {
  tcp::socket socket(io);
  socket.open(tcp::v4());
  socket.bind(tcp::endpoint(boost::asio::ip::make_address(source), 0));
  const auto colon = address.rfind(':');
  socket.connect(tcp::endpoint(boost::asio::ip::make_address(address.substr(0, colon)),
                               static_cast<uint16_t>(std::stoi(address.substr(colon + 1)))));
  Bytes header(kFrameHeaderSize);
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::buffer(header), ec);
  if (ec) return std::nullopt;
  Bytes body(GetU32BE(header.data()));
  boost::asio::read(socket, boost::asio::buffer(body), ec);
  if (ec) return std::nullopt;
  return socket;
}

TEST_CASE("connections that never finish their handshake cannot keep a validator out") {
  // Before 2026-12-07 a connection beyond max_pending_handshakes was closed at accept: anyone
  // who could reach the port held every slot with idle connections, renewed as the handshake
  // timeout closed them, and no validator's link to the node could come up (with every node
  // held so, no link at all). Now a new connection evicts the oldest handshake of the source
  // address with the most of them: a stranger's connections only ever evict its own.
  genesis::Genesis genesis = TestGenesis(2);
  TransportOptions options = Node::QuickOptions();
  options.max_pending_handshakes = 4;
  options.handshake_timeout = std::chrono::seconds(60);
  Node node(genesis, 1, ValidatorKey(1), options);  // the test plays validator 0 against it
  crypto::SecretKey key0 = ValidatorKey(0);
  HandshakeContext as_validator0{&genesis, 0, &key0};
  const std::string& address = genesis.validators[1].p2p;

  boost::asio::io_context io;
  std::vector<tcp::socket> stranger;
  for (int i = 0; i < 4; ++i) {
    std::optional<tcp::socket> socket = Handshaking(io, address, "127.0.0.2");
    REQUIRE(socket);
    stranger.push_back(std::move(*socket));
  }

  // A validator's connection gets in, and the stranger's further connections, arriving while
  // it handshakes, do not push it out.
  RawPeer validator(address);
  net::Handshake hs(as_validator0, Role::kInitiator, 1, Ephemeral::Generate());
  validator.WriteFrame(hs.hello());
  std::optional<std::string> hello = validator.ReadFrame();
  REQUIRE(hello);
  REQUIRE_FALSE(hs.OnPeerHello(*hello));
  for (int i = 0; i < 8; ++i) {
    std::optional<tcp::socket> socket = Handshaking(io, address, "127.0.0.2");
    REQUIRE(socket);
    stranger.push_back(std::move(*socket));
  }
  validator.WriteFrame(hs.auth());
  std::optional<std::string> auth = validator.ReadFrame();
  REQUIRE(auth);
  REQUIRE_FALSE(hs.OnPeerAuth(*auth));
  CHECK(WaitFor([&] { return node.transport().ConnectedPeers() == std::vector<int>{0}; }));
  CHECK(node.transport().Stats().handshakes_evicted == 9);
  CHECK(node.rejected(RejectReason::kEvicted) == 9);  // in /metrics and the log as evicted
}

}  // namespace
}  // namespace evchain::net
