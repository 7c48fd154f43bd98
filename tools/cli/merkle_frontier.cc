#include "tools/cli/merkle_frontier.h"

#include "crypto/merkle.h"

namespace evchain::cli {

void MerkleFrontier::AppendLeafHash(const Hash32& leaf_hash) {
  subtrees_.push_back({0, leaf_hash});
  // Two perfect subtrees of equal size merge, exactly like binary carry in size_ + 1.
  while (subtrees_.size() >= 2 &&
         subtrees_[subtrees_.size() - 1].level == subtrees_[subtrees_.size() - 2].level) {
    Subtree right = subtrees_.back();
    subtrees_.pop_back();
    Subtree& left = subtrees_.back();
    left.hash = crypto::NodeHash(left.hash, right.hash);
    ++left.level;
  }
  ++size_;
}

Hash32 MerkleFrontier::Root() const {
  if (subtrees_.empty()) return crypto::EmptyRoot();
  // RFC 9162's split at the largest power of two below n makes the root the right-to-left fold
  // of the perfect subtrees.
  Hash32 root = subtrees_.back().hash;
  for (size_t i = subtrees_.size() - 1; i-- > 0;) root = crypto::NodeHash(subtrees_[i].hash, root);
  return root;
}

}  // namespace evchain::cli
