// The replica's committed index fails closed (node/fail_closed_index.h): until 2026-12-07 the
// validator answered a read error as "not committed" and "nonce free", and its replica could vote
// for a block that repeats a committed deposit or reuses a nonce.
#include "node/fail_closed_index.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace evchain::node {
namespace {

Hash32 Id(uint8_t b) {
  Hash32 h{};
  h[0] = b;
  return h;
}

TEST_CASE("a committed index that cannot be read answers committed and nonce taken") {
  bool fail = false;
  std::vector<std::string> errors;
  FailClosedIndex index(
      [&](const Hash32& id) -> Result<std::optional<uint64_t>> {
        if (fail) return Status::Error("io_error", "read error on the index store");
        return id == Id(1) ? std::optional<uint64_t>(7) : std::nullopt;
      },
      [&](const std::string&, const std::string& nonce) -> Result<std::optional<Hash32>> {
        if (fail) return Status::Error("io_error", "read error on the index store");
        return nonce == "n1" ? std::optional<Hash32>(Id(1)) : std::nullopt;
      },
      [&](const Status& s) { errors.push_back(s.code()); });
  CHECK(index.Contains(Id(1)));
  CHECK_FALSE(index.Contains(Id(2)));
  CHECK(index.NonceOwner("platform", "n1") == Id(1));
  CHECK_FALSE(index.NonceOwner("platform", "n2").has_value());
  CHECK(errors.empty());

  fail = true;
  CHECK(index.Contains(Id(2)));
  const std::optional<Hash32> owner = index.NonceOwner("platform", "n2");
  REQUIRE(owner.has_value());
  CHECK(*owner != Id(2));
  CHECK(*owner == FailClosedIndex::UnreadableOwner());
  CHECK(errors == std::vector<std::string>{"io_error", "io_error"});
}

}  // namespace
}  // namespace evchain::node
