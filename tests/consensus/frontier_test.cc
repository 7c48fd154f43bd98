#include "consensus/frontier.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crypto/merkle.h"

namespace evchain::consensus {

TEST_CASE("frontier root equals the RFC 9162 root for every size 0..300") {
  Frontier f;
  std::vector<Hash32> leaves;
  CHECK(f.Root() == crypto::EmptyRoot());
  for (int i = 0; i < 300; ++i) {
    Hash32 leaf = crypto::LeafHash(AsBytes("leaf " + std::to_string(i)));
    leaves.push_back(leaf);
    f.AppendLeafHash(leaf);
    REQUIRE(f.size() == leaves.size());
    CHECK(f.Root() == crypto::RootFromLeafHashes(leaves));
    CHECK(f.hashes().size() == crypto::RootSubtrees(f.size()).size());
  }
}

TEST_CASE("frontier restored from its hashes continues identically") {
  Frontier f;
  for (int i = 0; i < 37; ++i) f.AppendLeafHash(crypto::LeafHash(AsBytes(std::to_string(i))));
  Result<Frontier> g = Frontier::FromHashes(f.size(), f.hashes());
  REQUIRE(g.ok());
  f.AppendLeafHash(crypto::LeafHash(AsBytes("x")));
  g->AppendLeafHash(crypto::LeafHash(AsBytes("x")));
  CHECK(f.Root() == g->Root());
  CHECK(Frontier::FromHashes(5, {Hash32{}}).status().code() == "bad_frontier");
}

}  // namespace evchain::consensus
