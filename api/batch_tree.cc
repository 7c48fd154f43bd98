#include "api/batch_tree.h"

#include "crypto/merkle.h"

namespace evchain::api {

// RFC 9162's recursive split at the largest power of two below n builds the same tree as
// hashing level by level, pairing left to right and promoting a lone last node unchanged. An
// item's path is then its sibling at every level where it has one.
BatchTree BuildBatchTree(const std::vector<std::string>& items) {
  std::vector<std::vector<Hash32>> levels(1);
  levels[0].reserve(items.size());
  for (const std::string& item : items) levels[0].push_back(crypto::LeafHash(AsBytes(item)));
  while (levels.back().size() > 1) {
    const std::vector<Hash32>& below = levels.back();
    std::vector<Hash32> above;
    above.reserve((below.size() + 1) / 2);
    for (size_t i = 0; i + 1 < below.size(); i += 2) {
      above.push_back(crypto::NodeHash(below[i], below[i + 1]));
    }
    if (below.size() % 2 == 1) above.push_back(below.back());
    levels.push_back(std::move(above));
  }
  BatchTree tree;
  tree.root = levels.back().front();
  tree.proofs.resize(items.size());
  for (size_t leaf = 0; leaf < items.size(); ++leaf) {
    size_t index = leaf;
    for (size_t level = 0; level + 1 < levels.size(); ++level) {
      const size_t sibling = index ^ 1;
      if (sibling < levels[level].size()) tree.proofs[leaf].push_back(levels[level][sibling]);
      index /= 2;
    }
  }
  return tree;
}

}  // namespace evchain::api
