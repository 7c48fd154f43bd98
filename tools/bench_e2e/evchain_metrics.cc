#include "tools/bench_e2e/evchain_metrics.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

namespace evchain::bench {

ojson PrimaryKill(const Poller& poller, const std::vector<size_t>& target_node, int killed,
                  uint64_t view, int64_t kill_ns, const LoadResult& r, const std::string& dir) {
  if (killed < 0 || kill_ns < 0) return ojson{{"error", "the primary was not killed"}};
  size_t node = target_node[0];
  for (size_t t : target_node) {
    if (static_cast<int>(t) != killed) node = t;
  }
  if (static_cast<int>(node) == killed) {
    return ojson{{"error", "every target was the killed primary: give --targets backups"}};
  }
  uint32_t timeout_ms = 2000;
  try {
    std::ifstream in(dir + "/genesis.json");
    const auto g = nlohmann::json::parse(in);
    if (g.contains("params") && g["params"].contains("view_change_timeout_ms")) {
      timeout_ms = g["params"]["view_change_timeout_ms"].get<uint32_t>();
    }
  } catch (const nlohmann::json::exception&) {
  }
  constexpr int64_t kSecond = 1'000'000'000;
  const int64_t before_from = std::max(r.start_ns, kill_ns - 5 * kSecond);
  const double before_s = static_cast<double>(kill_ns - before_from) / 1e9;
  const double rate_before = before_s > 0
                                 ? static_cast<double>(poller.NodeLogSizeAt(node, kill_ns) -
                                                       poller.NodeLogSizeAt(node, before_from)) /
                                       before_s
                                 : 0;
  const int64_t new_view_at = poller.ViewSeenAt(node, view + 1, kill_ns);
  const uint64_t height_at_view = new_view_at < 0 ? 0 : poller.NodeHeightAt(node, new_view_at);
  const int64_t first_commit_at =
      new_view_at < 0 ? -1 : poller.HeightSeenAt(node, height_at_view + 1);
  int64_t back_at = -1;
  for (int64_t t = std::max(kill_ns, new_view_at) + kSecond / 10; new_view_at >= 0 && t <= r.end_ns;
       t += kSecond / 10) {
    const uint64_t in_second =
        poller.NodeLogSizeAt(node, t) - poller.NodeLogSizeAt(node, t - kSecond);
    if (static_cast<double>(in_second) >= 0.9 * rate_before) {
      back_at = t;
      break;
    }
  }
  auto since_kill = [&](int64_t t) {
    return t < 0 ? ojson() : Num(static_cast<double>(t - kill_ns) / 1e9);
  };
  return ojson{{"killed_validator", killed},
               {"view_before", view},
               {"killed_at_s_into_window", Num(static_cast<double>(kill_ns - r.start_ns) / 1e9)},
               {"observed_on_validator", node},
               {"view_change_timeout_ms", timeout_ms},
               {"new_view_after_s", since_kill(new_view_at)},
               {"new_view_within_2x_timeout",
                new_view_at >= 0 && new_view_at - kill_ns <= int64_t{2} * timeout_ms * 1000000},
               {"first_commit_in_new_view_after_s", since_kill(first_commit_at)},
               {"committed_per_s_before", Num(rate_before)},
               {"rate_back_after_s", since_kill(back_at)},
               {"rate_back_within_5s", back_at >= 0 && back_at - kill_ns <= 5 * kSecond}};
}

ojson CommitLatency(const std::string& mode, const LoadResult& r, const Pool& pool,
                    const Poller& poller, const std::vector<size_t>& target_node, EvchainNet& net,
                    size_t samples) {
  std::vector<double> lat;
  std::vector<size_t> lookups;
  uint64_t answered_committed = 0;
  for (size_t i = 0; i < r.records.size(); ++i) {
    const auto& rec = r.records[i];
    if (mode == "wait" && rec.status == 200) {
      lat.push_back(static_cast<double>(rec.done_ns - rec.intended_ns) / 1e6);
      ++answered_committed;
    } else if (rec.status == 200 || rec.status == 202) {
      lookups.push_back(i);
    }
  }
  std::vector<size_t> sample;
  const size_t want = std::min(lookups.size(), samples);
  for (size_t k = 0; k < want; ++k) sample.push_back(lookups[k * lookups.size() / want]);
  uint64_t uncommitted = 0, unseen = 0;
  for (size_t i : sample) {
    const auto& rec = r.records[i];
    const size_t node = target_node[rec.target];
    auto body = HttpGet(net.http(static_cast<int>(node)), "/v1/deposits/" + pool.last_ids[i]);
    const int64_t looked_up = NowNs();
    uint64_t height = 0;
    if (body.ok()) {
      try {
        const auto j = nlohmann::json::parse(*body);
        if (j.at("status") == "committed") height = j.at("receipt").at("block").at("height");
      } catch (const nlohmann::json::exception&) {
      }
    }
    if (height == 0) {
      ++uncommitted;
      lat.push_back(kInf);
      continue;
    }
    int64_t seen = poller.HeightSeenAt(node, height);
    if (seen < 0) {  // committed after the last poll: the lookup is an upper bound
      seen = looked_up;
      ++unseen;
    }
    lat.push_back(static_cast<double>(seen - rec.intended_ns) / 1e6);
  }
  return ojson{{"method", mode == "wait" ? "answer 200 of ?wait=commit; 202s looked up after "
                                           "the drain and timed on the status timeline"
                                         : "sampled receipts looked up after the drain, timed "
                                           "on the status timeline of the receiving validator"},
               {"answered_committed", answered_committed},
               {"looked_up", sample.size()},
               {"of_accepted_to_look_up", lookups.size()},
               {"not_committed_after_drain", uncommitted},
               {"committed_after_last_poll", unseen},
               {"p50", Num(Percentile(lat, 50))},
               {"p99", Num(Percentile(lat, 99))}};
}

std::vector<MetricHistogram> CommitHistograms(EvchainNet& net, const std::vector<size_t>& nodes) {
  std::vector<MetricHistogram> out;
  for (size_t node : nodes) {
    auto metrics = HttpGet(net.http(static_cast<int>(node)), "/metrics", 3000);
    out.push_back(metrics.ok() ? ReadHistogram(*metrics, "evchain_commit_latency_seconds")
                               : MetricHistogram{});
  }
  return out;
}

ojson ServerLatency(const std::vector<MetricHistogram>& before,
                    const std::vector<MetricHistogram>& after) {
  std::map<double, double> cumulative;  // le (s) -> deposits, summed over the nodes
  double count = 0, sum = 0;
  for (size_t i = 0; i < after.size(); ++i) {
    const MetricHistogram empty;
    const MetricHistogram& b = i < before.size() ? before[i] : empty;
    count += after[i].count - b.count;
    sum += after[i].sum - b.sum;
    for (const auto& [le, n] : after[i].buckets) {
      double earlier = 0;
      for (const auto& [ble, bn] : b.buckets) {
        if (ble == le) earlier = bn;
      }
      cumulative[le] += n - earlier;
    }
  }
  ojson within = ojson::object();
  for (const auto& [le, n] : cumulative) {
    if (std::isfinite(le) && count > 0) within[Fmt(ojson(le * 1000), "%g")] = Num(n / count);
  }
  auto at_most = [&](double share) -> ojson {
    for (const auto& [le, n] : cumulative) {
      if (count > 0 && n >= share * count) return std::isfinite(le) ? Num(le * 1000) : ojson();
    }
    return ojson();
  };
  return {{"method",
           "evchain_commit_latency_seconds of the receiving validators, before the load to after "
           "the drain: admission to commit (a lower bound; the request's way to admission is "
           "left out)"},
          {"deposits", count},
          {"mean", count > 0 ? Num(sum / count * 1000) : ojson()},
          {"share_within_ms", within},
          {"p50_at_most", at_most(0.5)},
          {"p99_at_most", at_most(0.99)}};
}

ojson ViewSnapshot(EvchainNet& net) {
  ojson views = ojson::array(), changes = ojson::array();
  for (int i = 0; i < EvchainNet::kValidators; ++i) {
    auto status = HttpGet(net.http(i), "/v1/status", 3000);
    ojson view;
    if (status.ok()) {
      try {
        view = nlohmann::json::parse(*status).at("view").get<uint64_t>();
      } catch (const nlohmann::json::exception&) {
      }
    }
    views.push_back(view);
    auto metrics = HttpGet(net.http(i), "/metrics", 3000);
    changes.push_back(metrics.ok() ? MetricSum(*metrics, "evchain_view_changes_total") : 0.0);
  }
  return ojson{{"view", views}, {"view_changes_total", changes}};
}

}  // namespace evchain::bench
