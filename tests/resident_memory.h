// This process's resident memory, for tests that bound what a hostile input makes the code keep.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <fstream>

namespace evchain::testing {

// AddressSanitizer keeps freed memory in quarantine (256 MiB by default), so there resident
// memory also holds what the code freed: a bound on growth is checked in the other builds.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kResidentMemoryMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kResidentMemoryMeaningful = false;
#else
inline constexpr bool kResidentMemoryMeaningful = true;
#endif
#else
inline constexpr bool kResidentMemoryMeaningful = true;
#endif

// This process's resident memory in bytes (/proc/self/statm).
inline uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0;
  uint64_t resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace evchain::testing
