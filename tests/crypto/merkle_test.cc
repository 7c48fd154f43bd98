// RFC 9162 Merkle math: published vectors, a naive reference written straight from the RFC,
// stored-tree node coordinates, and verifier rejection of every kind of tampering.
#include "crypto/merkle.h"

#include <doctest/doctest.h>

#include <bit>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "common/encoding.h"
#include "crypto/sha256.h"

namespace evchain::crypto {
namespace {

constexpr uint64_t kMaxSize = 300;

Hash32 HexHash(const std::string& hex) {
  auto h = Hash32FromHex(hex);
  REQUIRE(h.has_value());
  return *h;
}

std::vector<Hash32> HexHashes(const nlohmann::json& array) {
  std::vector<Hash32> out;
  for (const auto& item : array) out.push_back(HexHash(item.get<std::string>()));
  return out;
}

nlohmann::json LoadVectors() {
  std::ifstream in(EVCHAIN_SOURCE_DIR "/tests/vectors/rfc6962.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::vector<Hash32> VectorLeafHashes(const nlohmann::json& vectors) {
  std::vector<Hash32> leaves;
  for (const auto& hex : vectors["leaf_inputs_hex"]) {
    auto bytes = FromHex(hex.get<std::string>());
    REQUIRE(bytes.has_value());
    leaves.push_back(LeafHash(*bytes));
  }
  return leaves;
}

// ---- Naive reference, transcribed from RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1. ----
// D[begin:end] is a slice of the shared leaf hashes; MTH values are cached by slice because the
// exhaustive comparisons below ask for the same subtrees over and over.
class NaiveTree {
 public:
  explicit NaiveTree(std::vector<Hash32> leaf_hashes) : leaves_(std::move(leaf_hashes)) {}

  // MTH(D[begin:end]).
  Hash32 Mth(uint64_t begin, uint64_t end) {
    if (end == begin) return Sha256(std::string_view());
    if (end - begin == 1) return leaves_[begin];
    auto key = std::make_pair(begin, end);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    uint64_t k = LargestPowerOfTwoBelow(end - begin);
    Hash32 h = NodeHash(Mth(begin, begin + k), Mth(begin + k, end));
    cache_.emplace(key, h);
    return h;
  }

  // PATH(m, D[begin:end]).
  std::vector<Hash32> Path(uint64_t m, uint64_t begin, uint64_t end) {
    uint64_t n = end - begin;
    if (n == 1) return {};
    uint64_t k = LargestPowerOfTwoBelow(n);
    std::vector<Hash32> path;
    if (m < k) {
      path = Path(m, begin, begin + k);
      path.push_back(Mth(begin + k, end));
    } else {
      path = Path(m - k, begin + k, end);
      path.push_back(Mth(begin, begin + k));
    }
    return path;
  }

  // PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
  std::vector<Hash32> Proof(uint64_t m, uint64_t n) { return Subproof(m, 0, n, true); }

 private:
  static uint64_t LargestPowerOfTwoBelow(uint64_t n) {
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  std::vector<Hash32> Subproof(uint64_t m, uint64_t begin, uint64_t end, bool b) {
    uint64_t n = end - begin;
    if (m == n) {
      if (b) return {};
      return {Mth(begin, end)};
    }
    uint64_t k = LargestPowerOfTwoBelow(n);
    std::vector<Hash32> proof;
    if (m <= k) {
      proof = Subproof(m, begin, begin + k, b);
      proof.push_back(Mth(begin + k, end));
    } else {
      proof = Subproof(m - k, begin + k, end, false);
      proof.push_back(Mth(begin, begin + k));
    }
    return proof;
  }

  std::vector<Hash32> leaves_;
  std::map<std::pair<uint64_t, uint64_t>, Hash32> cache_;
};

std::vector<Hash32> SyntheticLeafHashes(uint64_t count) {
  std::vector<Hash32> leaves;
  for (uint64_t i = 0; i < count; ++i) {
    Bytes leaf;
    PutU64BE(leaf, i);
    leaves.push_back(LeafHash(leaf));
  }
  return leaves;
}

const std::vector<Hash32>& Leaves() {
  static const std::vector<Hash32> leaves = SyntheticLeafHashes(kMaxSize);
  return leaves;
}

NaiveTree& Naive() {
  static NaiveTree tree(Leaves());
  return tree;
}

std::vector<Hash32> Prefix(uint64_t n) {
  return std::vector<Hash32>(Leaves().begin(), Leaves().begin() + static_cast<std::ptrdiff_t>(n));
}

// Every perfect subtree hash of the 300-leaf tree keyed by (level, index): what storage keeps.
std::map<std::pair<uint32_t, uint64_t>, Hash32> PerfectSubtreeStore() {
  std::map<std::pair<uint32_t, uint64_t>, Hash32> store;
  std::vector<Hash32> level = Leaves();
  for (uint32_t l = 0; !level.empty(); ++l) {
    for (uint64_t i = 0; i < level.size(); ++i) store[{l, i}] = level[i];
    std::vector<Hash32> next;
    for (uint64_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(NodeHash(level[i], level[i + 1]));
    }
    level = std::move(next);
  }
  return store;
}

Hash32 Fold(const std::map<std::pair<uint32_t, uint64_t>, Hash32>& store,
            const std::vector<NodeId>& nodes) {
  REQUIRE(!nodes.empty());
  auto at = [&](const NodeId& id) {
    auto it = store.find({id.level, id.index});
    REQUIRE(it != store.end());
    return it->second;
  };
  Hash32 acc = at(nodes.back());
  for (size_t i = nodes.size() - 1; i-- > 0;) acc = NodeHash(at(nodes[i]), acc);
  return acc;
}

std::vector<Hash32> FoldAll(const std::map<std::pair<uint32_t, uint64_t>, Hash32>& store,
                            const std::vector<ProofNode>& nodes) {
  std::vector<Hash32> out;
  out.reserve(nodes.size());
  for (const ProofNode& node : nodes) out.push_back(Fold(store, node.perfect_subtrees));
  return out;
}

TEST_CASE("hash definitions and the empty tree") {
  CHECK(ToHex(EmptyRoot()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(EmptyRoot() == Sha256(std::string_view()));
  CHECK(RootFromLeafHashes({}) == EmptyRoot());
  CHECK(RootSubtrees(0).empty());
  const Bytes leaf = {0x10};
  Bytes prefixed = {0x00, 0x10};
  CHECK(LeafHash(leaf) == Sha256(prefixed));
  Hash32 a = LeafHash(Bytes{});
  Hash32 b = LeafHash(leaf);
  Bytes node = {0x01};
  Append(node, ByteView(a));
  Append(node, ByteView(b));
  CHECK(NodeHash(a, b) == Sha256(node));
}

TEST_CASE("RFC 6962 reference vectors: leaves, nodes and roots") {
  const nlohmann::json vectors = LoadVectors();
  const std::vector<Hash32> leaves = VectorLeafHashes(vectors);
  REQUIRE(leaves.size() == 8);
  const auto& levels = vectors["node_hashes_by_level"];
  CHECK(HexHashes(levels["0"]) == leaves);
  for (uint32_t level = 1; level <= 3; ++level) {
    std::vector<Hash32> expected = HexHashes(levels[std::to_string(level)]);
    for (uint64_t i = 0; i < expected.size(); ++i) {
      const uint64_t width = uint64_t{1} << level;
      std::vector<Hash32> slice(leaves.begin() + static_cast<std::ptrdiff_t>(i * width),
                                leaves.begin() + static_cast<std::ptrdiff_t>((i + 1) * width));
      CHECK(RootFromLeafHashes(slice) == expected[i]);
    }
  }
  for (const auto& [size, root] : vectors["roots_by_tree_size"].items()) {
    const uint64_t n = std::stoull(size);
    std::vector<Hash32> prefix(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n));
    CAPTURE(n);
    CHECK(RootFromLeafHashes(prefix) == HexHash(root.get<std::string>()));
  }
}

TEST_CASE("RFC 6962 reference vectors: inclusion proofs") {
  const nlohmann::json vectors = LoadVectors();
  const std::vector<Hash32> leaves = VectorLeafHashes(vectors);
  for (const auto& v : vectors["inclusion_proofs"]) {
    const uint64_t index = v["leaf_index"];
    const uint64_t size = v["tree_size"];
    CAPTURE(index);
    CAPTURE(size);
    auto input = FromHex(v["leaf_input"].get<std::string>());
    REQUIRE(input.has_value());
    const Hash32 leaf_hash = LeafHash(*input);
    CHECK(leaf_hash == HexHash(v["leaf_hash"]));
    const std::vector<Hash32> path = HexHashes(v["path"]);
    std::vector<Hash32> prefix(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(size));
    CHECK(InclusionProof(prefix, index) == path);
    CHECK(VerifyInclusion(leaf_hash, index, size, path, HexHash(v["root"])).ok());
  }
}

TEST_CASE("RFC 6962 reference vectors: consistency proofs") {
  const nlohmann::json vectors = LoadVectors();
  const std::vector<Hash32> leaves = VectorLeafHashes(vectors);
  for (const auto& v : vectors["consistency_proofs"]) {
    const uint64_t m = v["size1"];
    const uint64_t n = v["size2"];
    CAPTURE(m);
    CAPTURE(n);
    const std::vector<Hash32> proof = HexHashes(v["proof"]);
    // The vector for 1 -> 1 is the trivial equal-size case; the RFC's PROOF is empty there too.
    CHECK(ConsistencyProof(leaves, m, n) == proof);
    Status s = VerifyConsistency(m, n, HexHash(v["root1"]), HexHash(v["root2"]), proof);
    CHECK_MESSAGE(s.ok(), s.ToString());
  }
}

TEST_CASE("inclusion proofs equal the naive RFC reference for every index of sizes 1..300") {
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    const std::vector<Hash32> prefix = Prefix(n);
    const Hash32 root = RootFromLeafHashes(prefix);
    REQUIRE(root == Naive().Mth(0, n));
    for (uint64_t m = 0; m < n; ++m) {
      const std::vector<Hash32> proof = InclusionProof(prefix, m);
      if (proof != Naive().Path(m, 0, n)) FAIL("inclusion proof differs at m=", m, " n=", n);
      Status s = VerifyInclusion(prefix[m], m, n, proof, root);
      if (!s.ok()) FAIL("inclusion verify failed at m=", m, " n=", n, ": ", s.ToString());
    }
  }
}

TEST_CASE("consistency proofs equal the naive RFC reference for every 1 <= m <= n <= 300") {
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    const Hash32 new_root = Naive().Mth(0, n);
    for (uint64_t m = 1; m <= n; ++m) {
      const std::vector<Hash32> proof = ConsistencyProof(Leaves(), m, n);
      if (proof != Naive().Proof(m, n)) FAIL("consistency proof differs at m=", m, " n=", n);
      Status s = VerifyConsistency(m, n, Naive().Mth(0, m), new_root, proof);
      if (!s.ok()) FAIL("consistency verify failed at m=", m, " n=", n, ": ", s.ToString());
    }
  }
}

TEST_CASE("node coordinates rebuild every proof from stored perfect subtrees") {
  const auto store = PerfectSubtreeStore();
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    if (Fold(store, RootSubtrees(n)) != Naive().Mth(0, n)) FAIL("root subtrees wrong at n=", n);
    for (uint64_t m = 0; m < n; ++m) {
      if (FoldAll(store, InclusionProofNodes(m, n)) != Naive().Path(m, 0, n)) {
        FAIL("inclusion nodes wrong at m=", m, " n=", n);
      }
    }
    for (uint64_t m = 1; m <= n; ++m) {
      if (FoldAll(store, ConsistencyProofNodes(m, n)) != Naive().Proof(m, n)) {
        FAIL("consistency nodes wrong at m=", m, " n=", n);
      }
    }
  }
  // An ordinary node is one perfect subtree; only a right-edge node needs more, and a proof has
  // at most one (docs/crypto.md promises storage O(log n) reads).
  auto ephemeral = [](const std::vector<ProofNode>& nodes) {
    size_t count = 0;
    for (const ProofNode& node : nodes) count += node.perfect_subtrees.size() > 1 ? 1 : 0;
    return count;
  };
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    for (uint64_t m = 0; m < n; ++m) {
      if (ephemeral(InclusionProofNodes(m, n)) > 1 ||
          ephemeral(ConsistencyProofNodes(m + 1, n)) > 1) {
        FAIL("more than one ephemeral node in a proof at m=", m, " n=", n);
      }
    }
  }
  std::vector<ProofNode> nodes = InclusionProofNodes(0, 7);
  REQUIRE(nodes.size() == 3);
  CHECK(nodes[0].perfect_subtrees == std::vector<NodeId>{{0, 1}});
  CHECK(nodes[1].perfect_subtrees == std::vector<NodeId>{{1, 1}});
  CHECK(nodes[2].perfect_subtrees == std::vector<NodeId>{{1, 2}, {0, 6}});
  CHECK(RootSubtrees(7) == std::vector<NodeId>{{2, 0}, {1, 2}, {0, 6}});
  CHECK(InclusionProofNodes(0, 1).empty());
  CHECK(InclusionProofNodes(3, 3).empty());  // out of range: nothing to read
  CHECK(ConsistencyProofNodes(5, 5).empty());
  CHECK(ConsistencyProofNodes(0, 5).empty());
}

// Tampering tests check every index of small trees and, above that, the indexes where the
// verifiers' branches change (edges, the middle, around the largest power of two): every bit of
// every proof hash is flipped, so checking all indexes of all sizes would take minutes.
constexpr uint64_t kTamperMaxSize = 64;
std::vector<uint64_t> TamperIndexes(uint64_t n, uint64_t first) {
  if (n <= 16) {
    std::vector<uint64_t> all;
    for (uint64_t m = first; m < n; ++m) all.push_back(m);
    return all;
  }
  const uint64_t k = std::bit_floor(n - 1);
  std::set<uint64_t> picks = {first, first + 1, n / 3, n / 2, k - 1, k, n - 2, n - 1};
  return std::vector<uint64_t>(picks.begin(), picks.end());
}

Hash32 FlipBit(Hash32 h, size_t bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

TEST_CASE("MerkleFrontier: root, edge and completed nodes for every size 0..300") {
  const auto store = PerfectSubtreeStore();
  MerkleFrontier frontier;
  CHECK(frontier.Root() == EmptyRoot());
  std::set<std::pair<uint32_t, uint64_t>> completed;
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    frontier.AppendLeafHash(Leaves()[n - 1], [&](const NodeId& id, const Hash32& hash) {
      REQUIRE(id.level > 0);
      CHECK(store.at({id.level, id.index}) == hash);
      CHECK(completed.insert({id.level, id.index}).second);
    });
    REQUIRE(frontier.size() == n);
    if (frontier.Root() != Naive().Mth(0, n)) FAIL("frontier root differs at n=", n);
    // The edge is exactly the stored perfect subtrees of RootSubtrees(n).
    std::vector<Hash32> expected;
    for (const NodeId& id : RootSubtrees(n)) expected.push_back(store.at({id.level, id.index}));
    REQUIRE(frontier.hashes() == expected);
    // Rebuilt from its hashes, it goes on the same way.
    auto copy = MerkleFrontier::FromHashes(n, expected);
    REQUIRE(copy.ok());
    CHECK(copy->Root() == frontier.Root());
  }
  // Every inner node of every completed perfect subtree was reported once: 300 leaves complete
  // 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1 of them.
  CHECK(completed.size() == 296);
  CHECK(MerkleFrontier::FromHashes(3, {Leaves()[0]}).status().code() == "bad_frontier");
  CHECK(MerkleFrontier::FromHashes(0, {Leaves()[0]}).status().code() == "bad_frontier");
}

TEST_CASE("inclusion verifier rejects every single-bit flip, wrong index/size, bad length") {
  for (uint64_t n = 1; n <= kTamperMaxSize; ++n) {
    const std::vector<Hash32> prefix = Prefix(n);
    const Hash32 root = Naive().Mth(0, n);
    for (uint64_t m : TamperIndexes(n, 0)) {
      const Hash32& leaf = prefix[m];
      const std::vector<Hash32> proof = InclusionProof(prefix, m);
      for (size_t i = 0; i < proof.size(); ++i) {
        for (size_t bit = 0; bit < 256; ++bit) {
          std::vector<Hash32> bad = proof;
          bad[i] = FlipBit(bad[i], bit);
          if (VerifyInclusion(leaf, m, n, bad, root).code() != "root_mismatch") {
            FAIL("bit flip accepted at m=", m, " n=", n, " i=", i, " bit=", bit);
          }
        }
      }
      for (size_t bit = 0; bit < 256; bit += 7) {
        if (VerifyInclusion(FlipBit(leaf, bit), m, n, proof, root).ok()) FAIL("leaf flip");
        if (VerifyInclusion(leaf, m, n, proof, FlipBit(root, bit)).ok()) FAIL("root flip");
      }
      for (uint64_t other = 0; other < n + 2; ++other) {
        if (other != m && VerifyInclusion(leaf, other, n, proof, root).ok()) {
          FAIL("wrong index ", other, " accepted for m=", m, " n=", n);
        }
      }
      // The proof does not bind the tree size (the signed checkpoint does): a size whose proof
      // has the same shape verifies the same hashes. Every size with another length is refused.
      for (uint64_t size = m + 1; size <= 2 * n; ++size) {
        if (size != n && Naive().Path(m, 0, size).size() != proof.size() &&
            VerifyInclusion(leaf, m, size, proof, root).code() != "proof_length") {
          FAIL("wrong size ", size, " accepted for m=", m, " n=", n);
        }
      }
      std::vector<Hash32> extended = proof;
      extended.push_back(leaf);
      CHECK(VerifyInclusion(leaf, m, n, extended, root).code() == "proof_length");
      if (!proof.empty()) {
        std::vector<Hash32> truncated(proof.begin(), proof.end() - 1);
        CHECK(VerifyInclusion(leaf, m, n, truncated, root).code() == "proof_length");
      }
    }
  }
  const Hash32 leaf = Leaves()[0];
  CHECK(VerifyInclusion(leaf, 0, 0, {}, EmptyRoot()).code() == "index_out_of_range");
  CHECK(VerifyInclusion(leaf, 5, 5, {}, leaf).code() == "index_out_of_range");
  CHECK(VerifyInclusion(leaf, 0, 1, {}, leaf).ok());
}

TEST_CASE("consistency verifier rejects every single-bit flip, wrong sizes, bad length") {
  for (uint64_t n = 2; n <= kTamperMaxSize; ++n) {
    const Hash32 new_root = Naive().Mth(0, n);
    for (uint64_t m : TamperIndexes(n, 1)) {
      const Hash32 old_root = Naive().Mth(0, m);
      const std::vector<Hash32> proof = ConsistencyProof(Leaves(), m, n);
      for (size_t i = 0; i < proof.size(); ++i) {
        for (size_t bit = 0; bit < 256; ++bit) {
          std::vector<Hash32> bad = proof;
          bad[i] = FlipBit(bad[i], bit);
          if (VerifyConsistency(m, n, old_root, new_root, bad).ok()) {
            FAIL("bit flip accepted at m=", m, " n=", n, " i=", i, " bit=", bit);
          }
        }
      }
      for (size_t bit = 0; bit < 256; bit += 7) {
        if (VerifyConsistency(m, n, FlipBit(old_root, bit), new_root, proof).ok()) {
          FAIL("old root flip accepted at m=", m, " n=", n);
        }
        if (VerifyConsistency(m, n, old_root, FlipBit(new_root, bit), proof).ok()) {
          FAIL("new root flip accepted at m=", m, " n=", n);
        }
      }
      // As for inclusion, sizes are bound by the checkpoints; a proof must fail for every size
      // pair whose proof has another length.
      for (uint64_t other = 1; other < n; ++other) {
        if (other != m && VerifyConsistency(other, n, old_root, new_root, proof).ok()) {
          FAIL("wrong old size ", other, " accepted for m=", m, " n=", n);
        }
      }
      for (uint64_t size = m + 1; size <= 2 * n; ++size) {
        if (size != n && Naive().Proof(m, size).size() != proof.size() &&
            VerifyConsistency(m, size, old_root, new_root, proof).ok()) {
          FAIL("wrong new size ", size, " accepted for m=", m, " n=", n);
        }
      }
      std::vector<Hash32> extended = proof;
      extended.push_back(new_root);
      CHECK(VerifyConsistency(m, n, old_root, new_root, extended).code() == "proof_length");
      std::vector<Hash32> truncated(proof.begin(), proof.end() - 1);
      CHECK(VerifyConsistency(m, n, old_root, new_root, truncated).code() == "proof_length");
    }
  }
}

TEST_CASE("consistency verifier error codes and RFC edge cases") {
  const Hash32 r3 = Naive().Mth(0, 3);
  const Hash32 r5 = Naive().Mth(0, 5);
  const Hash32 r4 = Naive().Mth(0, 4);
  const std::vector<Hash32> p35 = ConsistencyProof(Leaves(), 3, 5);
  CHECK(VerifyConsistency(5, 3, r5, r3, p35).code() == "size_order");
  CHECK(VerifyConsistency(0, 5, EmptyRoot(), r5, {}).code() == "size_order");
  CHECK(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}).code() == "size_order");
  CHECK(VerifyConsistency(3, 5, r3, r5, {}).code() == "proof_length");
  CHECK(VerifyConsistency(3, 5, r4, r5, p35).code() == "old_root_mismatch");
  CHECK(VerifyConsistency(3, 5, r3, r4, p35).code() == "root_mismatch");
  // Equal sizes: only an empty proof between equal roots.
  CHECK(VerifyConsistency(5, 5, r5, r5, {}).ok());
  CHECK(VerifyConsistency(5, 5, r5, r4, {}).code() == "root_mismatch");
  CHECK(VerifyConsistency(5, 5, r5, r5, {r5}).code() == "proof_length");
  CHECK(ConsistencyProof(Leaves(), 5, 5).empty());
}

}  // namespace
}  // namespace evchain::crypto
