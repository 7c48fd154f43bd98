// Which malloc the evchain-node process runs on, for its startup log line (docs/node.md
// "Memory allocator"). Built into the evchain-node executable only: the allocator is chosen when
// the executable is linked (CMake option EVCHAIN_JEMALLOC), not by the libraries.
#pragma once

#include <string>

namespace evchain::node {

// "jemalloc 5.3.0-0-g…" when linked with jemalloc and jemalloc serves malloc (checked with one
// allocation), "another malloc than the linked jemalloc …" when it is linked but does not (an
// LD_PRELOAD took malloc), "the sanitizer's allocator" in an EVCHAIN_SANITIZE build, otherwise
// "glibc 2.36 malloc".
std::string AllocatorName();

}  // namespace evchain::node
