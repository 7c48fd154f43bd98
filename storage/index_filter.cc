#include "storage/index_filter.h"

#include <algorithm>
#include <cstring>

namespace evchain::storage {
namespace {

constexpr uint64_t kBitsPerKey = 10;
constexpr int kProbes = 7;              // bits set per key, all in one 512-bit block
constexpr uint64_t kWordsPerBlock = 8;  // one 64-byte cache line

// SplitMix64's finaliser: spreads the bits of x over the whole word.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

struct IndexFilter::Segment {
  explicit Segment(uint64_t capacity_keys)
      : capacity(capacity_keys),
        blocks(std::max<uint64_t>(1, capacity_keys * kBitsPerKey / (64 * kWordsPerBlock))),
        words(new std::atomic<uint64_t>[blocks * kWordsPerBlock]()) {}

  // Blocked Bloom filter: the key's block, then kProbes bit positions inside it (double hashing).
  template <typename Fn>
  void ForEachBit(uint64_t h, Fn&& fn) const {
    const uint64_t block = (h >> 32) % blocks;
    uint32_t a = static_cast<uint32_t>(h);
    const uint32_t b = static_cast<uint32_t>(Mix(h) >> 32) | 1;
    for (int i = 0; i < kProbes; ++i, a += b) {
      const uint32_t bit = a % (64 * kWordsPerBlock);
      fn(words[block * kWordsPerBlock + bit / 64], uint64_t{1} << (bit % 64));
    }
  }

  const uint64_t capacity;
  uint64_t added = 0;  // the writer's count
  const uint64_t blocks;
  const std::unique_ptr<std::atomic<uint64_t>[]> words;
};

IndexFilter::IndexFilter(uint64_t expected_keys) {
  segments_[0] = std::make_unique<Segment>(std::max<uint64_t>(expected_keys, 1 << 16));
  segment_count_.store(1, std::memory_order_release);
}

IndexFilter::~IndexFilter() = default;

uint64_t IndexFilter::KeyHash(char kind, std::string_view hash_prefix) {
  uint64_t h = 0;
  std::memcpy(&h, hash_prefix.data(), std::min(sizeof h, hash_prefix.size()));
  return Mix(h ^ (static_cast<uint64_t>(static_cast<uint8_t>(kind)) << 56));
}

void IndexFilter::Add(char kind, std::string_view hash_prefix) {
  std::lock_guard lock(add_mu_);
  size_t count = segment_count_.load(std::memory_order_relaxed);
  Segment* last = segments_[count - 1].get();
  if (last->added >= last->capacity && count < kMaxSegments) {
    segments_[count] = std::make_unique<Segment>(2 * last->capacity);
    segment_count_.store(count + 1, std::memory_order_release);
    last = segments_[count].get();
  }
  ++last->added;
  last->ForEachBit(KeyHash(kind, hash_prefix), [](std::atomic<uint64_t>& word, uint64_t mask) {
    word.fetch_or(mask, std::memory_order_relaxed);
  });
  keys_.fetch_add(1, std::memory_order_relaxed);
}

bool IndexFilter::MayContain(char kind, std::string_view hash_prefix) const {
  const uint64_t h = KeyHash(kind, hash_prefix);
  const size_t count = segment_count_.load(std::memory_order_acquire);
  for (size_t s = 0; s < count; ++s) {
    bool all = true;
    segments_[s]->ForEachBit(h, [&all](const std::atomic<uint64_t>& word, uint64_t mask) {
      all = all && (word.load(std::memory_order_relaxed) & mask) != 0;
    });
    if (all) return true;
  }
  return false;
}

bool IndexFilter::MayContain(char kind, const Hash32& hash) const {
  return MayContain(kind, std::string_view(reinterpret_cast<const char*>(hash.data()), 8));
}

uint64_t IndexFilter::bytes() const {
  uint64_t total = 0;
  const size_t count = segment_count_.load(std::memory_order_acquire);
  for (size_t s = 0; s < count; ++s) total += segments_[s]->blocks * kWordsPerBlock * 8;
  return total;
}

}  // namespace evchain::storage
