#include "node/open_files.h"

#include <sys/resource.h>

#include <algorithm>

namespace evchain::node {

uint64_t RaiseOpenFileLimit() {
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);  // on failure the old limit stays, and is reported
  }
  return OpenFileLimit();
}

uint64_t OpenFileLimit() {
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) != 0) return 0;
  return nofile.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(nofile.rlim_cur);
}

int IndexTables(uint64_t open_file_limit, uint64_t max_connections) {
  const uint64_t taken = max_connections + kReservedDescriptors + kCompanionTables;
  const uint64_t left = open_file_limit > taken ? open_file_limit - taken : 0;
  return static_cast<int>(std::clamp(left, kMinIndexTables, kMaxIndexTables));
}

uint64_t DescriptorsWanted(uint64_t max_connections, int index_tables) {
  return max_connections + kReservedDescriptors + kCompanionTables +
         static_cast<uint64_t>(index_tables);
}

}  // namespace evchain::node
