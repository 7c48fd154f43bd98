// The writer's OpenSSL-backed hasher gives exactly crypto/'s SHA-256, leaf and node hashes.
#include "storage/hasher.h"

#include <doctest/doctest.h>

#include "crypto/merkle.h"
#include "crypto/sha256.h"

namespace evchain::storage {
namespace {

TEST_CASE("hasher output equals crypto's for empty, short, block-edge and long inputs") {
  Hasher hasher;
  for (size_t n : {0, 1, 55, 56, 63, 64, 65, 113, 119, 120, 1000, 5000}) {
    CAPTURE(n);
    std::string data(n, '\0');
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<char>(i * 31 + 7);
    CHECK(hasher.Sha256(data) == crypto::Sha256(data));
    CHECK(hasher.LeafHash(AsBytes(data)) == crypto::LeafHash(AsBytes(data)));
  }
  const Hash32 a = crypto::Sha256("a");
  const Hash32 b = crypto::Sha256("b");
  CHECK(hasher.NodeHash(a, b) == crypto::NodeHash(a, b));
  CHECK(hasher.NodeHash(b, a) == crypto::NodeHash(b, a));
  // RFC 6962 test vector: the empty leaf hash.
  CHECK(hasher.LeafHash({}) == crypto::LeafHash({}));
}

}  // namespace
}  // namespace evchain::storage
