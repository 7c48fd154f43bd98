#include "tools/bench_e2e/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace evchain::bench {

ojson Num(double v) { return std::isfinite(v) ? ojson(std::round(v * 1000) / 1000) : ojson(); }

std::string Fmt(const ojson& v, const char* format) {
  if (!v.is_number()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v.get<double>());
  return buf;
}

uint64_t MaxOf(const ojson& values) {
  uint64_t m = 0;
  for (const auto& v : values) m = std::max<uint64_t>(m, v.is_number() ? v.get<uint64_t>() : 0);
  return m;
}

}  // namespace evchain::bench
