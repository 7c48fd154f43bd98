#include "consensus/tentative_deposits.h"

#include <doctest/doctest.h>

#include <string>

#include "crypto/sha256.h"

namespace evchain::consensus {
namespace {

Hash32 TextId(const std::string& text) { return crypto::Sha256(text); }

Proposal BlockOf(const std::vector<std::pair<std::string, DepositorNonce>>& deposits) {
  Proposal p;
  for (const auto& [text, nonce] : deposits) {
    p.evidence_ids.push_back(TextId(text));
    p.nonces.push_back(nonce);
  }
  return p;
}

TEST_CASE("the tentative chain answers which ids it holds and who holds each nonce") {
  const Proposal lower = BlockOf({{"a", {"p", "1"}}, {"b", {"p", "2"}}, {"c", {"q", "1"}}});
  const Proposal upper = BlockOf({{"d", {"p", "3"}}, {"e", {"p", "1"}}});  // "p"/"1" again
  TentativeDeposits in_flight;
  in_flight.Add(lower);
  in_flight.Add(upper);
  in_flight.Seal();

  for (const char* held : {"a", "b", "c", "d", "e"}) CHECK(in_flight.HasId(TextId(held)));
  CHECK_FALSE(in_flight.HasId(TextId("f")));

  // The first holder of a nonce, in the order the blocks were added, is the one that counts.
  REQUIRE(in_flight.NonceHolder({"p", "1"}) != nullptr);
  CHECK(*in_flight.NonceHolder({"p", "1"}) == TextId("a"));
  CHECK(*in_flight.NonceHolder({"p", "3"}) == TextId("d"));
  CHECK(*in_flight.NonceHolder({"q", "1"}) == TextId("c"));
  // Depositor and nonce are compared as a pair, not as one concatenated string.
  CHECK(in_flight.NonceHolder({"q", "2"}) == nullptr);
  CHECK(in_flight.NonceHolder({"p", ""}) == nullptr);
  CHECK(in_flight.NonceHolder({"p1", ""}) == nullptr);
  CHECK(in_flight.NonceHolder({"", "p1"}) == nullptr);
}

TEST_CASE("an empty tentative chain holds nothing") {
  TentativeDeposits in_flight;
  in_flight.Seal();
  CHECK_FALSE(in_flight.HasId(TextId("a")));
  CHECK(in_flight.NonceHolder({"p", "1"}) == nullptr);
}

}  // namespace
}  // namespace evchain::consensus
