// Token buckets: a per-client limiter (by address, for every /v1/ route) and per-depositor quotas
// (for authenticated deposit routes, checked after the signature). Time is passed in, so tests
// need no sleeping. Thread-safe. docs/api.md "Limits".
#pragma once

#include <chrono>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace evchain::api {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // rate <= 0 disables limiting. At most `max_clients` buckets are kept; a new client beyond
  // that evicts the least recently seen one. Rotating addresses (IPv6 gives a client millions)
  // thus only ever displace idle buckets: a client that keeps sending keeps its bucket as long as
  // fewer than `max_clients` other addresses appear between two of its requests.
  RateLimiter(double rate_per_second, double burst, size_t max_clients = 65536);

  // Returns true iff `client` may make one more request at `now` (and takes its token).
  bool Allow(const std::string& client, Clock::time_point now);
  size_t tracked() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
    std::list<std::string>::iterator age;  // position in lru_
  };
  void Refill(Bucket& bucket, Clock::time_point now) const;

  const double rate_;
  const double burst_;
  const size_t max_clients_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
  std::list<std::string> lru_;                       // least recently seen first; guarded by mu_
};

// A quota per depositor id: requests per second and burst, with a default for depositors not
// named. A rate of 0 disables the quota (the default: none).
struct Quota {
  double rate_per_second = 0;
  double burst = 0;
};

class DepositorQuotas {
 public:
  using Clock = RateLimiter::Clock;
  DepositorQuotas() = default;
  DepositorQuotas(Quota default_quota, std::map<std::string, Quota> per_depositor);

  // Returns true iff `depositor` may make one more deposit request at `now`.
  bool Allow(const std::string& depositor, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  Quota QuotaOf(const std::string& depositor) const;

  Quota default_;
  std::map<std::string, Quota> per_depositor_;
  std::mutex mu_;
  // Keyed by depositor ids that passed a signature check, so bounded by the genesis.
  std::map<std::string, Bucket> buckets_;  // guarded by mu_
};

}  // namespace evchain::api
