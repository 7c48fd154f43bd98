#include "node/allocator.h"

#if defined(EVCHAIN_WITH_JEMALLOC)
#include <jemalloc/jemalloc.h>
#else
#include <gnu/libc-version.h>
#endif

namespace evchain::node {

std::string AllocatorName() {
#if defined(EVCHAIN_WITH_JEMALLOC)
  // Asking jemalloc itself also keeps the link to it: a linker that drops libraries no symbol
  // is taken from (--as-needed) would otherwise leave the process on glibc's malloc.
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) != 0 ||
      version == nullptr) {
    return "jemalloc (version unknown)";
  }
  return std::string("jemalloc ") + version;
#elif defined(EVCHAIN_SANITIZED_BUILD)
  return "the sanitizer's allocator";
#else
  return std::string("glibc ") + gnu_get_libc_version() + " malloc";
#endif
}

}  // namespace evchain::node
