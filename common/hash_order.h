// Ordered containers keyed by SHA-256 hashes (evidence ids, block hashes). They order keys
// bytewise, exactly as std::less<Hash32> does, but compare the first 8 bytes as one number
// first: hashes almost always differ there, so each step down the tree is one inline comparison
// instead of a call to memcmp (a deposit pool of thousands of ids is searched several times per
// deposit). Same order, so iteration and everything derived from it are unchanged.
#pragma once

#include <cstring>
#include <map>
#include <set>

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

}  // namespace evchain
