// A salt for the node's hash tables keyed by evidence ids (common/hash_order.h), drawn from the
// OS random source at start: depositors cannot learn it, so cannot grind ids into one bucket.
#pragma once

#include <cstdint>
#include <random>

namespace evchain::node {

inline uint64_t RandomHashSalt() {
  std::random_device device;  // the OS source (/dev/urandom or getrandom) on Linux
  return (uint64_t{device()} << 32) ^ device();
}

}  // namespace evchain::node
