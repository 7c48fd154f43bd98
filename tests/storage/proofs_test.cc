// Roots, frontiers and every inclusion and consistency proof read from the stored tree equal the
// reference computation in crypto/ over the same leaves, for every tree size up to ~200 reached
// through blocks of varying sizes, on both backends.
#include <doctest/doctest.h>

#include "crypto/merkle.h"
#include "storage/evidence_log.h"
#include "tests/storage/backends.h"
#include "tests/storage/chain_builder.h"

namespace evchain::storage {
namespace {

using testing::ChainBuilder;
using testing::LevelDbBackend;
using testing::MemoryBackend;

// Block sizes chosen to cross perfect-subtree boundaries in every way: empty blocks, single
// leaves, sizes straddling powers of two. 203 leaves in all.
const std::vector<size_t> kProofBlockSizes = {1, 0, 2, 3, 1, 7, 9, 16, 5, 31, 1, 33, 0, 64, 30};

std::vector<Hash32> Prefix(const std::vector<Hash32>& v, uint64_t n) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::vector<Hash32> ReferenceFrontier(const std::vector<Hash32>& leaves) {
  std::vector<Hash32> out;
  for (const crypto::NodeId& id : crypto::RootSubtrees(leaves.size())) {
    auto first = leaves.begin() + static_cast<std::ptrdiff_t>(id.index << id.level);
    out.push_back(crypto::RootFromLeafHashes({first, first + (std::ptrdiff_t{1} << id.level)}));
  }
  return out;
}

TEST_CASE_TEMPLATE("stored roots and proofs equal the reference at every size", B, MemoryBackend,
                   LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  Result<std::unique_ptr<EvidenceLog>> opened = EvidenceLog::Open(store.get());
  REQUIRE(opened.ok());
  EvidenceLog& log = **opened;
  ChainBuilder chain;
  CHECK(log.Root() == crypto::EmptyRoot());
  for (size_t n : kProofBlockSizes) {
    REQUIRE(chain.Append(log, n).ok());
    // The cached frontier and root after each block.
    CHECK(log.Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
    Result<std::vector<Hash32>> frontier = log.Frontier();
    REQUIRE(frontier.ok());
    CHECK(*frontier == ReferenceFrontier(chain.leaf_hashes()));
  }
  const std::vector<Hash32>& leaves = chain.leaf_hashes();
  const uint64_t total = leaves.size();
  REQUIRE(log.size() == total);

  for (uint64_t size = 0; size <= total; ++size) {
    const std::vector<Hash32> prefix = Prefix(leaves, size);
    Result<Hash32> root = log.RootAt(size);
    REQUIRE(root.ok());
    CHECK(*root == crypto::RootFromLeafHashes(prefix));
    for (uint64_t index = 0; index < size; ++index) {
      Result<std::vector<Hash32>> proof = log.InclusionProof(index, size);
      REQUIRE(proof.ok());
      CHECK(*proof == crypto::InclusionProof(prefix, index));
    }
    for (uint64_t old_size = 1; old_size <= size; ++old_size) {
      Result<std::vector<Hash32>> proof = log.ConsistencyProof(old_size, size);
      REQUIRE(proof.ok());
      CHECK(*proof == crypto::ConsistencyProof(leaves, old_size, size));
    }
  }
}

TEST_CASE_TEMPLATE("proof requests outside the log are errors", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  Result<std::unique_ptr<EvidenceLog>> opened = EvidenceLog::Open(store.get());
  REQUIRE(opened.ok());
  EvidenceLog& log = **opened;
  ChainBuilder chain;
  REQUIRE(chain.Append(log, 5).ok());
  CHECK(log.RootAt(6).status().code() == "size_out_of_range");
  CHECK(log.InclusionProof(0, 6).status().code() == "size_out_of_range");
  CHECK(log.InclusionProof(5, 5).status().code() == "index_out_of_range");
  CHECK(log.InclusionProof(0, 0).status().code() == "index_out_of_range");
  CHECK(log.ConsistencyProof(3, 6).status().code() == "size_out_of_range");
  CHECK(log.ConsistencyProof(4, 3).status().code() == "size_order");
}

}  // namespace
}  // namespace evchain::storage
