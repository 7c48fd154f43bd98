#include "common/retry_after.h"

#include <algorithm>
#include <cstdint>

namespace evchain {

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value) {
  constexpr int64_t kDay = int64_t{24} * 60 * 60;
  const size_t first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  value = value.substr(first, value.find_last_not_of(" \t") - first + 1);
  int64_t seconds = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = std::min(kDay, seconds * 10 + (c - '0'));
  }
  return std::chrono::seconds(seconds);
}

}  // namespace evchain
