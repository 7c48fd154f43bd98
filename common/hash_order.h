// Containers keyed by SHA-256 hashes (evidence ids, block hashes).
//
// Ordered ones order keys bytewise, exactly as std::less<Hash32> does, but compare the first 8
// bytes as one number first: hashes almost always differ there, so each step down the tree is one
// inline comparison instead of a call to memcmp (a deposit pool of thousands of ids is searched
// several times per deposit). Same order, so iteration and everything derived from it are
// unchanged.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/bytes.h"

namespace evchain {

struct Hash32Less {
  bool operator()(const Hash32& a, const Hash32& b) const noexcept {
    const uint64_t x = GetU64BE(a.data());
    const uint64_t y = GetU64BE(b.data());
    if (x != y) return x < y;
    return std::memcmp(a.data() + 8, b.data() + 8, a.size() - 8) < 0;
  }
};

template <typename Value>
using Hash32Map = std::map<Hash32, Value, Hash32Less>;
using Hash32Set = std::set<Hash32, Hash32Less>;

// Hash tables keyed by SHA-256 hashes, for the large pools that are searched on every deposit
// (a lookup is one or two cache misses where a tree of 40,000 ids takes ~16 steps). Salted:
// evidence ids are hashes of statements that a depositor writes, and a depositor could grind
// statements whose ids fall into one bucket of an unsalted table, so that each lookup walks all
// of them. With a salt the depositor does not know (a node draws it at random; the replica
// derives it from its signing key, as it may use no randomness) it cannot aim at a bucket.
//
// Iteration order depends on the salt and on the table's history: it must never decide an output
// (what a replica sends or persists). Walk such a container in an order of its own instead.
class Hash32Hasher {
 public:
  explicit Hash32Hasher(uint64_t salt) : salt_(salt) {}
  size_t operator()(const Hash32& h) const noexcept {
    uint64_t v;
    std::memcpy(&v, h.data(), sizeof v);
    // MurmurHash3's 64-bit finalizer: every bit of key and salt reaches every bit of the result,
    // so the bucket (the result modulo the bucket count) depends on all of them.
    v ^= salt_;
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    v *= 0xc4ceb9fe1a85ec53ULL;
    v ^= v >> 33;
    return static_cast<size_t>(v);
  }

 private:
  uint64_t salt_;
};

// Construct with the salt: Hash32HashMap<V> m(0, Hash32Hasher(salt)).
template <typename Value>
using Hash32HashMap = std::unordered_map<Hash32, Value, Hash32Hasher>;
using Hash32HashSet = std::unordered_set<Hash32, Hash32Hasher>;

}  // namespace evchain
