// The right edge of an RFC 9162 Merkle tree: the hashes of crypto::RootSubtrees(size), enough to
// append leaves and compute the root without the rest of the tree. Used to compute the log
// size/root of tentative blocks.
#pragma once

#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace evchain::consensus {

class Frontier {
 public:
  Frontier() = default;
  // `hashes` are the perfect-subtree hashes of crypto::RootSubtrees(size), left to right.
  // Error "bad_frontier" if their count does not match size.
  static Result<Frontier> FromHashes(uint64_t size, std::vector<Hash32> hashes);

  uint64_t size() const { return size_; }
  const std::vector<Hash32>& hashes() const { return hashes_; }
  void AppendLeafHash(const Hash32& leaf_hash);
  Hash32 Root() const;  // crypto::EmptyRoot() when empty

 private:
  uint64_t size_ = 0;
  std::vector<Hash32> hashes_;  // largest subtree first
};

}  // namespace evchain::consensus
