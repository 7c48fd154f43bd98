#include "node/net/handshake.h"

#include <google/protobuf/unknown_field_set.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "crypto/sha256.h"
#include "crypto/sodium_init.h"
#include "proto/wire.pb.h"

namespace evchain::net {

namespace {

constexpr std::string_view kTranscriptLabel = "evchain-p2p-transcript/1";

template <size_t N>
bool CopyExact(const std::string& from, std::array<uint8_t, N>& to) {
  if (from.size() != N) return false;
  std::memcpy(to.data(), from.data(), N);
  return true;
}

std::string AsString(ByteView b) { return std::string(AsChars(b)); }

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF (what libprotobuf
// accepts in a proto3 string, or stricter).
bool ValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
    const uint8_t b = byte(i);
    size_t more = 0;
    uint8_t low = 0x80, high = 0xbf;  // the range of the byte after the lead
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      more = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      more = 2;
      if (b == 0xe0) low = 0xa0;
      if (b == 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      more = 3;
      if (b == 0xf0) low = 0x90;
      if (b == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (i + more >= text.size()) return false;
    if (byte(i + 1) < low || byte(i + 1) > high) return false;
    for (size_t k = 2; k <= more; ++k) {
      if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return false;
    }
    i += more + 1;
  }
  return true;
}

// libprotobuf logs an ERROR line for each proto3 string field it refuses as invalid UTF-8, and
// anyone can send us a hello: its one string field (chain_id, 2) is checked here first, on the
// wire format, so such a hello is refused without a line in the log.
bool ChainIdIsUtf8(std::string_view body) {
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(body.data(), static_cast<int>(body.size()))) return false;
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& field = fields.field(i);
    if (field.number() == 2 &&
        field.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED &&
        !ValidUtf8(field.length_delimited())) {
      return false;
    }
  }
  return true;
}

}  // namespace

Ephemeral Ephemeral::Generate() {
  crypto::EnsureSodium();
  Ephemeral e;
  crypto_kx_keypair(e.public_key_.data(), e.secret_key_.data());
  return e;
}

Ephemeral Ephemeral::FromSeed(const Key32& seed) {
  crypto::EnsureSodium();
  Ephemeral e;
  crypto_kx_seed_keypair(e.public_key_.data(), e.secret_key_.data(), seed.data());
  return e;
}

Ephemeral::Ephemeral(Ephemeral&& other) noexcept
    : public_key_(other.public_key_), secret_key_(other.secret_key_) {
  sodium_memzero(other.secret_key_.data(), other.secret_key_.size());
}

Ephemeral& Ephemeral::operator=(Ephemeral&& other) noexcept {
  public_key_ = other.public_key_;
  secret_key_ = other.secret_key_;
  sodium_memzero(other.secret_key_.data(), other.secret_key_.size());
  return *this;
}

Ephemeral::~Ephemeral() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

std::string EncodeHello(const HelloFields& hello) {
  wire::Hello msg;
  msg.set_version(hello.version);
  msg.set_chain_id(hello.chain_id);
  msg.set_genesis_hash(AsString(hello.genesis_hash));
  msg.set_validator_index(hello.validator_index);
  msg.set_validator_key(AsString(hello.validator_key));
  msg.set_ephemeral_key(AsString(hello.ephemeral_key));
  return msg.SerializeAsString();
}

std::optional<HelloFields> DecodeHello(std::string_view body) {
  if (!ChainIdIsUtf8(body)) return std::nullopt;
  wire::Hello msg;
  if (!msg.ParseFromArray(body.data(), static_cast<int>(body.size()))) return std::nullopt;
  HelloFields hello;
  hello.version = msg.version();
  hello.chain_id = msg.chain_id();
  hello.validator_index = msg.validator_index();
  if (!CopyExact(msg.genesis_hash(), hello.genesis_hash) ||
      !CopyExact(msg.validator_key(), hello.validator_key) ||
      !CopyExact(msg.ephemeral_key(), hello.ephemeral_key)) {
    return std::nullopt;
  }
  return hello;
}

Hash32 TranscriptHash(std::string_view initiator_hello, std::string_view responder_hello) {
  Bytes data;
  Append(data, kTranscriptLabel);
  PutU32BE(data, static_cast<uint32_t>(initiator_hello.size()));
  Append(data, initiator_hello);
  PutU32BE(data, static_cast<uint32_t>(responder_hello.size()));
  Append(data, responder_hello);
  return crypto::Sha256(data);
}

Bytes AuthMessage(Role signer, const Hash32& transcript) {
  Bytes msg;
  Append(msg, signer == Role::kInitiator ? std::string_view("evchain-p2p-auth/1 initiator\n")
                                         : std::string_view("evchain-p2p-auth/1 responder\n"));
  Append(msg, ByteView(transcript));
  return msg;
}

std::string EncodeAuth(const crypto::Signature& signature) {
  wire::Auth msg;
  msg.set_signature(AsString(signature));
  return msg.SerializeAsString();
}

std::optional<crypto::Signature> DecodeAuth(std::string_view body) {
  wire::Auth msg;
  crypto::Signature signature{};
  if (!msg.ParseFromArray(body.data(), static_cast<int>(body.size())) ||
      !CopyExact(msg.signature(), signature)) {
    return std::nullopt;
  }
  return signature;
}

std::optional<SessionKeys> DeriveSessionKeys(Role role, const Ephemeral& own,
                                             const Key32& peer_ephemeral,
                                             const Hash32& transcript) {
  crypto::EnsureSodium();
  SessionKeys kx;
  int rc = role == Role::kInitiator
               ? crypto_kx_client_session_keys(kx.rx.data(), kx.tx.data(), own.public_key().data(),
                                               own.secret_key().data(), peer_ephemeral.data())
               : crypto_kx_server_session_keys(kx.rx.data(), kx.tx.data(), own.public_key().data(),
                                               own.secret_key().data(), peer_ephemeral.data());
  if (rc != 0) return std::nullopt;
  SessionKeys keys;
  crypto_generichash(keys.tx.data(), keys.tx.size(), transcript.data(), transcript.size(),
                     kx.tx.data(), kx.tx.size());
  crypto_generichash(keys.rx.data(), keys.rx.size(), transcript.data(), transcript.size(),
                     kx.rx.data(), kx.rx.size());
  sodium_memzero(&kx, sizeof(kx));
  return keys;
}

Handshake::Handshake(const HandshakeContext& context, Role role, int expected_peer,
                     Ephemeral ephemeral)
    : context_(context),
      role_(role),
      expected_peer_(expected_peer),
      ephemeral_(std::move(ephemeral)) {
  HelloFields hello;
  hello.chain_id = context_.genesis->chain_id;
  hello.genesis_hash = context_.genesis->hash;
  hello.validator_index = static_cast<uint32_t>(context_.self);
  hello.validator_key = context_.key->public_key();
  hello.ephemeral_key = ephemeral_.public_key();
  own_hello_ = EncodeHello(hello);
}

Handshake::~Handshake() { sodium_memzero(&keys_, sizeof(keys_)); }

std::optional<RejectReason> Handshake::OnPeerHello(std::string_view body) {
  std::optional<HelloFields> hello = DecodeHello(body);
  if (!hello) return RejectReason::kMalformed;
  if (hello->version != kProtocolVersion) return RejectReason::kVersion;
  const genesis::Genesis& g = *context_.genesis;
  if (hello->chain_id != g.chain_id) return RejectReason::kWrongChain;
  if (hello->genesis_hash != g.hash) return RejectReason::kWrongGenesis;
  if (hello->validator_index >= g.validators.size()) return RejectReason::kUnknownValidator;
  int index = static_cast<int>(hello->validator_index);
  if (index == context_.self || (expected_peer_ >= 0 && index != expected_peer_)) {
    return RejectReason::kUnknownValidator;
  }
  if (hello->validator_key != g.validators[index].public_key) return RejectReason::kUnknownKey;

  peer_ = index;
  peer_ephemeral_ = hello->ephemeral_key;
  transcript_ = role_ == Role::kInitiator ? TranscriptHash(own_hello_, body)
                                          : TranscriptHash(body, own_hello_);
  own_auth_ = EncodeAuth(context_.key->Sign(AuthMessage(role_, transcript_)));
  return std::nullopt;
}

std::optional<RejectReason> Handshake::OnPeerAuth(std::string_view body) {
  std::optional<crypto::Signature> signature = DecodeAuth(body);
  if (!signature) return RejectReason::kMalformed;
  Role peer_role = role_ == Role::kInitiator ? Role::kResponder : Role::kInitiator;
  const crypto::PublicKey& peer_key = context_.genesis->validators[peer_].public_key;
  if (!crypto::Verify(peer_key, AuthMessage(peer_role, transcript_), *signature)) {
    return RejectReason::kBadSignature;
  }
  std::optional<SessionKeys> keys =
      DeriveSessionKeys(role_, ephemeral_, peer_ephemeral_, transcript_);
  if (!keys) return RejectReason::kBadKeyExchange;
  keys_ = *keys;
  return std::nullopt;
}

}  // namespace evchain::net
