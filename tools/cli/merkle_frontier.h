// The right edge of an RFC 9162 Merkle tree: the roots of its perfect subtrees, left to right.
// Appending a leaf and computing the root take O(log n) hashes and memory, so a whole log can be
// re-hashed in one streaming pass.
#pragma once

#include <cstdint>
#include <vector>

#include "common/bytes.h"

namespace evchain::cli {

class MerkleFrontier {
 public:
  void AppendLeafHash(const Hash32& leaf_hash);
  uint64_t size() const { return size_; }
  // RFC 9162 MTH of the leaves appended so far (SHA-256("") when empty).
  Hash32 Root() const;

 private:
  struct Subtree {
    uint32_t level;
    Hash32 hash;
  };
  std::vector<Subtree> subtrees_;  // strictly decreasing levels
  uint64_t size_ = 0;
};

}  // namespace evchain::cli
