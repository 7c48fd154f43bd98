// The peer-link handshake (docs/transport.md "Handshake"): hello and auth messages, transcript,
// signatures and the session key schedule. Pure: no sockets, no clocks; the connection feeds it
// frame bodies and sends what it returns.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/ed25519.h"
#include "genesis/genesis.h"
#include "node/net/stats.h"

namespace evchain::net {

inline constexpr uint32_t kProtocolVersion = 1;
// Largest handshake frame body accepted before the peer is authenticated, so an unknown peer
// cannot make us allocate more than this.
inline constexpr size_t kMaxHandshakeFrame = 1024;

using Key32 = std::array<uint8_t, 32>;

// Who opened the TCP connection. The initiator is the crypto_kx "client".
enum class Role { kInitiator, kResponder };

// A crypto_kx (X25519) key pair used for one connection only, then wiped.
class Ephemeral {
 public:
  static Ephemeral Generate();
  // Deterministic key pair (crypto_kx_seed_keypair); for test vectors only.
  static Ephemeral FromSeed(const Key32& seed);
  Ephemeral(const Ephemeral&) = delete;
  Ephemeral& operator=(const Ephemeral&) = delete;
  Ephemeral(Ephemeral&&) noexcept;
  Ephemeral& operator=(Ephemeral&&) noexcept;
  ~Ephemeral();

  const Key32& public_key() const { return public_key_; }
  const Key32& secret_key() const { return secret_key_; }

 private:
  Ephemeral() = default;
  Key32 public_key_{};
  Key32 secret_key_{};
};

// Keys for one connection's two directions (crypto_aead_chacha20poly1305_ietf).
struct SessionKeys {
  Key32 tx{};  // seals what we send
  Key32 rx{};  // opens what we receive
};

// What a validator knows about itself and the chain. REQUIRES: pointees outlive the users.
struct HandshakeContext {
  const genesis::Genesis* genesis = nullptr;
  int self = -1;  // own index in genesis->validators
  const crypto::SecretKey* key = nullptr;
};

// One handshake, one side. Usage: send hello(); feed the peer's first frame to OnPeerHello and
// send auth(); feed the peer's second frame to OnPeerAuth; then use keys().
class Handshake {
 public:
  // `expected_peer` is the validator we dialed (initiator), or -1 for an inbound connection.
  Handshake(const HandshakeContext& context, Role role, int expected_peer, Ephemeral ephemeral);
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;
  ~Handshake();  // wipes the session keys

  // Our hello frame body (wire.Hello protobuf).
  const std::string& hello() const { return own_hello_; }
  // Checks the peer's hello: version, chain id, genesis hash, index (known, not ourselves, the one
  // we dialed) and that its key is that index's genesis key. nullopt when accepted; then auth() is
  // ready and peer() is known.
  std::optional<RejectReason> OnPeerHello(std::string_view body);
  // REQUIRES: OnPeerHello accepted.
  const std::string& auth() const { return own_auth_; }
  int peer() const { return peer_; }
  // Verifies the peer's signature over the transcript with its role; nullopt when accepted; then
  // keys() holds the session keys.
  std::optional<RejectReason> OnPeerAuth(std::string_view body);
  // REQUIRES: OnPeerAuth accepted.
  const SessionKeys& keys() const { return keys_; }
  const Hash32& transcript() const { return transcript_; }

 private:
  HandshakeContext context_;
  Role role_;
  int expected_peer_;
  Ephemeral ephemeral_;
  std::string own_hello_;
  std::string own_auth_;
  int peer_ = -1;
  Key32 peer_ephemeral_{};
  Hash32 transcript_{};
  SessionKeys keys_{};
};

// Building blocks, public for the test vectors in docs/transport.md.
struct HelloFields {
  uint32_t version = kProtocolVersion;
  std::string chain_id;
  Hash32 genesis_hash{};
  uint32_t validator_index = 0;
  crypto::PublicKey validator_key{};
  Key32 ephemeral_key{};
};
std::string EncodeHello(const HelloFields& hello);
// nullopt unless it parses and the three keys/hashes are exactly 32 bytes.
std::optional<HelloFields> DecodeHello(std::string_view body);
// SHA-256("evchain-p2p-transcript/1" || u32be(len) || initiator hello || u32be(len) || responder
// hello), over the exact hello bytes sent.
Hash32 TranscriptHash(std::string_view initiator_hello, std::string_view responder_hello);
// The bytes each side signs: "evchain-p2p-auth/1 initiator\n" or "... responder\n", then the
// 32-byte transcript hash.
Bytes AuthMessage(Role signer, const Hash32& transcript);
std::string EncodeAuth(const crypto::Signature& signature);
std::optional<crypto::Signature> DecodeAuth(std::string_view body);
// crypto_kx session keys over the ephemerals, each then bound to the transcript:
// key = BLAKE2b-256(key = kx key, message = transcript). nullopt if the peer's X25519 key is
// degenerate.
std::optional<SessionKeys> DeriveSessionKeys(Role role, const Ephemeral& own,
                                             const Key32& peer_ephemeral, const Hash32& transcript);

}  // namespace evchain::net
