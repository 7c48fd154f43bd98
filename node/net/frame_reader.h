// Splits a TCP byte stream into frames: u32be length || body (docs/transport.md "Frames").
// A declared length above the limit is reported before any buffer is sized for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/bytes.h"

namespace evchain::net {

class FrameReader {
 public:
  enum class Next { kFrame, kNeedMore, kOversized };

  explicit FrameReader(size_t max_body) : max_body_(max_body) {}
  // Takes effect for frames not yet started (the handshake uses a smaller limit).
  void set_max_body(size_t max_body) { max_body_ = max_body; }

  // Free space to read into: at least what the current frame still needs (when its length is
  // known and allowed), at least kReadChunk otherwise.
  std::span<uint8_t> WritableSpan();
  // Records that `n` bytes were written at the start of the last WritableSpan.
  void Commit(size_t n) { end_ += n; }
  // kFrame: `body` views the next frame's body, valid until the next WritableSpan call.
  // kOversized: the declared length exceeds the limit; the stream is unusable.
  Next Pop(ByteView& body);
  // Bytes currently held (a test hook for "never allocates an oversized frame").
  size_t capacity() const { return buf_.capacity(); }

  static constexpr size_t kReadChunk = size_t{64} * 1024;
  // An empty buffer larger than this is released.
  static constexpr size_t kKeepCapacity = size_t{1024} * 1024;

 private:
  size_t max_body_;
  std::vector<uint8_t> buf_;
  size_t begin_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // one past the last received byte
};

}  // namespace evchain::net
