#include "api/rate_limiter.h"

#include <algorithm>
#include <iterator>

namespace evchain::api {

RateLimiter::RateLimiter(double rate_per_second, double burst, size_t max_clients)
    : rate_(rate_per_second), burst_(std::max(burst, 1.0)), max_clients_(max_clients) {}

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
    if (buckets_.size() >= max_clients_) {
      for (auto bucket = buckets_.begin(); bucket != buckets_.end();) {
        Refill(bucket->second, now);
        bucket = bucket->second.tokens >= burst_ ? buckets_.erase(bucket) : std::next(bucket);
      }
      if (buckets_.size() >= max_clients_) buckets_.clear();
    }
    it = buckets_.emplace(client, Bucket{burst_, now}).first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

}  // namespace evchain::api
