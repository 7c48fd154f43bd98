// Trees large enough to have nodes at the levels the log keeps in memory (>= 10, i.e. subtrees
// of 1024 leaves): roots and proofs still equal the reference, also after reopening (the cache
// is rebuilt from the stored nodes), and a corrupted cached-level node fails Open.
#include <doctest/doctest.h>

#include "crypto/merkle.h"
#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "tests/storage/backends.h"
#include "tests/storage/chain_builder.h"

namespace evchain::storage {
namespace {

using testing::ChainBuilder;
using testing::LevelDbBackend;
using testing::MemoryBackend;

// 3,111 leaves = 2048 + 1024 + 39: level-11 and level-10 nodes complete inside blocks and at
// block boundaries.
const std::vector<size_t> kUpperBlockSizes = {1000, 23, 1, 1024, 500, 0, 500, 63};

std::vector<Hash32> LeafPrefix(const std::vector<Hash32>& v, uint64_t n) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)};
}

// Sizes around every perfect-subtree boundary of levels 10 and 11, plus a few others.
const std::vector<uint64_t> kSizes = {1,    700,  1023, 1024, 1025, 1500, 2047,
                                      2048, 2049, 3071, 3072, 3073, 3110, 3111};

void CheckAgainstReference(const EvidenceLog& log, const std::vector<Hash32>& leaves) {
  for (uint64_t size : kSizes) {
    CAPTURE(size);
    const std::vector<Hash32> prefix = LeafPrefix(leaves, size);
    Result<Hash32> root = log.RootAt(size);
    REQUIRE(root.ok());
    CHECK(*root == crypto::RootFromLeafHashes(prefix));
    for (uint64_t index : {uint64_t{0}, size / 3, size / 2, size - 1, (size * 7919) % size}) {
      CAPTURE(index);
      Result<std::vector<Hash32>> proof = log.InclusionProof(index, size);
      REQUIRE(proof.ok());
      CHECK(*proof == crypto::InclusionProof(prefix, index));
    }
    for (uint64_t old_size : kSizes) {
      if (old_size > size) break;
      CAPTURE(old_size);
      Result<std::vector<Hash32>> proof = log.ConsistencyProof(old_size, size);
      REQUIRE(proof.ok());
      CHECK(*proof == crypto::ConsistencyProof(leaves, old_size, size));
    }
  }
}

TEST_CASE_TEMPLATE("proofs over cached upper levels equal the reference, also after reopening", B,
                   MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  ChainBuilder chain;
  {
    Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(store.get());
    REQUIRE(log.ok());
    for (size_t n : kUpperBlockSizes) REQUIRE(chain.Append(**log, n).ok());
    REQUIRE((*log)->size() == 3111);
    CHECK((*log)->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
    CheckAgainstReference(**log, chain.leaf_hashes());
  }
  if constexpr (B::kPersistent) {
    store.reset();
    store = backend.Open();
  }
  Result<std::unique_ptr<EvidenceLog>> reopened = EvidenceLog::Open(store.get());
  REQUIRE(reopened.ok());
  CHECK((*reopened)->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
  CheckAgainstReference(**reopened, chain.leaf_hashes());
  // And it keeps appending on top of the rebuilt cache.
  REQUIRE(chain.Append(**reopened, 1024).ok());
  CHECK((*reopened)->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
  const std::vector<Hash32>& leaves = chain.leaf_hashes();
  Result<std::vector<Hash32>> proof = (*reopened)->InclusionProof(5, leaves.size());
  REQUIRE(proof.ok());
  CHECK(*proof == crypto::InclusionProof(leaves, 5));
}

TEST_CASE_TEMPLATE("a malformed or missing cached-level node makes Open fail with corruption", B,
                   MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  ChainBuilder chain;
  {
    Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(store.get());
    REQUIRE(log.ok());
    REQUIRE(chain.Append(**log, 2050).ok());
  }
  SUBCASE("malformed") {
    WriteBatch batch;
    batch.Put(keys::Node(10, 1), "not 32 bytes");
    REQUIRE(store->Sequential()->Write(batch, true).ok());
  }
  SUBCASE("missing") {
    WriteBatch batch;
    batch.Delete(keys::Node(11, 0));
    REQUIRE(store->Sequential()->Write(batch, true).ok());
  }
  Result<std::unique_ptr<EvidenceLog>> reopened = EvidenceLog::Open(store.get());
  CHECK(reopened.status().code() == "corruption");
}

}  // namespace
}  // namespace evchain::storage
