// RFC 9162 §2.1 Merkle tree hashing, proofs and proof verification.
//   leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left || right),
//   MTH({}) = SHA-256("").
// Proof *generation* over a stored tree lives in storage/ (it needs the stored nodes); this file
// has the math: in-memory reference trees, the RFC's verification algorithms, and helpers to
// compute the node coordinates a proof needs so storage can fetch them in O(log n) reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace evchain::crypto {

Hash32 LeafHash(ByteView leaf);
Hash32 NodeHash(const Hash32& left, const Hash32& right);
Hash32 EmptyRoot();

// Root of the tree whose leaf hashes are `leaf_hashes` (any size, including 0). O(n).
Hash32 RootFromLeafHashes(const std::vector<Hash32>& leaf_hashes);
// RFC 9162 §2.1.3.1 PATH(m, D[n]) over leaf hashes. REQUIRES: index < leaf_hashes.size().
std::vector<Hash32> InclusionProof(const std::vector<Hash32>& leaf_hashes, uint64_t index);
// RFC 9162 §2.1.4.1 PROOF(m, D[n]) over the first `new_size` leaf hashes.
// REQUIRES: old_size <= new_size <= leaf_hashes.size().
std::vector<Hash32> ConsistencyProof(const std::vector<Hash32>& leaf_hashes, uint64_t old_size,
                                     uint64_t new_size);

// Root and RFC 9162 PATH(i, D[n]) of every leaf at once, in O(n) hashes (InclusionProof costs
// O(n) per proof). REQUIRES: !leaf_hashes.empty().
struct TreeWithProofs {
  Hash32 root{};
  std::vector<std::vector<Hash32>> proofs;  // proofs[i]: leaf i's path, leaf to root
};
TreeWithProofs AllInclusionProofs(const std::vector<Hash32>& leaf_hashes);

// A node of the perfect binary tree: covers leaves [index << level, (index + 1) << level).
struct NodeId {
  uint32_t level = 0;
  uint64_t index = 0;
  bool operator==(const NodeId&) const = default;
};
// The node hashes, in order, whose values form the inclusion proof of `index` in a tree of
// `size` leaves. Nodes of incomplete (right-edge) subtrees are "ephemeral": they are not perfect
// subtrees, so each ProofNode lists the perfect subtrees whose hashes, folded right to left
// (NodeHash(a, NodeHash(b, c))), give the value.
struct ProofNode {
  std::vector<NodeId> perfect_subtrees;  // left to right; size 1 for an ordinary node
};
std::vector<ProofNode> InclusionProofNodes(uint64_t index, uint64_t size);
std::vector<ProofNode> ConsistencyProofNodes(uint64_t old_size, uint64_t new_size);
// The perfect subtrees (left to right) whose fold is the root of a tree of `size` leaves.
std::vector<NodeId> RootSubtrees(uint64_t size);

// RFC 9162 §2.1.3.2. Ok iff `proof` proves `leaf_hash` is leaf `index` of the tree of `size`
// with `root`. Errors (stable codes): "index_out_of_range", "proof_length", "root_mismatch".
Status VerifyInclusion(const Hash32& leaf_hash, uint64_t index, uint64_t size,
                       const std::vector<Hash32>& proof, const Hash32& root);
// RFC 9162 §2.1.4.2. Errors: "size_order", "proof_length", "root_mismatch", "old_root_mismatch".
Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash32& old_root,
                         const Hash32& new_root, const std::vector<Hash32>& proof);

// The right edge of a tree: the hashes of RootSubtrees(size), left to right. Appending a leaf
// and computing the root take O(log n) hashes and memory, so a log can be extended (a block
// proposed, a chain audited or stored) without the rest of the tree. The one implementation of
// the frontier: storage, the CLI's audit and the benchmarks use it.
class MerkleFrontier {
 public:
  MerkleFrontier() = default;
  // `hashes` are the perfect-subtree hashes of RootSubtrees(size), left to right. Error
  // "bad_frontier" if their count does not match size.
  static Result<MerkleFrontier> FromHashes(uint64_t size, std::vector<Hash32> hashes);

  uint64_t size() const { return size_; }
  const std::vector<Hash32>& hashes() const { return hashes_; }
  // RFC 9162 MTH of the leaves so far (EmptyRoot() when empty): the right-to-left fold of the
  // perfect subtrees, NodeHash(a, NodeHash(b, c)).
  Hash32 Root() const;

  void AppendLeafHash(const Hash32& leaf_hash) {
    AppendLeafHash(leaf_hash, [](const NodeId&, const Hash32&) {});
  }
  // Also calls on_merge(NodeId, hash) for every inner node the append completes, lowest first
  // (storage keeps some of them for proofs).
  template <typename OnMerge>
  void AppendLeafHash(const Hash32& leaf_hash, OnMerge&& on_merge) {
    // Like a binary counter: every trailing one bit of the old size is a perfect subtree of the
    // same size as the carry, so they merge.
    const uint64_t index = size_;
    Hash32 carry = leaf_hash;
    uint32_t level = 0;
    for (uint64_t s = size_; s & 1; s >>= 1) {
      carry = NodeHash(hashes_.back(), carry);
      hashes_.pop_back();
      ++level;
      on_merge(NodeId{level, index >> level}, carry);
    }
    hashes_.push_back(carry);
    ++size_;
  }

 private:
  uint64_t size_ = 0;
  std::vector<Hash32> hashes_;  // largest subtree first
};

}  // namespace evchain::crypto
