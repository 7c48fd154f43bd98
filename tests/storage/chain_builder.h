// Builds valid chains of blocks for storage tests, made by the synthetic chain's one block maker
// (tools/synthetic_chain): real canonical statements, exact leaves, cosigned checkpoints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "crypto/merkle.h"
#include "storage/evidence_log.h"

namespace evchain::storage::testing {

class ChainBuilder {
 public:
  // Digest of the i-th distinct test evidence.
  static Hash32 TestDigest(uint64_t i);

  // The next block, holding one deposit per digest, without advancing the builder.
  BlockToAppend Make(const std::vector<Hash32>& digests) const;
  // The next block with `n` fresh digests.
  BlockToAppend Make(size_t n) const;
  // Records that `block` (made by Make) was appended.
  void Advance(const BlockToAppend& block);

  // Make + AppendBlock + Advance; returns the append status.
  Status Append(EvidenceLog& log, const std::vector<Hash32>& digests);
  Status Append(EvidenceLog& log, size_t n);

  const std::vector<Hash32>& leaf_hashes() const { return leaf_hashes_; }
  const std::vector<BlockToAppend>& blocks() const { return blocks_; }
  uint64_t height() const { return blocks_.size(); }

 private:
  std::vector<Hash32> leaf_hashes_;
  crypto::MerkleFrontier frontier_;  // over leaf_hashes_
  std::vector<BlockToAppend> blocks_;
  uint64_t next_nonce_ = 0;
  uint64_t next_digest_ = 1000000;
};

// A deposit statement as the tests make them.
std::string TestStatement(const Hash32& digest, uint64_t nonce);

// All keys (and values) of a store, in order.
std::vector<std::pair<std::string, std::string>> Dump(const KvStore& store);

}  // namespace evchain::storage::testing
