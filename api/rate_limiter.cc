#include "api/rate_limiter.h"

#include <algorithm>

namespace evchain::api {

RateLimiter::RateLimiter(double rate_per_second, double burst, size_t max_clients)
    : rate_(rate_per_second),
      burst_(std::max(burst, 1.0)),
      max_clients_(std::max<size_t>(max_clients, 1)) {}

void RateLimiter::Refill(Bucket& bucket, Clock::time_point now) const {
  if (now <= bucket.updated) return;
  const double seconds = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(burst_, bucket.tokens + seconds * rate_);
  bucket.updated = now;
}

bool RateLimiter::Allow(const std::string& client, Clock::time_point now) {
  if (rate_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    while (buckets_.size() >= max_clients_) {
      buckets_.erase(lru_.front());
      lru_.pop_front();
    }
    lru_.push_back(client);
    it = buckets_.emplace(client, Bucket{burst_, now, std::prev(lru_.end())}).first;
  } else {
    lru_.splice(lru_.end(), lru_, it->second.age);
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

size_t RateLimiter::tracked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

DepositorQuotas::DepositorQuotas(Quota default_quota, std::map<std::string, Quota> per_depositor)
    : default_(default_quota), per_depositor_(std::move(per_depositor)) {}

Quota DepositorQuotas::QuotaOf(const std::string& depositor) const {
  auto it = per_depositor_.find(depositor);
  return it == per_depositor_.end() ? default_ : it->second;
}

bool DepositorQuotas::Allow(const std::string& depositor, Clock::time_point now) {
  const Quota quota = QuotaOf(depositor);
  if (quota.rate_per_second <= 0) return true;
  const double burst = std::max(quota.burst, 1.0);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(depositor, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh && now > b.updated) {
    const double seconds = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst, b.tokens + seconds * quota.rate_per_second);
    b.updated = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace evchain::api
