// SHA-256 against the FIPS 180-4 example vectors, one-shot and streamed.
#include "crypto/sha256.h"

#include <doctest/doctest.h>

#include <string>

#include "common/encoding.h"

namespace evchain::crypto {
namespace {

constexpr std::string_view kAbc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view kEmpty =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kTwoBlockInput =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr std::string_view kTwoBlock =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

TEST_CASE("FIPS 180-4 vectors") {
  CHECK(ToHex(Sha256(std::string_view("abc"))) == kAbc);
  CHECK(ToHex(Sha256(std::string_view())) == kEmpty);
  CHECK(ToHex(Sha256(kTwoBlockInput)) == kTwoBlock);
}

TEST_CASE("streamed hashing equals one-shot hashing for every split") {
  for (size_t split = 0; split <= kTwoBlockInput.size(); ++split) {
    Sha256Stream stream;
    stream.Update(AsBytes(kTwoBlockInput.substr(0, split)));
    stream.Update(AsBytes(kTwoBlockInput.substr(split)));
    CHECK(ToHex(stream.Finish()) == kTwoBlock);
  }
  Sha256Stream empty;
  CHECK(ToHex(empty.Finish()) == kEmpty);
  // One million 'a' (FIPS 180-4 long message), fed in uneven pieces.
  const std::string chunk(999, 'a');
  Sha256Stream million;
  size_t fed = 0;
  while (fed + chunk.size() <= 1000000) {
    million.Update(AsBytes(chunk));
    fed += chunk.size();
  }
  million.Update(AsBytes(std::string(1000000 - fed, 'a')));
  CHECK(ToHex(million.Finish()) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace evchain::crypto
