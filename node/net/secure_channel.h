// Sealed frames after the handshake (docs/transport.md "Frames"): each frame body is
// crypto_aead_chacha20poly1305_ietf(payload) under the direction's session key, with the nonce
// 0x00000000 || u64be(counter), counter = 0, 1, 2, ... per direction and never sent. A replayed,
// dropped, reordered or altered frame therefore fails to open.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "node/net/handshake.h"

namespace evchain::net {

inline constexpr size_t kFrameHeaderSize = 4;  // u32be body length
inline constexpr size_t kAeadTagSize = 16;

// Appends u32be(body.size()) || body. REQUIRES: body.size() < 2^32.
void AppendFrame(Bytes& out, std::string_view body);

class FrameSealer {
 public:
  explicit FrameSealer(const Key32& key) : key_(key) {}
  ~FrameSealer();
  FrameSealer(const FrameSealer&) = delete;
  FrameSealer& operator=(const FrameSealer&) = delete;
  // Appends one whole frame (header and sealed body) to `out`.
  // REQUIRES: !exhausted(); payload.size() + kAeadTagSize < 2^32.
  void Seal(std::string_view payload, Bytes& out);
  // True once 2^64 - 1 frames were sealed; the link must then be closed (never in practice).
  bool exhausted() const { return counter_ == UINT64_MAX; }

 private:
  Key32 key_;
  uint64_t counter_ = 0;
};

class FrameOpener {
 public:
  explicit FrameOpener(const Key32& key) : key_(key) {}
  ~FrameOpener();
  FrameOpener(const FrameOpener&) = delete;
  FrameOpener& operator=(const FrameOpener&) = delete;
  // Opens the next frame body into `payload`. Returns false (and leaves the counter) if it does
  // not authenticate under the next counter; the caller must close the link.
  bool Open(ByteView body, std::string& payload);

 private:
  Key32 key_;
  uint64_t counter_ = 0;
};

}  // namespace evchain::net
