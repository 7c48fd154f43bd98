#include "node/net/secure_channel.h"

#include <doctest/doctest.h>

#include <cstring>

#include "node/net/frame_reader.h"

namespace evchain::net {
namespace {

Key32 TestKey() {
  Key32 k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i);
  return k;
}

ByteView Body(const Bytes& frame) { return ByteView(frame).subspan(kFrameHeaderSize); }

TEST_CASE("sealed frames open in order and carry their length") {
  FrameSealer sealer(TestKey());
  FrameOpener opener(TestKey());
  for (const std::string& msg :
       std::vector<std::string>{"", "a", "consensus message", std::string(100000, 'x')}) {
    Bytes frame;
    sealer.Seal(msg, frame);
    REQUIRE(frame.size() == kFrameHeaderSize + msg.size() + kAeadTagSize);
    CHECK(GetU32BE(frame.data()) == msg.size() + kAeadTagSize);
    std::string out;
    REQUIRE(opener.Open(Body(frame), out));
    CHECK(out == msg);
  }
}

TEST_CASE("a flipped bit, a replay, a reorder or a wrong key fails to open") {
  FrameSealer sealer(TestKey());
  Bytes f0, f1;
  sealer.Seal("first", f0);
  sealer.Seal("second", f1);
  std::string out;
  {
    FrameOpener opener(TestKey());
    Bytes tampered = f0;
    tampered[kFrameHeaderSize + 2] ^= 0x01;
    CHECK_FALSE(opener.Open(Body(tampered), out));
    CHECK(out.empty());
    REQUIRE(opener.Open(Body(f0), out));      // counter did not move on failure
    CHECK_FALSE(opener.Open(Body(f0), out));  // replay
    REQUIRE(opener.Open(Body(f1), out));
    CHECK(out == "second");
  }
  {
    FrameOpener opener(TestKey());
    CHECK_FALSE(opener.Open(Body(f1), out));  // reordered: f1 under counter 0
  }
  {
    Key32 other = TestKey();
    other[0] ^= 1;
    FrameOpener opener(other);
    CHECK_FALSE(opener.Open(Body(f0), out));
  }
  FrameOpener opener(TestKey());
  CHECK_FALSE(opener.Open(ByteView(f0).subspan(0, 10), out));  // shorter than a tag
}

// Feeds `bytes` to the reader in pieces of `step`.
void Feed(FrameReader& reader, const Bytes& bytes, size_t from, size_t to) {
  while (from < to) {
    std::span<uint8_t> space = reader.WritableSpan();
    size_t n = std::min(space.size(), to - from);
    std::memcpy(space.data(), bytes.data() + from, n);
    reader.Commit(n);
    from += n;
  }
}

TEST_CASE("frame reader reassembles frames split anywhere") {
  Bytes stream;
  std::vector<std::string> bodies = {"x", "", std::string(200000, 'y'), "tail"};
  for (const auto& b : bodies) AppendFrame(stream, b);
  for (size_t step : {size_t{1}, size_t{3}, size_t{4096}, stream.size()}) {
    FrameReader reader(1 << 20);
    std::vector<std::string> got;
    for (size_t at = 0; at < stream.size(); at += step) {
      Feed(reader, stream, at, std::min(stream.size(), at + step));
      ByteView body;
      FrameReader::Next next;
      while ((next = reader.Pop(body)) == FrameReader::Next::kFrame) {
        got.emplace_back(AsChars(body));
      }
      REQUIRE(next == FrameReader::Next::kNeedMore);
    }
    CHECK(got == bodies);
  }
}

TEST_CASE("an oversized length is refused before any buffer is sized for it") {
  FrameReader reader(1024);
  Bytes header = {0xff, 0xff, 0xff, 0xff};
  Feed(reader, header, 0, header.size());
  ByteView body;
  CHECK(reader.Pop(body) == FrameReader::Next::kOversized);
  CHECK(reader.capacity() <= FrameReader::kReadChunk);
  // One byte over the limit is already too much; exactly the limit is fine.
  FrameReader exact(1024);
  Bytes ok;
  AppendFrame(ok, std::string(1024, 'a'));
  Feed(exact, ok, 0, ok.size());
  CHECK(exact.Pop(body) == FrameReader::Next::kFrame);
  FrameReader over(1024);
  Bytes big;
  PutU32BE(big, 1025);
  Feed(over, big, 0, big.size());
  CHECK(over.Pop(body) == FrameReader::Next::kOversized);
}

}  // namespace
}  // namespace evchain::net
