#include "node/net/handshake.h"

#include <doctest/doctest.h>
#include <google/protobuf/stubs/logging.h>

#include <fstream>
#include <map>
#include <sstream>

#include "common/encoding.h"
#include "node/net/secure_channel.h"
#include "proto/wire.pb.h"
#include "tests/net/net_test_util.h"

namespace evchain::net {
namespace {

using testing::TestGenesis;
using testing::ValidatorKey;

Key32 Fill(uint8_t b) {
  Key32 k;
  k.fill(b);
  return k;
}

Bytes Frame(std::string_view body) {
  Bytes out;
  AppendFrame(out, body);
  return out;
}

// A full handshake between two in-memory sides.
struct HandshakePair {
  genesis::Genesis genesis = TestGenesis(4);
  crypto::SecretKey key0 = ValidatorKey(0);
  crypto::SecretKey key1 = ValidatorKey(1);
  HandshakeContext ctx0{&genesis, 0, &key0};
  HandshakeContext ctx1{&genesis, 1, &key1};
};

TEST_CASE("both sides derive matching keys and authenticate each other") {
  HandshakePair p;
  Handshake a(p.ctx0, Role::kInitiator, 1, Ephemeral::Generate());
  Handshake b(p.ctx1, Role::kResponder, -1, Ephemeral::Generate());
  REQUIRE_FALSE(b.OnPeerHello(a.hello()));
  REQUIRE_FALSE(a.OnPeerHello(b.hello()));
  CHECK(a.peer() == 1);
  CHECK(b.peer() == 0);
  CHECK(a.transcript() == b.transcript());
  REQUIRE_FALSE(a.OnPeerAuth(b.auth()));
  REQUIRE_FALSE(b.OnPeerAuth(a.auth()));
  CHECK(a.keys().tx == b.keys().rx);
  CHECK(a.keys().rx == b.keys().tx);
  CHECK(a.keys().tx != a.keys().rx);
}

TEST_CASE("hello checks: version, chain, genesis, index, key") {
  HandshakePair p;
  Handshake b(p.ctx1, Role::kResponder, -1, Ephemeral::Generate());
  auto hello_from = [&](auto edit) {
    HelloFields h;
    h.chain_id = p.genesis.chain_id;
    h.genesis_hash = p.genesis.hash;
    h.validator_index = 0;
    h.validator_key = p.key0.public_key();
    h.ephemeral_key = Ephemeral::Generate().public_key();
    edit(h);
    return EncodeHello(h);
  };
  auto reason = [&](auto edit) {
    Handshake fresh(p.ctx1, Role::kResponder, -1, Ephemeral::Generate());
    return fresh.OnPeerHello(hello_from(edit));
  };
  CHECK_FALSE(reason([](HelloFields&) {}));
  CHECK(reason([](HelloFields& h) { h.version = 2; }) == RejectReason::kVersion);
  CHECK(reason([](HelloFields& h) { h.chain_id = "other"; }) == RejectReason::kWrongChain);
  CHECK(reason([](HelloFields& h) { h.genesis_hash[0] ^= 1; }) == RejectReason::kWrongGenesis);
  CHECK(reason([](HelloFields& h) { h.validator_index = 4; }) == RejectReason::kUnknownValidator);
  CHECK(reason([](HelloFields& h) { h.validator_index = 1; }) == RejectReason::kUnknownValidator);
  CHECK(reason([](HelloFields& h) { h.validator_key = ValidatorKey(0, 50).public_key(); }) ==
        RejectReason::kUnknownKey);
  CHECK(b.OnPeerHello("\xff\xff garbage") == RejectReason::kMalformed);

  // A dialer only accepts the validator it dialed.
  Handshake dialer(p.ctx1, Role::kInitiator, 2, Ephemeral::Generate());
  CHECK(dialer.OnPeerHello(hello_from([](HelloFields&) {})) == RejectReason::kUnknownValidator);
}

TEST_CASE("a recorded auth cannot be replayed into a new handshake") {
  HandshakePair p;
  Handshake a(p.ctx0, Role::kInitiator, 1, Ephemeral::Generate());
  Handshake b(p.ctx1, Role::kResponder, -1, Ephemeral::Generate());
  REQUIRE_FALSE(b.OnPeerHello(a.hello()));
  REQUIRE_FALSE(a.OnPeerHello(b.hello()));
  std::string recorded_hello = a.hello();
  std::string recorded_auth = a.auth();
  REQUIRE_FALSE(b.OnPeerAuth(recorded_auth));

  // Same bytes again: the responder's fresh ephemeral changes the transcript.
  Handshake b2(p.ctx1, Role::kResponder, -1, Ephemeral::Generate());
  REQUIRE_FALSE(b2.OnPeerHello(recorded_hello));
  CHECK(b2.OnPeerAuth(recorded_auth) == RejectReason::kBadSignature);
  CHECK(b2.OnPeerAuth("\x0a\x01x") == RejectReason::kMalformed);
}

TEST_CASE("a signature made as responder is refused as initiator (role binding)") {
  HandshakePair p;
  Handshake a(p.ctx0, Role::kInitiator, 1, Ephemeral::Generate());
  Handshake b(p.ctx1, Role::kResponder, -1, Ephemeral::Generate());
  REQUIRE_FALSE(b.OnPeerHello(a.hello()));
  REQUIRE_FALSE(a.OnPeerHello(b.hello()));
  // Validator 0 signs the right transcript but claims the wrong role.
  std::string wrong_role = EncodeAuth(p.key0.Sign(AuthMessage(Role::kResponder, a.transcript())));
  CHECK(b.OnPeerAuth(wrong_role) == RejectReason::kBadSignature);
}

// Reads "name = hex" lines from the vector block of docs/transport.md.
std::map<std::string, std::string> DocVectors() {
  std::ifstream in(std::string(EVCHAIN_SOURCE_DIR) + "/docs/transport.md");
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name, eq, hex;
    if (words >> name >> eq >> hex && eq == "=" && name.rfind("vec.", 0) == 0) out[name] = hex;
  }
  return out;
}

// What libprotobuf logs while it lives: its log handler, for the lifetime of the object.
class ProtobufLog {
 public:
  ProtobufLog() { previous_ = google::protobuf::SetLogHandler(&ProtobufLog::Handle); }
  ~ProtobufLog() { google::protobuf::SetLogHandler(previous_); }
  static std::vector<std::string>& lines() {
    static std::vector<std::string> lines;
    return lines;
  }

 private:
  static void Handle(google::protobuf::LogLevel, const char*, int, const std::string& message) {
    lines().push_back(message);
  }
  google::protobuf::LogHandler* previous_ = nullptr;
};

TEST_CASE("a hello whose chain id is not UTF-8 is refused without a log line") {
  // Anyone may connect and send a hello. libprotobuf logs an ERROR line for every string field
  // it refuses as invalid UTF-8, so before 2026-12-07 a stranger wrote one line to the node's
  // log per connection, as fast as it could connect (docs/reliability.md "Fuzzing"). Such a
  // hello is refused as `malformed` (counted, and tallied by source address) before libprotobuf
  // sees it.
  HandshakePair p;
  crypto::SecretKey stranger_key = ValidatorKey(1);
  HelloFields fields;
  fields.chain_id = "net-test\xff\xfe";
  fields.genesis_hash = p.genesis.hash;
  fields.validator_index = 1;
  fields.validator_key = stranger_key.public_key();
  fields.ephemeral_key = Fill(7);
  wire::Hello hello;
  hello.set_version(1);
  hello.set_genesis_hash(std::string(AsChars(ByteView(fields.genesis_hash))));
  hello.set_validator_index(1);
  hello.set_validator_key(std::string(AsChars(ByteView(fields.validator_key))));
  hello.set_ephemeral_key(std::string(AsChars(ByteView(fields.ephemeral_key))));
  std::string body = hello.SerializeAsString();
  // Field 2 (chain_id) as raw bytes, which the generated setter would not check either.
  body += std::string("\x12\x0a") + fields.chain_id;

  ProtobufLog log;
  ProtobufLog::lines().clear();
  Handshake responder(p.ctx0, Role::kResponder, -1, Ephemeral::Generate());
  CHECK(responder.OnPeerHello(body) == RejectReason::kMalformed);
  CHECK_FALSE(DecodeHello(body));
  CHECK(ProtobufLog::lines().empty());

  // A chain id in valid UTF-8 that is not ours still decodes, for the log's "of chain ...".
  body = hello.SerializeAsString() + std::string("\x12\x0a") + "net-test\xc3\xa9";
  std::optional<HelloFields> other = DecodeHello(body);
  REQUIRE(other);
  CHECK(other->chain_id == "net-test\xc3\xa9");
  CHECK(responder.OnPeerHello(body) == RejectReason::kWrongChain);
  CHECK(ProtobufLog::lines().empty());
}

TEST_CASE("test vector in docs/transport.md") {
  genesis::Genesis g;
  g.chain_id = "evchain-vector";
  g.hash = crypto::Sha256("evchain-vector genesis");
  crypto::SecretKey key0 = crypto::SecretKey::FromSeed(Fill(0x01));
  crypto::SecretKey key1 = crypto::SecretKey::FromSeed(Fill(0x02));
  for (const auto* key : {&key0, &key1}) {
    genesis::Validator v;
    v.public_key = key->public_key();
    g.validators.push_back(v);
  }
  HandshakeContext ctx0{&g, 0, &key0};
  HandshakeContext ctx1{&g, 1, &key1};
  Handshake a(ctx0, Role::kInitiator, 1, Ephemeral::FromSeed(Fill(0x11)));
  Handshake b(ctx1, Role::kResponder, -1, Ephemeral::FromSeed(Fill(0x22)));
  REQUIRE_FALSE(b.OnPeerHello(a.hello()));
  REQUIRE_FALSE(a.OnPeerHello(b.hello()));
  REQUIRE_FALSE(a.OnPeerAuth(b.auth()));
  REQUIRE_FALSE(b.OnPeerAuth(a.auth()));
  Bytes data;
  FrameSealer(a.keys().tx).Seal("hello, validator 1", data);

  std::map<std::string, std::string> computed = {
      {"vec.genesis_hash", ToHex(g.hash)},
      {"vec.initiator_hello_frame", ToHex(Frame(a.hello()))},
      {"vec.responder_hello_frame", ToHex(Frame(b.hello()))},
      {"vec.transcript", ToHex(a.transcript())},
      {"vec.initiator_auth_frame", ToHex(Frame(a.auth()))},
      {"vec.responder_auth_frame", ToHex(Frame(b.auth()))},
      {"vec.initiator_to_responder_key", ToHex(ByteView(a.keys().tx))},
      {"vec.responder_to_initiator_key", ToHex(ByteView(b.keys().tx))},
      {"vec.first_data_frame", ToHex(data)},
  };
  std::map<std::string, std::string> documented = DocVectors();
  // A plain pair, not a structured binding: doctest's INFO captures it in a lambda, which
  // clang 14 does not allow for bindings.
  for (const auto& entry : computed) {
    INFO(entry.first << " = " << entry.second);
    CHECK(documented[entry.first] == entry.second);
  }
  // The data frame opens with the responder's receive key.
  std::string payload;
  REQUIRE(FrameOpener(b.keys().rx).Open(ByteView(data).subspan(kFrameHeaderSize), payload));
  CHECK(payload == "hello, validator 1");
}

}  // namespace
}  // namespace evchain::net
