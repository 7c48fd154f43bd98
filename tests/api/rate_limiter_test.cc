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

TEST_CASE("rate 0 disables limiting; the client table stays bounded") {
  RateLimiter off(0, 1);
  for (int i = 0; i < 100; ++i) CHECK(off.Allow("a", Clock::time_point{}));
  RateLimiter small(1, 1, /*max_clients=*/2);
  const Clock::time_point t0{};
  CHECK(small.Allow("a", t0));
  CHECK(small.Allow("b", t0));
  // The table is full of empty buckets: admitting "c" resets it rather than growing it.
  CHECK(small.Allow("c", t0));
  CHECK_FALSE(small.Allow("c", t0));
}

}  // namespace
}  // namespace evchain::api
