// Fuzzes the peer-link handshake (node/net/handshake.h, docs/transport.md "Handshake") the way a
// connection drives it: the input is the byte stream an unauthenticated peer sends, split into
// frames by FrameReader with the handshake's frame limit; frame 1 goes to OnPeerHello, frame 2 to
// OnPeerAuth, and once the session keys exist every further frame is opened as a sealed frame.
// Input byte 0 picks our side: bit 0 the role, bits 1-2 our validator index (the example
// network's keys). Our ephemeral key comes from a fixed seed, so a seed input can carry a
// complete, correctly signed handshake (make_corpus.cc) for the fuzzer to mutate.
#include <google/protobuf/stubs/logging.h>

#include <cstring>
#include <string>

#include "fuzz/fuzz_util.h"
#include "node/net/frame_reader.h"
#include "node/net/handshake.h"
#include "node/net/secure_channel.h"

namespace evchain::fuzz {
namespace {

int Run(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const net::Role role = (data[0] & 1) ? net::Role::kResponder : net::Role::kInitiator;
  const int self = (data[0] >> 1) & 3;
  // An initiator dialed a specific peer: the next one in the ring.
  const int expected_peer = role == net::Role::kInitiator ? (self + 1) % 4 : -1;
  net::HandshakeContext context{&Genesis(), self, &ValidatorKeys()[self]};
  net::Key32 seed{};
  seed.fill(static_cast<uint8_t>(0x40 + data[0] % 8));
  net::Handshake handshake(context, role, expected_peer, net::Ephemeral::FromSeed(seed));

  net::FrameReader reader(net::kMaxHandshakeFrame);
  size_t fed = 1;
  int stage = 0;  // 0: want hello, 1: want auth, 2: authenticated
  std::optional<net::FrameOpener> opener;
  std::string payload;
  for (;;) {
    ByteView body;
    const auto next = reader.Pop(body);
    if (next == net::FrameReader::Next::kOversized) return 0;  // the connection closes
    if (next == net::FrameReader::Next::kNeedMore) {
      if (fed == size) return 0;
      std::span<uint8_t> space = reader.WritableSpan();
      const size_t n = std::min(space.size(), size - fed);
      std::memcpy(space.data(), data + fed, n);
      reader.Commit(n);
      fed += n;
      continue;
    }
    const std::string_view text = AsChars(body);
    if (stage == 0) {
      if (handshake.OnPeerHello(text).has_value()) return 0;
      FUZZ_CHECK(handshake.peer() >= 0 && handshake.peer() < 4 && handshake.peer() != self);
      FUZZ_CHECK(!handshake.auth().empty());
      stage = 1;
    } else if (stage == 1) {
      if (handshake.OnPeerAuth(text).has_value()) return 0;
      opener.emplace(handshake.keys().rx);
      reader.set_max_body(size_t{16} << 20);
      stage = 2;
    } else {
      if (!opener->Open(body, payload)) return 0;
      FUZZ_CHECK(payload.size() + net::kAeadTagSize == body.size());
    }
  }
}

}  // namespace
}  // namespace evchain::fuzz

// libprotobuf logs an ERROR line for every string field with invalid UTF-8 it refuses; that
// would be most of the output (and time) here. The refusal itself is what is tested.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return evchain::fuzz::Run(data, size);
}
