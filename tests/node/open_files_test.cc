// node/open_files.h: the index store's table cache gets what the descriptor limit leaves after
// the HTTP connections, a reserve and the companion, never less than LevelDB's default nor more
// than the memory cap.
#include "node/open_files.h"

#include <doctest/doctest.h>

#include <cstdint>

namespace evchain::node {
namespace {

TEST_CASE("the index store's open tables follow the descriptor limit") {
  // The usual soft limit, below even the connections: LevelDB's default, as before.
  CHECK(IndexTables(1024, 10000) == kMinIndexTables);
  // systemd's LimitNOFILE=65536 (node/systemd): 65,536 − 10,000 − 512 − 1,000, capped.
  CHECK(IndexTables(65536, 10000) == kMaxIndexTables);
  // A limit that leaves a little over the default: all of it.
  CHECK(IndexTables(10000 + kReservedDescriptors + kCompanionTables + 3000, 10000) == 3000);
  // Unlimited, or unreadable (0).
  CHECK(IndexTables(UINT64_MAX, 10000) == kMaxIndexTables);
  CHECK(IndexTables(0, 10000) == kMinIndexTables);
  // The floor can exceed what the limit allows: the node warns then.
  CHECK(DescriptorsWanted(10000, IndexTables(1024, 10000)) == 12512);
  CHECK(DescriptorsWanted(10000, IndexTables(65536, 10000)) <= 65536);
}

TEST_CASE("the open file limit is raised to the hard limit and read back") {
  const uint64_t raised = RaiseOpenFileLimit();
  CHECK(raised > 0);
  CHECK(OpenFileLimit() == raised);
  CHECK(RaiseOpenFileLimit() == raised);  // idempotent
}

}  // namespace
}  // namespace evchain::node
