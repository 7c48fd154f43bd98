#include "consensus/pacemaker.h"

#include <doctest/doctest.h>

namespace evchain::consensus {
namespace {

TEST_CASE("each view change doubles the timeouts, up to 64 times the base") {
  Pacemaker p;
  CHECK(p.Timeout(2000) == 2000);
  for (uint32_t k = 1; k <= 10; ++k) {
    p.ViewChangeStarted();
    CHECK(p.level() == std::min<uint32_t>(k, Pacemaker::kMaxLevel));
  }
  CHECK(p.Timeout(2000) == 128000);
  CHECK(p.LowerTimeout(2000) == 64000);
  CHECK(Pacemaker(99).level() == Pacemaker::kMaxLevel);  // a persisted level out of range
}

TEST_CASE("a commit faster than half the lower level's timeout brings the level down by one") {
  Pacemaker p(3);                        // timeouts 8 x 1000 ms; the level below allows 4000 ms
  CHECK_FALSE(p.Committed(2000, 1000));  // not under half of 4000: the timeouts stay
  CHECK(p.level() == 3);
  CHECK(p.Committed(1999, 1000));
  CHECK(p.level() == 2);
  CHECK(p.Committed(10, 1000));
  CHECK(p.Committed(10, 1000));
  CHECK_FALSE(p.Committed(10, 1000));  // never below the base
  CHECK(p.level() == 0);
}

}  // namespace
}  // namespace evchain::consensus
