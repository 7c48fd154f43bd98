// common/free_ports: ports from the kernel for local networks.
#include "common/free_ports.h"

#include <doctest/doctest.h>

#include <set>

namespace evchain {
namespace {

TEST_CASE("free loopback ports are distinct and non-zero") {
  auto ports = FreeLoopbackPorts(16);
  REQUIRE_MESSAGE(ports.ok(), ports.status().ToString());
  CHECK(ports->size() == 16);
  const std::set<uint16_t> distinct(ports->begin(), ports->end());
  CHECK(distinct.size() == 16);
  CHECK(distinct.count(0) == 0);
  auto none = FreeLoopbackPorts(0);
  REQUIRE(none.ok());
  CHECK(none->empty());
}

}  // namespace
}  // namespace evchain
