// An in-memory Bloom filter over the log's evidence-id and nonce index keys, so that looking up
// a deposit that is not in the log — the common case: every new deposit is looked up several
// times before it commits — costs a few memory reads instead of a LevelDB iterator seek across
// every level (docs/benchmarks.md "End-to-end": those seeks were 17-22 % of a validator's CPU).
//
// Only "absent" answers are trusted: MayContain false means no index key of this kind and hash
// prefix was ever added; true means "look in LevelDB". It grows without rebuilding (segments,
// each twice the previous capacity), keeps about 10 bits per key (~1 % false positives), and
// takes concurrent readers with writers (Add is serialised by a mutex; readers take no lock):
// bits are set with atomic ORs before the writer publishes the entry (EvidenceLog's state
// mutex), so a reader that sees an entry in the log sees its bits.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "common/bytes.h"

namespace evchain::storage {

class IndexFilter {
 public:
  // Room for `expected_keys` before the first new segment.
  explicit IndexFilter(uint64_t expected_keys);
  ~IndexFilter();
  IndexFilter(const IndexFilter&) = delete;
  IndexFilter& operator=(const IndexFilter&) = delete;

  // `hash_prefix`: the first keys::kIndexHashBytes (8) bytes of the index key's hash, as stored
  // in the key. Thread-safe.
  void Add(char kind, std::string_view hash_prefix);
  bool MayContain(char kind, std::string_view hash_prefix) const;
  // The same for a full hash (its first 8 bytes).
  bool MayContain(char kind, const Hash32& hash) const;

  uint64_t keys() const { return keys_.load(std::memory_order_relaxed); }
  uint64_t bytes() const;

 private:
  struct Segment;
  static constexpr size_t kMaxSegments = 40;  // capacities double: far beyond any log
  static uint64_t KeyHash(char kind, std::string_view hash_prefix);

  std::mutex add_mu_;  // Add only
  std::array<std::unique_ptr<Segment>, kMaxSegments> segments_;
  std::atomic<size_t> segment_count_{0};
  std::atomic<uint64_t> keys_{0};
};

}  // namespace evchain::storage
