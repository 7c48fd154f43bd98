#include "tools/bench_e2e/round_summary.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "tools/bench_e2e/run_report.h"

namespace evchain::bench {
namespace {

// The value at `path` in `run`, or null.
ojson At(const ojson& run, const std::vector<const char*>& path) {
  const ojson* v = &run;
  for (const char* key : path) {
    if (!v->is_object() || !v->contains(key)) return ojson();
    v = &(*v)[key];
  }
  return *v;
}

ojson Spread(const std::vector<const ojson*>& runs, const std::vector<const char*>& path) {
  std::vector<double> values;
  for (const ojson* run : runs) {
    const ojson v = At(*run, path);
    if (v.is_number()) values.push_back(v.get<double>());
  }
  if (values.empty()) return ojson{{"median", ojson()}, {"min", ojson()}, {"max", ojson()}};
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return ojson{{"median", Num(Median(values))}, {"min", Num(*lo)}, {"max", Num(*hi)}};
}

// "median [min-max]" with `format` for each number, "-" when there is none.
std::string Cell(const ojson& spread, const char* format) {
  if (!spread["median"].is_number()) return "-";
  return Fmt(spread["median"], format) + " [" + Fmt(spread["min"], format) + "-" +
         Fmt(spread["max"], format) + "]";
}

}  // namespace

ojson SummarizeRounds(const std::vector<ojson>& runs) {
  std::vector<std::string> order;
  std::vector<std::vector<const ojson*>> groups;
  for (const ojson& run : runs) {
    if (run.contains("error")) continue;
    const std::string key = run["system"].get<std::string>() + " " +
                            run["mode"].get<std::string>() + " " + LoadLabel(run);
    auto it = std::find(order.begin(), order.end(), key);
    if (it == order.end()) {
      order.push_back(key);
      groups.emplace_back();
      it = order.end() - 1;
    }
    groups[static_cast<size_t>(it - order.begin())].push_back(&run);
  }
  ojson summary = ojson::array();
  for (const auto& group : groups) {
    const ojson& first = *group.front();
    summary.push_back(
        {{"system", first["system"]},
         {"mode", first["mode"]},
         {"load", LoadLabel(first)},
         {"rounds", group.size()},
         {"committed_per_s", Spread(group, {"committed_per_s"})},
         {"ratio_to_etcd", Spread(group, {"ratio_to_etcd"})},
         {"ratio_to_ed25519_ceiling", Spread(group, {"ratio_to_ed25519_ceiling"})},
         {"servers_us_per_commit", Spread(group, {"cpu_seconds", "servers_us_per_commit"})},
         {"commit_latency_p50_ms", Spread(group, {"commit_latency_ms", "p50"})},
         {"commit_latency_p99_ms", Spread(group, {"commit_latency_ms", "p99"})}});
  }
  return summary;
}

void PrintRoundSummary(const ojson& summary) {
  std::printf("\nmedian [min-max] of each level's rounds:\n");
  std::printf("%-8s %-6s %-13s %6s %21s %18s %21s %18s %18s %18s\n", "system", "mode", "load",
              "rounds", "committed/s", "xetcd", "xceil", "commit p50 ms", "commit p99 ms",
              "cpu/commit us");
  for (const ojson& s : summary) {
    std::printf("%-8s %-6s %-13s %6llu %21s %18s %21s %18s %18s %18s\n",
                s["system"].get<std::string>().c_str(), s["mode"].get<std::string>().c_str(),
                s["load"].get<std::string>().c_str(),
                static_cast<unsigned long long>(s["rounds"].get<uint64_t>()),
                Cell(s["committed_per_s"], "%.0f").c_str(),
                Cell(s["ratio_to_etcd"], "%.2f").c_str(),
                Cell(s["ratio_to_ed25519_ceiling"], "%.3f").c_str(),
                Cell(s["commit_latency_p50_ms"], "%.0f").c_str(),
                Cell(s["commit_latency_p99_ms"], "%.0f").c_str(),
                Cell(s["servers_us_per_commit"], "%.0f").c_str());
  }
  std::fflush(stdout);
}

}  // namespace evchain::bench
