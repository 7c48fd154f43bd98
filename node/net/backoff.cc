#include "node/net/backoff.h"

#include <algorithm>

namespace evchain::net {

std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds cap, double unit) {
  // Doubling stops once past the cap, so large attempt counts cannot overflow.
  int64_t d = std::max<int64_t>(initial.count(), 1);
  for (int i = 0; i < attempt && d < cap.count(); ++i) d *= 2;
  d = std::min<int64_t>(d, cap.count());
  unit = std::clamp(unit, 0.0, 1.0);
  int64_t half = d / 2;
  return std::chrono::milliseconds(half +
                                   static_cast<int64_t>(unit * static_cast<double>(d - half)));
}

}  // namespace evchain::net
