// The RFC 9162 tree over a batch's item statements (leaf i = item i's canonical text), with the
// inclusion proof of every item, in O(n) hashes instead of O(n) per proof.
#pragma once

#include <string>
#include <vector>

#include "common/bytes.h"

namespace evchain::api {

struct BatchTree {
  Hash32 root{};
  std::vector<std::vector<Hash32>> proofs;  // proofs[i]: RFC 9162 PATH(i, D[n]), leaf to root
};

// REQUIRES: !items.empty()
BatchTree BuildBatchTree(const std::vector<std::string>& items);

}  // namespace evchain::api
