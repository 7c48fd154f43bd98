// The batch's tree (ledger::BatchTree over crypto::AllInclusionProofs) against the RFC 9162
// reference functions.
#include <doctest/doctest.h>

#include "crypto/merkle.h"
#include "ledger/statement.h"

namespace evchain::ledger {
namespace {

TEST_CASE("batch tree root and every proof match the RFC 9162 reference, sizes 1..40") {
  for (size_t n = 1; n <= 40; ++n) {
    std::vector<std::string> items;
    std::vector<Hash32> leaf_hashes;
    for (size_t i = 0; i < n; ++i) {
      items.push_back("item " + std::to_string(i) + "\n");
      leaf_hashes.push_back(crypto::LeafHash(AsBytes(items.back())));
    }
    crypto::TreeWithProofs tree = BatchTree(items);
    CAPTURE(n);
    CHECK(tree.root == crypto::RootFromLeafHashes(leaf_hashes));
    CHECK(tree.root == BatchRoot(items));
    for (size_t i = 0; i < n; ++i) {
      CHECK(tree.proofs[i] == crypto::InclusionProof(leaf_hashes, i));
      CHECK(crypto::VerifyInclusion(leaf_hashes[i], i, n, tree.proofs[i], tree.root).ok());
    }
  }
}

}  // namespace
}  // namespace evchain::ledger
