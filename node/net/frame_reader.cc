#include "node/net/frame_reader.h"

#include <algorithm>
#include <cstring>

#include "node/net/secure_channel.h"

namespace evchain::net {

std::span<uint8_t> FrameReader::WritableSpan() {
  size_t held = end_ - begin_;
  if (held == 0 && buf_.size() > kKeepCapacity) {
    buf_ = std::vector<uint8_t>();  // release the memory of a past big frame
    begin_ = end_ = 0;
  }
  size_t want = kReadChunk;
  if (held >= kFrameHeaderSize) {
    size_t length = GetU32BE(buf_.data() + begin_);
    // Only a frame that is allowed and incomplete sizes the buffer.
    if (length <= max_body_ && held < kFrameHeaderSize + length) {
      want = std::max(want, kFrameHeaderSize + length - held);
    }
  }
  if (buf_.size() - end_ < want) {
    // Move the partial frame to the front before growing, so the buffer stays one frame plus a
    // read chunk.
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, held);
      begin_ = 0;
      end_ = held;
    }
    if (buf_.size() - end_ < want) buf_.resize(end_ + want);
  }
  return {buf_.data() + end_, buf_.size() - end_};
}

FrameReader::Next FrameReader::Pop(ByteView& body) {
  size_t held = end_ - begin_;
  if (held < kFrameHeaderSize) return Next::kNeedMore;
  size_t length = GetU32BE(buf_.data() + begin_);
  if (length > max_body_) return Next::kOversized;
  if (held < kFrameHeaderSize + length) return Next::kNeedMore;
  body = ByteView(buf_.data() + begin_ + kFrameHeaderSize, length);
  begin_ += kFrameHeaderSize + length;
  if (begin_ == end_) begin_ = end_ = 0;  // body stays valid: nothing is overwritten until read
  return Next::kFrame;
}

}  // namespace evchain::net
