// RFC 9162 §2.1 Merkle tree math. Proof generation is written once, over leaf ranges: the
// recursions of §2.1.3.1 (PATH) and §2.1.4.1 (PROOF/SUBPROOF) yield the ranges [begin, end) of
// leaves whose subtree hashes form the proof. In-memory proofs hash those ranges; the *ProofNodes
// functions translate them into perfect-subtree coordinates for a stored tree.
#include "crypto/merkle.h"

#include <bit>
#include <utility>

#include "common/encoding.h"
#include "crypto/sha256.h"

namespace evchain::crypto {

namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// Leaves [begin, end) of the tree.
struct Range {
  uint64_t begin = 0;
  uint64_t end = 0;
};

// The largest power of two strictly less than n. REQUIRES: n > 1.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// Ranges of PATH(m, D[begin:end]), deepest first (the order of the proof). REQUIRES: m < size.
void InclusionRanges(uint64_t m, uint64_t begin, uint64_t end, std::vector<Range>& out) {
  const uint64_t n = end - begin;
  if (n <= 1) return;
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    InclusionRanges(m, begin, begin + k, out);
    out.push_back({begin + k, end});
  } else {
    InclusionRanges(m - k, begin + k, end, out);
    out.push_back({begin, begin + k});
  }
}

// Ranges of SUBPROOF(m, D[begin:end], b). REQUIRES: 0 < m <= size.
void ConsistencyRanges(uint64_t m, uint64_t begin, uint64_t end, bool b, std::vector<Range>& out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!b) out.push_back({begin, end});
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    ConsistencyRanges(m, begin, begin + k, b, out);
    out.push_back({begin + k, end});
  } else {
    ConsistencyRanges(m - k, begin + k, end, false, out);
    out.push_back({begin, begin + k});
  }
}

std::vector<Range> ConsistencyRangesFor(uint64_t old_size, uint64_t new_size) {
  std::vector<Range> ranges;
  if (old_size == 0 || old_size >= new_size) return ranges;
  ConsistencyRanges(old_size, 0, new_size, true, ranges);
  return ranges;
}

// MTH(D[begin:end]) over leaf hashes. REQUIRES: begin < end <= leaf_hashes.size().
Hash32 RangeHash(const std::vector<Hash32>& leaf_hashes, uint64_t begin, uint64_t end) {
  if (end - begin == 1) return leaf_hashes[begin];
  const uint64_t k = SplitPoint(end - begin);
  return NodeHash(RangeHash(leaf_hashes, begin, begin + k), RangeHash(leaf_hashes, begin + k, end));
}

// Any subtree of the RFC's split rule that starts at `begin` has size <= the alignment of
// `begin`, so its binary decomposition, largest first, is a list of aligned perfect subtrees
// whose right fold is its hash (the split point of a non-perfect size is its highest bit).
std::vector<NodeId> PerfectSubtrees(Range range) {
  std::vector<NodeId> nodes;
  uint64_t begin = range.begin;
  uint64_t remaining = range.end - range.begin;
  while (remaining != 0) {
    const uint64_t part = std::bit_floor(remaining);
    const auto level = static_cast<uint32_t>(std::countr_zero(part));
    nodes.push_back({level, begin >> level});
    begin += part;
    remaining -= part;
  }
  return nodes;
}

std::vector<ProofNode> ToProofNodes(const std::vector<Range>& ranges) {
  std::vector<ProofNode> nodes;
  nodes.reserve(ranges.size());
  for (const Range& range : ranges) nodes.push_back({PerfectSubtrees(range)});
  return nodes;
}

std::vector<Hash32> HashRanges(const std::vector<Hash32>& leaf_hashes,
                               const std::vector<Range>& ranges) {
  std::vector<Hash32> proof;
  proof.reserve(ranges.size());
  for (const Range& range : ranges) proof.push_back(RangeHash(leaf_hashes, range.begin, range.end));
  return proof;
}

// Shifts fn and sn right together until fn's lowest bit is set or fn is 0 (RFC 9162 uses this
// to skip levels where the path node is the rightmost node of an incomplete level).
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Hash32 LeafHash(ByteView leaf) {
  const uint8_t prefix = kLeafPrefix;
  return Sha256({ByteView(&prefix, 1), leaf});
}

Hash32 NodeHash(const Hash32& left, const Hash32& right) {
  const uint8_t prefix = kNodePrefix;
  return Sha256({ByteView(&prefix, 1), ByteView(left), ByteView(right)});
}

Hash32 EmptyRoot() { return Sha256(ByteView()); }

Hash32 RootFromLeafHashes(const std::vector<Hash32>& leaf_hashes) {
  if (leaf_hashes.empty()) return EmptyRoot();
  return RangeHash(leaf_hashes, 0, leaf_hashes.size());
}

std::vector<Hash32> InclusionProof(const std::vector<Hash32>& leaf_hashes, uint64_t index) {
  std::vector<Range> ranges;
  InclusionRanges(index, 0, leaf_hashes.size(), ranges);
  return HashRanges(leaf_hashes, ranges);
}

std::vector<Hash32> ConsistencyProof(const std::vector<Hash32>& leaf_hashes, uint64_t old_size,
                                     uint64_t new_size) {
  return HashRanges(leaf_hashes, ConsistencyRangesFor(old_size, new_size));
}

std::vector<ProofNode> InclusionProofNodes(uint64_t index, uint64_t size) {
  std::vector<Range> ranges;
  if (index < size) InclusionRanges(index, 0, size, ranges);
  return ToProofNodes(ranges);
}

std::vector<ProofNode> ConsistencyProofNodes(uint64_t old_size, uint64_t new_size) {
  return ToProofNodes(ConsistencyRangesFor(old_size, new_size));
}

std::vector<NodeId> RootSubtrees(uint64_t size) { return PerfectSubtrees({0, size}); }

Status VerifyInclusion(const Hash32& leaf_hash, uint64_t index, uint64_t size,
                       const std::vector<Hash32>& proof, const Hash32& root) {
  // RFC 9162 §2.1.3.2, step by step.
  if (index >= size) {
    return Status::Error(
        "index_out_of_range",
        "leaf index " + std::to_string(index) + " is not below tree size " + std::to_string(size));
  }
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash32 r = leaf_hash;
  for (const Hash32& p : proof) {
    if (sn == 0) return Status::Error("proof_length", "inclusion proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      ShiftWhileEven(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Error("proof_length", "inclusion proof is too short");
  if (r != root) {
    return Status::Error("root_mismatch",
                         "inclusion proof gives root " + ToHex(r) + ", expected " + ToHex(root));
  }
  return Status::Ok();
}

Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash32& old_root,
                         const Hash32& new_root, const std::vector<Hash32>& proof) {
  if (old_size > new_size) {
    return Status::Error("size_order", "old size " + std::to_string(old_size) +
                                           " exceeds new size " + std::to_string(new_size));
  }
  if (old_size == 0) {
    // RFC 9162 §2.1.4.2 defines proofs for 0 < first only; every tree extends the empty tree,
    // so a proof from it proves nothing and is refused rather than trivially accepted.
    return Status::Error("size_order", "consistency from an empty tree is meaningless");
  }
  if (old_size == new_size) {
    if (!proof.empty()) return Status::Error("proof_length", "proof between equal sizes not empty");
    if (old_root != new_root) {
      return Status::Error("root_mismatch", "equal tree sizes with different roots");
    }
    return Status::Ok();
  }
  // RFC 9162 §2.1.4.2, step by step.
  if (proof.empty()) return Status::Error("proof_length", "consistency proof is empty");
  std::vector<Hash32> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash32 fr = path[0];
  Hash32 sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash32& c = path[i];
    if (sn == 0) return Status::Error("proof_length", "consistency proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      ShiftWhileEven(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Error("proof_length", "consistency proof is too short");
  if (fr != old_root) {
    return Status::Error("old_root_mismatch", "consistency proof gives old root " + ToHex(fr) +
                                                  ", expected " + ToHex(old_root));
  }
  if (sr != new_root) {
    return Status::Error("root_mismatch", "consistency proof gives new root " + ToHex(sr) +
                                              ", expected " + ToHex(new_root));
  }
  return Status::Ok();
}

// RFC 9162's recursive split at the largest power of two below n builds the same tree as
// hashing level by level, pairing left to right and promoting a lone last node unchanged. A
// leaf's path is then its sibling at every level where it has one.
TreeWithProofs AllInclusionProofs(const std::vector<Hash32>& leaf_hashes) {
  std::vector<std::vector<Hash32>> levels(1, leaf_hashes);
  while (levels.back().size() > 1) {
    const std::vector<Hash32>& below = levels.back();
    std::vector<Hash32> above;
    above.reserve((below.size() + 1) / 2);
    for (size_t i = 0; i + 1 < below.size(); i += 2)
      above.push_back(NodeHash(below[i], below[i + 1]));
    if (below.size() % 2 == 1) above.push_back(below.back());
    levels.push_back(std::move(above));
  }
  TreeWithProofs tree;
  tree.root = levels.back().front();
  tree.proofs.resize(leaf_hashes.size());
  for (size_t leaf = 0; leaf < leaf_hashes.size(); ++leaf) {
    size_t index = leaf;
    for (size_t level = 0; level + 1 < levels.size(); ++level) {
      const size_t sibling = index ^ 1;
      if (sibling < levels[level].size()) tree.proofs[leaf].push_back(levels[level][sibling]);
      index /= 2;
    }
  }
  return tree;
}

Result<MerkleFrontier> MerkleFrontier::FromHashes(uint64_t size, std::vector<Hash32> hashes) {
  if (hashes.size() != static_cast<size_t>(std::popcount(size))) {
    return Status::Error("bad_frontier", "frontier hash count does not match the log size");
  }
  MerkleFrontier f;
  f.size_ = size;
  f.hashes_ = std::move(hashes);
  return f;
}

Hash32 MerkleFrontier::Root() const {
  if (hashes_.empty()) return EmptyRoot();
  Hash32 root = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) root = NodeHash(hashes_[i], root);
  return root;
}

}  // namespace evchain::crypto
