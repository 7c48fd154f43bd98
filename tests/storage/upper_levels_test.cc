// Trees large enough to have nodes at the levels the log keeps in memory (>= 10, i.e. subtrees
// of 1024 leaves): roots and proofs still equal the reference, also after reopening (the cache
// is rebuilt from the stored nodes), and a corrupted cached-level node fails Open.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "crypto/merkle.h"
#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "storage/proof_chunk.h"
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

// The record chunk `chunk` should have, from the reference: for levels 1-9, each node's hash
// over its leaves (storage/proof_chunk.h, docs/storage-format.md "Proof chunks").
std::string ExpectedChunk(const std::vector<Hash32>& leaves, uint64_t chunk) {
  std::string record;
  for (uint32_t level = 1; level < ProofChunk::kLevel; ++level) {
    const uint64_t width = uint64_t{1} << level;
    for (uint64_t first = chunk << ProofChunk::kLevel; first < ProofChunk::EndLeaf(chunk);
         first += width) {
      const std::vector<Hash32> under(leaves.begin() + static_cast<std::ptrdiff_t>(first),
                                      leaves.begin() + static_cast<std::ptrdiff_t>(first + width));
      const Hash32 h = crypto::RootFromLeafHashes(under);
      record.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
  }
  return record;
}

// Reads every entry through the cursor, which checks each proof chunk against the nodes.
Status ReadThrough(const EvidenceLog& log) {
  EvidenceLog::EntryCursor cursor = log.ReadAllEntries();
  Result<std::vector<StoredEntry>> all = cursor.Next(log.size());
  if (!all.ok()) return all.status();
  return cursor.CheckNothingElse();
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
  // And it keeps appending on top of the rebuilt cache, and of the open chunk (leaves 3072-3110
  // were written before the reopen; the append completes their chunk).
  REQUIRE(chain.Append(**reopened, 1024).ok());
  Result<std::optional<std::string>> chunk3 = store->Sequential()->Get(keys::Chunk(3));
  REQUIRE(chunk3.ok());
  REQUIRE(chunk3->has_value());
  CHECK(**chunk3 == ExpectedChunk(chain.leaf_hashes(), 3));
  CHECK(ReadThrough(**reopened).ok());
  CHECK((*reopened)->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
  const std::vector<Hash32>& leaves = chain.leaf_hashes();
  Result<std::vector<Hash32>> proof = (*reopened)->InclusionProof(5, leaves.size());
  REQUIRE(proof.ok());
  CHECK(*proof == crypto::InclusionProof(leaves, 5));
}

TEST_CASE_TEMPLATE("each complete chunk of 1,024 leaves has its proof chunk, and proofs read it", B,
                   MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(store.get());
  REQUIRE(log.ok());
  ChainBuilder chain;
  for (size_t n : kUpperBlockSizes) REQUIRE(chain.Append(**log, n).ok());
  const std::vector<Hash32>& leaves = chain.leaf_hashes();
  KvStore& companion = *store->Sequential();
  for (uint64_t c = 0; c < 3; ++c) {
    CAPTURE(c);
    Result<std::optional<std::string>> record = companion.Get(keys::Chunk(c));
    REQUIRE(record.ok());
    REQUIRE(record->has_value());
    CHECK(**record == ExpectedChunk(leaves, c));
  }
  CHECK_FALSE(companion.Get(keys::Chunk(3))->has_value());  // 39 of its leaves so far
  CHECK(ReadThrough(**log).ok());

  // Leaf 5's proof at size 3111 needs node (6, 1) of chunk 0.
  REQUIRE(crypto::InclusionProofNodes(5, 3111)[6].perfect_subtrees.front().level == 6);
  const std::vector<Hash32> expected = crypto::InclusionProof(leaves, 5);
  WriteBatch batch;
  SUBCASE("the proof comes from the chunk, and the cursor finds a node that disagrees") {
    batch.Put(keys::Node(6, 1), std::string(32, 'x'));
    REQUIRE(companion.Write(batch, true).ok());
    CHECK(*(*log)->InclusionProof(5, 3111) == expected);
    CHECK(ReadThrough(**log).code() == "corruption");
  }
  SUBCASE("a store written before chunk records existed reads node by node") {
    for (uint64_t c = 0; c < 3; ++c) batch.Delete(keys::Chunk(c));
    REQUIRE(companion.Write(batch, true).ok());
    CheckAgainstReference(**log, leaves);
    CHECK(ReadThrough(**log).ok());
  }
  SUBCASE("a malformed chunk is corruption, for proofs and for the cursor") {
    batch.Put(keys::Chunk(0), "short");
    REQUIRE(companion.Write(batch, true).ok());
    CHECK((*log)->InclusionProof(5, 3111).status().code() == "corruption");
    CHECK((*log)->ConsistencyProof(5, 3111).status().code() == "corruption");
    CHECK(*(*log)->InclusionProof(2000, 3111) == crypto::InclusionProof(leaves, 2000));
    CHECK(ReadThrough(**log).code() == "corruption");
  }
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

TEST_CASE_TEMPLATE("a log size far beyond the stored nodes is corruption, not an allocation", B,
                   MemoryBackend, LevelDbBackend) {
  // A damaged or crafted state record names 2^62 entries, and the companion holds an entry
  // record at its last index (Open checks that one), but no Merkle node beyond the real ones.
  // Open must find the missing nodes and say so, not size its memory by the stored number
  // (2^52 cached-level hashes: an allocation that cannot succeed).
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  {
    Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(store.get());
    REQUIRE(log.ok());
    REQUIRE(ChainBuilder().Append(**log, 3).ok());
  }
  const uint64_t size = uint64_t{1} << 62;
  Result<std::optional<std::string>> last = store->Sequential()->Get(keys::Entry(2));
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  WriteBatch entries;
  entries.Put(keys::Entry(size - 1), **last);
  REQUIRE(store->Sequential()->Write(entries, true).ok());
  Result<std::optional<std::string>> state = store->Get(keys::State());
  REQUIRE(state.ok());
  REQUIRE(state->has_value());
  std::string damaged = **state;
  for (int i = 0; i < 8; ++i) damaged[8 + i] = static_cast<char>(size >> (56 - 8 * i));
  WriteBatch index;
  index.Put(keys::State(), damaged);
  REQUIRE(store->Write(index, true).ok());

  Result<std::unique_ptr<EvidenceLog>> reopened = Status::Error("unset", "Open threw");
  CHECK_NOTHROW(reopened = EvidenceLog::Open(store.get()));
  CHECK(reopened.status().code() == "corruption");
}

}  // namespace
}  // namespace evchain::storage
