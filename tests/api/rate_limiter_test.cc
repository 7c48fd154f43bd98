#include "api/rate_limiter.h"

#include <doctest/doctest.h>

namespace evchain::api {
namespace {

using Clock = RateLimiter::Clock;

TEST_CASE("a client gets its burst, then one request per 1/rate seconds") {
  RateLimiter limiter(/*rate_per_second=*/2, /*burst=*/3);
  const Clock::time_point t0{};
  for (int i = 0; i < 3; ++i) CHECK(limiter.Allow("a", t0));
  CHECK_FALSE(limiter.Allow("a", t0));
  CHECK(limiter.Allow("b", t0));  // clients are independent
  CHECK_FALSE(limiter.Allow("a", t0 + std::chrono::milliseconds(400)));
  CHECK(limiter.Allow("a", t0 + std::chrono::milliseconds(500)));
  CHECK_FALSE(limiter.Allow("a", t0 + std::chrono::milliseconds(500)));
  // Refill is capped at the burst.
  const auto later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) CHECK(limiter.Allow("a", later));
  CHECK_FALSE(limiter.Allow("a", later));
}

TEST_CASE("rate 0 disables limiting") {
  RateLimiter off(0, 1);
  for (int i = 0; i < 100; ++i) CHECK(off.Allow("a", Clock::time_point{}));
}

// Issue 12 item 5: the table used to be cleared once full, so rotating addresses reset every
// client's bucket, the abuser's own included.
TEST_CASE("a full client table evicts the least recently seen client, never the busy ones") {
  RateLimiter small(1, 1, /*max_clients=*/2);
  const Clock::time_point t0{};
  CHECK(small.Allow("busy", t0));
  CHECK_FALSE(small.Allow("busy", t0));
  CHECK(small.Allow("rotating-1", t0));
  CHECK_FALSE(small.Allow("busy", t0));  // "busy" is now the most recently seen
  // A new address evicts "rotating-1" (least recently seen), not "busy".
  CHECK(small.Allow("rotating-2", t0));
  CHECK_FALSE(small.Allow("busy", t0));
  // Many rotating addresses never reset "busy" as long as it keeps sending.
  for (int i = 3; i < 100; ++i) {
    CHECK(small.Allow("rotating-" + std::to_string(i), t0));
    CHECK_FALSE(small.Allow("busy", t0));
  }
}

TEST_CASE("depositor quotas: none by default, a named quota, a default for everyone else") {
  DepositorQuotas none;
  for (int i = 0; i < 1000; ++i) CHECK(none.Allow("anyone", Clock::time_point{}));
  DepositorQuotas q(Quota{0, 0}, {{"platform-a", Quota{1, 2}}});
  const Clock::time_point t0{};
  CHECK(q.Allow("platform-a", t0));
  CHECK(q.Allow("platform-a", t0));
  CHECK_FALSE(q.Allow("platform-a", t0));
  CHECK(q.Allow("platform-a", t0 + std::chrono::seconds(1)));
  for (int i = 0; i < 100; ++i) CHECK(q.Allow("platform-b", t0));  // default 0: no quota
  DepositorQuotas everyone(Quota{1, 1}, {});
  CHECK(everyone.Allow("x", t0));
  CHECK_FALSE(everyone.Allow("x", t0));
  CHECK(everyone.Allow("y", t0));
}

}  // namespace
}  // namespace evchain::api
