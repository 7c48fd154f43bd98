// Proof chunks: the Merkle nodes of levels 1-9 of each complete 1,024-leaf subtree (a node of
// level 10), written again together in one companion record beside the nodes themselves. A
// leaf's siblings of levels 4-9 lie 2^l entries apart, each in a 4 KiB block of its own, so a
// proof read them with six to ten random reads of the disk; from the chunk it reads one record,
// and the nodes of level 10 and above are in memory (docs/storage-format.md "Proof chunks").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "crypto/merkle.h"

namespace evchain::storage {

class ProofChunk {
 public:
  static constexpr uint32_t kLevel = 10;  // a chunk is the perfect subtree of this level
  static constexpr size_t kNodes = 1022;  // its nodes of levels 1 .. kLevel - 1
  static constexpr size_t kBytes = kNodes * sizeof(Hash32);

  // Whether node `id` is one a chunk holds.
  static bool Holds(const crypto::NodeId& id) { return id.level >= 1 && id.level < kLevel; }
  // The chunk (the index of its level-10 node) that node `id` lies in. REQUIRES: Holds(id).
  static uint64_t Of(const crypto::NodeId& id) { return id.index >> (kLevel - id.level); }
  // The first leaf past chunk `chunk`: the log holds its record once its size reaches this.
  static uint64_t EndLeaf(uint64_t chunk) { return (chunk + 1) << kLevel; }
  // Where node `id` lies in its chunk's record: level 1's 512 nodes left to right, then level
  // 2's 256, ..., level 9's 2. REQUIRES: Holds(id).
  static size_t Position(const crypto::NodeId& id) {
    const size_t level_start = (size_t{1} << kLevel) - (size_t{1} << (kLevel + 1 - id.level));
    return level_start + static_cast<size_t>(id.index & ((uint64_t{1} << (kLevel - id.level)) - 1));
  }
  // Node `id`'s hash in `record`, its chunk's record; nullopt when `record` is not kBytes long.
  static std::optional<Hash32> Read(std::string_view record, const crypto::NodeId& id) {
    if (record.size() != kBytes) return std::nullopt;
    Hash32 h;
    std::memcpy(h.data(), record.data() + Position(id) * sizeof(Hash32), sizeof(Hash32));
    return h;
  }

  // Keeps node `id` of the chunk being built. REQUIRES: Holds(id).
  void Set(const crypto::NodeId& id, const Hash32& hash) { nodes_[Position(id)] = hash; }
  // The record of the chunk being built: complete once each of its nodes was set.
  std::string_view record() const { return {reinterpret_cast<const char*>(nodes_.data()), kBytes}; }

 private:
  static_assert(sizeof(std::array<Hash32, kNodes>) == kBytes);
  std::array<Hash32, kNodes> nodes_{};
};

}  // namespace evchain::storage
