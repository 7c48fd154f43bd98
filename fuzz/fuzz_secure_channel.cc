// Fuzzes sealed frames (node/net/secure_channel.h, docs/transport.md "Frames") under a fixed
// session key. Input: a sequence of u8 op || u16be length || bytes. Op bit 0 set: seal the bytes
// and check that the receiving side opens them back exactly; clear: hand the bytes to the
// receiving side as a frame body from the peer, which must refuse anything it cannot
// authenticate under its next counter and leave that counter unchanged.
#include <string>

#include "fuzz/fuzz_util.h"
#include "node/net/secure_channel.h"

namespace evchain::fuzz {
namespace {

const net::Key32 kKey = [] {
  net::Key32 k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(0xa0 + i);
  return k;
}();

int Run(const uint8_t* data, size_t size) {
  net::FrameSealer sealer(kKey);  // what the honest peer sends
  net::FrameSealer shadow(kKey);  // a copy of the peer's counter, to predict accepted frames
  net::FrameOpener opener(kKey);  // our receiving side
  size_t pos = 0;
  std::string payload;
  while (pos + 3 <= size) {
    const uint8_t op = data[pos];
    size_t length = (size_t{data[pos + 1]} << 8) | data[pos + 2];
    pos += 3;
    length = std::min(length, size - pos);
    const std::string_view bytes = AsText(data + pos, length);
    pos += length;
    if (op & 1) {
      Bytes frame;
      sealer.Seal(bytes, frame);
      Bytes expected_frame;
      shadow.Seal(bytes, expected_frame);
      FUZZ_CHECK(frame == expected_frame);
      FUZZ_CHECK(frame.size() == net::kFrameHeaderSize + bytes.size() + net::kAeadTagSize);
      FUZZ_CHECK(GetU32BE(frame.data()) == frame.size() - net::kFrameHeaderSize);
      const ByteView body(frame.data() + net::kFrameHeaderSize,
                          frame.size() - net::kFrameHeaderSize);
      FUZZ_CHECK(opener.Open(body, payload));
      FUZZ_CHECK(payload == bytes);
    } else {
      // A forged body: only a replay of nothing can open (the fuzzer cannot forge a tag), and a
      // refusal must not advance the counter: the next honest frame still opens.
      if (opener.Open(AsBytes(bytes), payload)) {
        // Possible only if the fuzzer reproduced the next sealed frame; then keep in step.
        Bytes ignored;
        sealer.Seal(payload, ignored);
        shadow.Seal(payload, ignored);
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace evchain::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return evchain::fuzz::Run(data, size);
}
