// Small numeric and formatting helpers of evchain-bench-e2e's reports.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/bench_common/sample_stats.h"  // Median, Percentile

namespace evchain::bench {

using ojson = nlohmann::ordered_json;

// A latency that never ended (a deposit not committed): sorts after every finite one.
constexpr double kInf = std::numeric_limits<double>::infinity();

// JSON number rounded to 3 decimals, or null for NaN/inf (JSON has neither).
ojson Num(double v);

// `v` printed with a printf format for a double, or "-" when it is not a number.
std::string Fmt(const ojson& v, const char* format);

// The largest of an array of numbers (nulls count as 0).
uint64_t MaxOf(const ojson& values);

}  // namespace evchain::bench
