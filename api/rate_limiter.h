// A per-client token bucket: each client (by address) may make `burst` requests at once and
// `rate` per second sustained. Time is passed in, so tests need no sleeping. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace evchain::api {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // rate <= 0 disables limiting. At most `max_clients` buckets are kept; beyond that, full
  // buckets are forgotten (they are indistinguishable from new clients), and if none is full
  // every bucket is reset, which only ever errs towards admitting requests.
  RateLimiter(double rate_per_second, double burst, size_t max_clients = 65536);

  // Returns true iff `client` may make one more request at `now` (and takes its token).
  bool Allow(const std::string& client, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  void Refill(Bucket& bucket, Clock::time_point now) const;

  const double rate_;
  const double burst_;
  const size_t max_clients_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace evchain::api
