#include "node/net/secure_channel.h"

#include <sodium.h>

#include <array>

namespace evchain::net {

namespace {

std::array<uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> Nonce(uint64_t counter) {
  std::array<uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<uint8_t>(counter >> (8 * (7 - i)));
  return nonce;
}

}  // namespace

void AppendFrame(Bytes& out, std::string_view body) {
  PutU32BE(out, static_cast<uint32_t>(body.size()));
  Append(out, body);
}

FrameSealer::~FrameSealer() { sodium_memzero(key_.data(), key_.size()); }

void FrameSealer::Seal(std::string_view payload, Bytes& out) {
  size_t body_size = payload.size() + kAeadTagSize;
  PutU32BE(out, static_cast<uint32_t>(body_size));
  size_t at = out.size();
  out.resize(at + body_size);
  auto nonce = Nonce(counter_++);
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(
      out.data() + at, &written, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(),
      nullptr, 0, nullptr, nonce.data(), key_.data());
}

FrameOpener::~FrameOpener() { sodium_memzero(key_.data(), key_.size()); }

bool FrameOpener::Open(ByteView body, std::string& payload) {
  if (body.size() < kAeadTagSize || counter_ == UINT64_MAX) return false;
  payload.resize(body.size() - kAeadTagSize);
  auto nonce = Nonce(counter_);
  unsigned long long written = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(reinterpret_cast<uint8_t*>(payload.data()),
                                                &written, nullptr, body.data(), body.size(),
                                                nullptr, 0, nonce.data(), key_.data()) != 0) {
    payload.clear();
    return false;
  }
  ++counter_;
  return true;
}

}  // namespace evchain::net
