#include "consensus/frontier.h"

#include <bit>
#include <utility>

#include "crypto/merkle.h"

namespace evchain::consensus {

Result<Frontier> Frontier::FromHashes(uint64_t size, std::vector<Hash32> hashes) {
  if (hashes.size() != static_cast<size_t>(std::popcount(size))) {
    return Status::Error("bad_frontier", "frontier hash count does not match the log size");
  }
  Frontier f;
  f.size_ = size;
  f.hashes_ = std::move(hashes);
  return f;
}

void Frontier::AppendLeafHash(const Hash32& leaf_hash) {
  // Like a binary counter: every trailing one bit of the old size is a perfect subtree of the
  // same size as the carry, so they merge.
  Hash32 carry = leaf_hash;
  for (uint64_t s = size_; s & 1; s >>= 1) {
    carry = crypto::NodeHash(hashes_.back(), carry);
    hashes_.pop_back();
  }
  hashes_.push_back(carry);
  ++size_;
}

Hash32 Frontier::Root() const {
  if (hashes_.empty()) return crypto::EmptyRoot();
  Hash32 root = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) root = crypto::NodeHash(hashes_[i], root);
  return root;
}

}  // namespace evchain::consensus
