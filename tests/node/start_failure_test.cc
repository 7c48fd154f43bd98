// The start-up failure line (node/start_failure.h): damaged data names the data directory and
// the way back; anything else is the status as it is.
#include "node/start_failure.h"

#include <doctest/doctest.h>

namespace evchain::node {
namespace {

TEST_CASE("damaged data at start-up names the data directory and what to do") {
  const Status damaged = Status::Error("corruption", "Corruption: block checksum mismatch");
  CHECK(StartFailureText(damaged, "/var/lib/evchain/court-1") ==
        "cannot start: the data in /var/lib/evchain/court-1 is damaged (corruption: Corruption: "
        "block checksum mismatch): restore the data directory from a backup or a snapshot "
        "(evchain snapshot fetch gets one from the peers), whose restore marker keeps this "
        "validator from voting again on what it voted on; an empty data directory has no marker "
        "(docs/operations.md \"When the disk fails\", \"Restore\")");
  CHECK(StartFailureText(Status::Error("net_listen_failed", "127.0.0.1:7000: in use"), "/d") ==
        "cannot start: net_listen_failed: 127.0.0.1:7000: in use");
}

}  // namespace
}  // namespace evchain::node
