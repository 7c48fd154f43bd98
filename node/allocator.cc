#include "node/allocator.h"

#include <cstdint>
#include <cstdlib>

#if defined(EVCHAIN_WITH_JEMALLOC)
#include <jemalloc/jemalloc.h>
#else
#include <gnu/libc-version.h>
#endif

namespace evchain::node {

#if defined(EVCHAIN_WITH_JEMALLOC)
namespace {

// Bytes jemalloc has handed this thread so far, in `bytes`; false when it cannot say.
bool ThreadAllocated(uint64_t* bytes) {
  size_t size = sizeof(*bytes);
  return mallctl("thread.allocated", static_cast<void*>(bytes), &size, nullptr, 0) == 0;
}

// Whether malloc itself is jemalloc's: linking the library is not enough if another malloc comes
// first in the process's symbol lookup (an LD_PRELOAD, a reordered link).
bool ServesMalloc() {
  uint64_t before = 0;
  uint64_t after = 0;
  if (!ThreadAllocated(&before)) return false;
  void* volatile block = std::malloc(4096);  // volatile: the compiler may not elide the pair
  const bool counted = ThreadAllocated(&after) && after >= before + 4096;
  std::free(block);
  return counted;
}

}  // namespace
#endif

std::string AllocatorName() {
#if defined(EVCHAIN_WITH_JEMALLOC)
  // Asking jemalloc itself also keeps the link to it: a linker that drops libraries no symbol
  // is taken from (--as-needed) would otherwise leave the process on glibc's malloc.
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) != 0 ||
      version == nullptr) {
    version = "(version unknown)";
  }
  if (!ServesMalloc()) {
    return std::string("another malloc than the linked jemalloc ") + version;
  }
  return std::string("jemalloc ") + version;
#elif defined(EVCHAIN_SANITIZED_BUILD)
  return "the sanitizer's allocator";
#else
  return std::string("glibc ") + gnu_get_libc_version() + " malloc";
#endif
}

}  // namespace evchain::node
