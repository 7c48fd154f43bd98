#include "common/encoding.h"

#include <doctest/doctest.h>

namespace evchain {

TEST_CASE("hex round-trips and rejects upper case, odd length and non-hex") {
  Bytes b = {0x00, 0x01, 0xab, 0xff};
  CHECK(ToHex(b) == "0001abff");
  CHECK(*FromHex("0001abff") == b);
  CHECK_FALSE(FromHex("0001ABFF"));
  CHECK_FALSE(FromHex("abc"));
  CHECK_FALSE(FromHex("zz"));
  CHECK(FromHex("")->empty());
  CHECK_FALSE(Hash32FromHex("00"));
  CHECK(Hash32FromHex(std::string(64, 'a')));
}

TEST_CASE("base64 is strict standard padded RFC 4648") {
  CHECK(ToBase64(AsBytes("foobar")) == "Zm9vYmFy");
  CHECK(ToBase64(AsBytes("fo")) == "Zm8=");
  CHECK(AsChars(*FromBase64("Zm8=")) == "fo");
  CHECK_FALSE(FromBase64("Zm8"));   // missing padding
  CHECK_FALSE(FromBase64("Zm9="));  // non-zero padding bits
  CHECK_FALSE(FromBase64("Zm8= "));
  CHECK_FALSE(FromBase64("Zm-8"));
}

}  // namespace evchain
