// Fuzzes node/net FrameReader, which splits a peer's TCP byte stream into frames
// (docs/transport.md "Frames"). Input: u16be max body || u8 chunk sizes... || 0xff || stream.
// The stream is fed in reads of the given sizes, and every frame popped must equal what a
// reference splitter finds; an over-long declared length must be reported, never buffered.
#include <algorithm>
#include <cstring>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "node/net/frame_reader.h"
#include "node/net/secure_channel.h"

using evchain::ByteView;
using evchain::net::FrameReader;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max_body = (size_t{data[0]} << 8) | data[1];
  size_t pos = 2;
  std::vector<size_t> chunks;
  while (pos < size && data[pos] != 0xff && chunks.size() < 64) chunks.push_back(data[pos++] + 1);
  if (pos < size) ++pos;  // the 0xff separator
  const uint8_t* stream = data + pos;
  const size_t stream_size = size - pos;

  // Reference: the frames a correct reader yields, and whether it stops at an oversized one.
  std::vector<std::vector<uint8_t>> expected;
  bool expect_oversized = false;
  for (size_t at = 0; at + 4 <= stream_size;) {
    const size_t length = evchain::GetU32BE(stream + at);
    if (length > max_body) {
      expect_oversized = true;
      break;
    }
    if (at + 4 + length > stream_size) break;
    expected.emplace_back(stream + at + 4, stream + at + 4 + length);
    at += 4 + length;
  }

  FrameReader reader(max_body);
  size_t fed = 0;
  size_t popped = 0;
  size_t next_chunk = 0;
  bool oversized = false;
  while (!oversized) {
    // Pop everything available before reading more, as Connection does.
    for (;;) {
      ByteView body;
      const FrameReader::Next next = reader.Pop(body);
      if (next == FrameReader::Next::kNeedMore) break;
      if (next == FrameReader::Next::kOversized) {
        oversized = true;
        break;
      }
      FUZZ_CHECK(popped < expected.size());
      FUZZ_CHECK(body.size() == expected[popped].size());
      FUZZ_CHECK(std::equal(body.begin(), body.end(), expected[popped].begin()));
      ++popped;
    }
    if (oversized || fed == stream_size) break;
    std::span<uint8_t> space = reader.WritableSpan();
    FUZZ_CHECK(!space.empty());
    // The buffer holds at most one allowed frame plus read chunks, whatever the peer declares.
    FUZZ_CHECK(reader.capacity() <=
               2 * (evchain::net::kFrameHeaderSize + max_body + FrameReader::kReadChunk) +
                   FrameReader::kKeepCapacity);
    size_t n = chunks.empty() ? space.size() : chunks[next_chunk++ % chunks.size()];
    n = std::min({n, space.size(), stream_size - fed});
    std::memcpy(space.data(), stream + fed, n);
    reader.Commit(n);
    fed += n;
  }
  FUZZ_CHECK(popped == expected.size());
  FUZZ_CHECK(oversized == expect_oversized);
  return 0;
}
