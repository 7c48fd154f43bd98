// Small pure pieces of node/net: reconnect backoff.
#include <doctest/doctest.h>

#include "node/net/backoff.h"

namespace evchain::net {
namespace {

using std::chrono::milliseconds;

TEST_CASE("backoff doubles, is capped and jitters within [d/2, d]") {
  milliseconds initial(100), cap(2000);
  CHECK(BackoffDelay(0, initial, cap, 0.0) == milliseconds(50));
  CHECK(BackoffDelay(0, initial, cap, 0.999999) == milliseconds(99));
  CHECK(BackoffDelay(1, initial, cap, 0.0) == milliseconds(100));
  CHECK(BackoffDelay(3, initial, cap, 0.5) == milliseconds(600));
  for (int attempt : {5, 10, 63, 1000000}) {
    CHECK(BackoffDelay(attempt, initial, cap, 0.0) == milliseconds(1000));
    CHECK(BackoffDelay(attempt, initial, cap, 1.0) == milliseconds(2000));
  }
  CHECK(BackoffDelay(2, initial, cap, -3.0) == milliseconds(200));  // clamped sample
}

}  // namespace
}  // namespace evchain::net
