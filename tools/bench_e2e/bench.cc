#include "tools/bench_e2e/bench.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "crypto/ed25519.h"
#include "tools/bench_e2e/evchain_metrics.h"
#include "tools/bench_e2e/load.h"
#include "tools/bench_e2e/machine.h"
#include "tools/bench_e2e/poller.h"
#include "tools/bench_e2e/procs.h"
#include "tools/bench_e2e/round_summary.h"
#include "tools/bench_e2e/run_report.h"
#include "tools/bench_e2e/stats.h"
#include "tools/bench_e2e/workload.h"

namespace evchain::bench {
namespace {

namespace fs = std::filesystem;

// The servers' peak resident sets in MB (ProcessPeakResidentBytes), each and the largest, and
// since when: "run" for peaks that started with the run, "process start" where a reset failed.
ojson PeakMemory(const std::vector<pid_t>& pids, bool since_run) {
  ojson each = ojson::array();
  double largest = 0;
  for (pid_t p : pids) {
    const double mb = static_cast<double>(ProcessPeakResidentBytes(p)) / 1e6;
    each.push_back(Num(mb));
    largest = std::max(largest, mb);
  }
  return {{"peak_rss_mb", std::move(each)},
          {"max_peak_rss_mb", Num(largest)},
          {"since", since_run ? "run" : "process start"}};
}

class Bench {
 public:
  Bench(Options o, std::string root, std::string command, EvchainOptions evchain)
      : o_(std::move(o)),
        root_(std::move(root)),
        command_(std::move(command)),
        evchain_(std::move(evchain)) {}

  int Main() {
    report_["tool"] = "evchain-bench-e2e";
    report_["date_utc"] = UtcNow();
    report_["command"] = command_;
    report_["machine"] = MachineInfo();
    std::cerr << "machine: " << report_["machine"]["nproc"] << " cores, "
              << report_["machine"]["cpu_model"].get<std::string>() << ", load " << LoadAverage()
              << "\n";
    MeasureVerify("before");
    if (Status s = Prepare(); !s.ok()) return Fail(s);
    if (RunAll(); Interrupted()) {
      std::cerr << "interrupted: cleaning up\n";
      return 130;
    }
    MeasureVerify("after");
    Finish();
    return 0;
  }

 private:
  int Fail(const Status& s) {
    std::cerr << "evchain-bench-e2e: " << s.ToString() << "\n";
    return Interrupted() ? 130 : 1;
  }

  void MeasureVerify(const char* when) {
    const auto rounds = VerifyRounds(o_.verify_count);
    for (double r : rounds) verify_rounds_.push_back(r);
    report_["ed25519"][std::string("rounds_") + when] = rounds;
    std::cerr << "ed25519 (" << when << "): " << static_cast<uint64_t>(Median(rounds))
              << " verifies per CPU-second on one thread\n";
  }

  bool WantEvchain() const { return o_.only != "etcd"; }
  bool WantEtcd() const { return o_.only != "evchain"; }
  bool WantMode(const std::string& m) const {
    return std::find(o_.modes.begin(), o_.modes.end(), m) != o_.modes.end();
  }

  Status Prepare() {
    depositor_key_ = std::make_unique<crypto::SecretKey>(crypto::SecretKey::Generate());
    DepositParams p{evchain_.chain_id, evchain_.depositor, depositor_key_.get(), UsableCpus()};
    double max_rate = 0;
    for (double r : o_.rates) max_rate = std::max(max_rate, r);
    double max_bulk_rate = 0;
    for (double r : o_.bulk_rates) max_bulk_rate = std::max(max_bulk_rate, r);
    // The pool covers 10,000 single deposits/s (40,000 in batches) for the whole window, more
    // than today's code reaches; a run that uses it up says so (pool_exhausted).
    const uint64_t singles =
        o_.pool ? o_.pool
                : static_cast<uint64_t>(o_.duration_s * std::max(10000.0, max_rate) * 1.05) + 100;
    const uint64_t batches =
        o_.pool ? (o_.pool + o_.batch - 1) / o_.batch
                : static_cast<uint64_t>(o_.duration_s * std::max(40000.0, max_bulk_rate) * 1.05 /
                                        o_.batch) +
                      2;
    const auto t0 = NowNs();
    if ((WantEvchain() && (WantMode("single") || WantMode("wait"))) || WantEtcd()) {
      singles_ = MakeSingles(p, singles);
    }
    if (WantEvchain() && WantMode("bulk")) batches_ = MakeBatches(p, batches, o_.batch);
    std::cerr << "signed " << singles_.bodies.size() << " single deposits and "
              << batches_.bodies.size() << " batches of " << o_.batch << " ahead of time in "
              << static_cast<double>(NowNs() - t0) / 1e9 << " s\n";
    if (Interrupted()) return Status::Error("interrupted", "interrupted");
    if (WantEtcd()) {
      auto etcd = EtcdCluster::Start(o_.etcd, root_ + "/etcd");
      if (!etcd.ok()) return etcd.status();
      etcd_ = std::move(*etcd);
      std::cerr << "etcd: 3 members on 127.0.0.1:" << etcd_->client(0).port << ","
                << etcd_->client(1).port << "," << etcd_->client(2).port << "\n";
    }
    return Status::Ok();
  }

  void RunAll() {
    int max_conn = o_.open_connections;
    for (int c : o_.connections) max_conn = std::max(max_conn, c);
    if (!o_.rates.empty() && max_conn == 1) {
      // One connection waits for each answer (a deposit's synced journal write) before the next
      // request: the client, not the server, then sets the rate an open loop reaches.
      std::cerr << "warning: the open loop runs on 1 connection (--connections is empty); give "
                   "--open-connections N (e.g. 256) to load the server, not the client\n";
    }
    std::vector<Loop> loops;
    for (int c : o_.connections) loops.push_back({false, c, 0});
    for (double r : o_.rates) loops.push_back({true, max_conn, r});
    // etcd and evchain alternate per load level (and per round of it), so each comparison comes
    // from the same minutes.
    for (const Loop& loop : loops) {
      for (round_ = 1; round_ <= o_.repeat; ++round_) {
        if (WantEtcd() && !Interrupted()) RunEtcd(loop);
        for (const char* mode : {"single", "wait", "bulk"}) {
          if (Interrupted() || !WantEvchain() || !WantMode(mode)) continue;
          if (loop.open && std::string(mode) == "bulk") continue;
          RunEvchain(mode, loop);
        }
      }
    }
    for (double r : o_.bulk_rates) {
      for (round_ = 1; round_ <= o_.repeat; ++round_) {
        if (Interrupted() || !WantEvchain() || !WantMode("bulk")) continue;
        RunEvchain("bulk", {true, max_conn, r});
      }
    }
  }

  LoadSpec Spec(const Loop& loop, const std::vector<HostPort>& targets, uint32_t per_request) {
    LoadSpec spec;
    spec.targets = targets;
    spec.connections = loop.connections;
    spec.rate = loop.open ? loop.rate / per_request : 0;
    spec.duration = std::chrono::nanoseconds(static_cast<int64_t>(o_.duration_s * 1e9));
    spec.grace = std::chrono::nanoseconds(static_cast<int64_t>(o_.grace_s * 1e9));
    return spec;
  }

  void RunEtcd(const Loop& loop) {
    const std::string prefix = "run" + std::to_string(++run_counter_);
    Pool puts = MakeEtcdPuts(singles_, prefix);
    std::vector<HostPort> targets;
    for (int t : o_.targets) targets.push_back(etcd_->client(t % EtcdCluster::kMembers));
    LoadSpec spec = Spec(loop, targets, 1);
    spec.path = "/v3/kv/put";
    spec.bodies = &puts.bodies;
    std::cerr << "etcd put, " << loop.Label() << " ...\n";
    const std::string load_before = LoadAverage();
    std::vector<pid_t> members;
    members.reserve(EtcdCluster::kMembers);
    for (int i = 0; i < EtcdCluster::kMembers; ++i) members.push_back(etcd_->pid(i));
    std::vector<double> cpu_before;
    cpu_before.reserve(members.size());
    bool peaks_reset = true;  // the cluster serves every etcd run: each reports its own peak
    for (pid_t member : members) {
      cpu_before.push_back(ProcessCpuSeconds(member));
      peaks_reset = ResetPeakResident(member) && peaks_reset;
    }
    LoadResult r = RunLoad(spec);
    double server_cpu = 0;
    for (size_t i = 0; i < members.size(); ++i) {
      server_cpu += ProcessCpuSeconds(members[i]) - cpu_before[i];
    }
    const ojson memory = PeakMemory(members, peaks_reset);
    uint64_t accepted = 0;
    ojson run = {{"system", "etcd"},
                 {"mode", "put"},
                 {"loop", loop.open ? "open" : "closed"},
                 {"connections", loop.connections},
                 {"rate", loop.open ? ojson(loop.rate) : ojson()},
                 {"window_s", static_cast<double>(r.end_ns - r.start_ns) / 1e9}};
    run["answers"] = CountAnswers(r, 1, &accepted);
    // A put is committed when etcd answers 200 (raft commit + apply).
    uint64_t in_window = 0;
    std::vector<double> lat;
    for (const auto& rec : r.records) {
      if (rec.status != 200) continue;
      if (rec.done_ns >= r.start_ns && rec.done_ns < r.end_ns) ++in_window;
      lat.push_back(static_cast<double>(rec.done_ns - rec.intended_ns) / 1e6);
    }
    const double window = static_cast<double>(r.end_ns - r.start_ns) / 1e9;
    run["committed_in_window"] = in_window;
    run["committed_per_s"] = Num(static_cast<double>(in_window) / window);
    run["commit_latency_ms"] = {{"method", "answer to the put (200)"},
                                {"samples", lat.size()},
                                {"p50", Num(Percentile(lat, 50))},
                                {"p99", Num(Percentile(lat, 99))}};
    run["cpu_seconds"] = {
        {"servers", Num(server_cpu)},
        {"client", Num(r.client_cpu_seconds)},
        {"servers_us_per_commit",
         in_window ? Num(server_cpu / static_cast<double>(in_window) * 1e6) : ojson()}};
    run["memory"] = memory;
    run["loadavg"] = {{"before", load_before}, {"after", LoadAverage()}};
    etcd_rate_[loop.open ? "open " + Fmt(ojson(loop.rate), "%.0f")
                         : "closed " + std::to_string(loop.connections)] =
        static_cast<double>(in_window) / window;
    Record(std::move(run));
  }

  void RunEvchain(const std::string& mode, const Loop& loop) {
    const Pool& pool = mode == "bulk" ? batches_ : singles_;
    const std::string dir = root_ + "/evchain-run" + std::to_string(++run_counter_);
    std::cerr << "evchain " << mode << ", " << loop.Label() << ": starting 4 validators ...\n";
    auto started = EvchainNet::Start(evchain_, dir, depositor_key_->public_key());
    if (!started.ok()) {
      std::cerr << "  cannot start the network: " << started.status().ToString() << "\n";
      Record({{"system", "evchain"},
              {"mode", mode},
              {"loop", loop.open ? "open" : "closed"},
              {"connections", loop.connections},
              {"rate", loop.open ? ojson(loop.rate) : ojson()},
              {"error", started.status().ToString()}});
      return;
    }
    std::unique_ptr<EvchainNet> net = std::move(*started);
    std::vector<HostPort> nodes;
    std::vector<pid_t> pids;
    for (int i = 0; i < EvchainNet::kValidators; ++i) {
      nodes.push_back(net->http(i));
      pids.push_back(net->pid(i));
    }
    std::vector<HostPort> targets;
    std::vector<size_t> target_node;
    for (int t : o_.targets) {
      targets.push_back(net->http(t % EvchainNet::kValidators));
      target_node.push_back(static_cast<size_t>(t % EvchainNet::kValidators));
    }
    const ojson before = ViewSnapshot(*net);
    const std::vector<MetricHistogram> latency_before = CommitHistograms(*net, target_node);
    const std::string load_before = LoadAverage();
    Poller poller(nodes, pids, o_.poll_ms);
    SleepFor(std::chrono::milliseconds(2 * o_.poll_ms));  // a first sample of every node

    LoadSpec spec = Spec(loop, targets, pool.per_request);
    spec.path = mode == "bulk"   ? "/v1/deposits/batch"
                : mode == "wait" ? "/v1/deposits?wait=commit"
                                 : "/v1/deposits";
    spec.bodies = &pool.bodies;
    const bool kill_primary = o_.kill_primary_at_s > 0 && mode != "bulk";
    std::atomic<int64_t> kill_ns{-1};
    std::atomic<int> killed{-1};
    std::atomic<uint64_t> killed_view{0};
    std::thread killer;
    if (kill_primary) {
      const int64_t at = NowNs() + static_cast<int64_t>(o_.kill_primary_at_s * 1e9);
      killer = std::thread([&, at] {
        while (NowNs() < at && !Interrupted()) SleepFor(std::chrono::milliseconds(5));
        auto status = HttpGet(targets[0], "/v1/status", 3000);
        if (!status.ok()) return;
        try {
          killed_view = nlohmann::json::parse(*status).at("view").get<uint64_t>();
        } catch (const nlohmann::json::exception&) {
          return;
        }
        killed = static_cast<int>(killed_view % EvchainNet::kValidators);
        net->Kill(killed);
        kill_ns = NowNs();
        std::cerr << "  killed validator " << killed.load() << ", the primary of view "
                  << killed_view.load() << "\n";
      });
    }
    LoadResult r = RunLoad(spec);
    if (killer.joinable()) killer.join();
    const ojson at_end = ViewSnapshot(*net);

    uint64_t accepted = 0;
    ojson run = {{"system", "evchain"},
                 {"mode", mode},
                 {"loop", loop.open ? "open" : "closed"},
                 {"connections", loop.connections},
                 {"rate", loop.open ? ojson(loop.rate) : ojson()},
                 {"window_s", static_cast<double>(r.end_ns - r.start_ns) / 1e9}};
    run["answers"] = CountAnswers(r, pool.per_request, &accepted);

    // Drain: every accepted deposit committed on the validators it was sent to (their receipts
    // are available there), or the time is up.
    const uint64_t log0 = poller.LogSizeAt(r.start_ns);
    auto targets_hold = [&](int64_t t) {
      uint64_t least = UINT64_MAX;
      for (size_t n : target_node) least = std::min(least, poller.NodeLogSizeAt(n, t));
      return least;
    };
    const int64_t drain_deadline = NowNs() + static_cast<int64_t>(o_.drain_s * 1e9);
    while (!Interrupted() && NowNs() < drain_deadline && targets_hold(NowNs()) < log0 + accepted) {
      SleepFor(std::chrono::milliseconds(o_.poll_ms));
    }
    const int64_t drained_at = NowNs();
    poller.Stop();
    const ojson after = ViewSnapshot(*net);
    if (Interrupted()) return;

    const double window = static_cast<double>(r.end_ns - r.start_ns) / 1e9;
    const uint64_t in_window = poller.LogSizeAt(r.end_ns) - log0;
    const uint64_t committed_total = targets_hold(drained_at) - log0;
    run["committed_in_window"] = in_window;
    run["committed_per_s"] = Num(static_cast<double>(in_window) / window);
    run["committed_in_window_on_targets"] = targets_hold(r.end_ns) - log0;
    run["accepted_per_s"] = Num(static_cast<double>(accepted) / window);
    const bool drained = committed_total >= accepted;
    run["drain"] = {{"committed_after_drain", committed_total},
                    {"drained", drained},
                    // 0 when the last deposit committed before the window's end (no "-0.0").
                    {"seconds_after_window",
                     Num(static_cast<double>(std::max<int64_t>(0, drained_at - r.end_ns)) / 1e9)}};
    run["commit_latency_ms"] =
        CommitLatency(mode, r, pool, poller, target_node, *net, o_.latency_samples);
    run["commit_latency_ms"]["server"] =
        ServerLatency(latency_before, CommitHistograms(*net, target_node));

    // Views: status `view` and the evchain_view_changes_total counter of every validator.
    run["views"] = {{"before", before},
                    {"window_end", at_end},
                    {"after_drain", after},
                    {"max_view_in_window", poller.MaxView(r.start_ns, r.end_ns)},
                    {"max_view_until_drained", poller.MaxView(r.start_ns, drained_at)}};
    double vc = 0;
    for (size_t i = 0; i < after["view_changes_total"].size(); ++i) {
      vc += after["view_changes_total"][i].get<double>() -
            before["view_changes_total"][i].get<double>();
    }
    run["views"]["view_changes_total_delta"] = vc;

    double node_cpu = 0;
    for (size_t i = 0; i < pids.size(); ++i) node_cpu += poller.CpuBetween(i, r.start_ns, r.end_ns);
    run["cpu_seconds"] = {
        {"validators_in_window", Num(node_cpu)},
        {"client", Num(r.client_cpu_seconds)},
        {"us_per_committed_deposit_per_validator",
         in_window ? Num(node_cpu / EvchainNet::kValidators / static_cast<double>(in_window) * 1e6)
                   : ojson()},
        {"servers_us_per_commit",
         in_window ? Num(node_cpu / static_cast<double>(in_window) * 1e6) : ojson()}};
    if (kill_primary) {
      run["primary_kill"] = PrimaryKill(poller, target_node, killed.load(), killed_view.load(),
                                        kill_ns.load(), r, net->dir());
      std::cerr << "  primary kill: " << run["primary_kill"].dump() << "\n";
    }
    const auto rtts = poller.PollRoundTripsMs(target_node[0], r.start_ns, r.end_ns);
    run["status_poll_ms"] = {{"node", target_node[0]},
                             {"p50", Num(Percentile(rtts, 50))},
                             {"p99", Num(Percentile(rtts, 99))}};
    run["memory"] = PeakMemory(pids, /*since_run=*/true);  // the validators started with it
    run["loadavg"] = {{"before", load_before}, {"after", LoadAverage()}};
    if (!net->AllRunning()) run["note"] = "a validator exited during the run";
    net->Stop();
    net.reset();
    if (!o_.keep) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
    Record(std::move(run));
  }

  void Record(ojson run) {
    run["round"] = round_;
    if (run["system"] == "evchain" && run["committed_per_s"].is_number()) {
      const std::string key = run["loop"] == "open" ? "open " + Fmt(run["rate"], "%.0f")
                                                    : "closed " + Fmt(run["connections"], "%.0f");
      auto it = etcd_rate_.find(key);
      if (it != etcd_rate_.end() && it->second > 0) {
        run["ratio_to_etcd"] = Num(run["committed_per_s"].get<double>() / it->second);
      }
    }
    PrintRow(run, "", runs_.empty());
    runs_.push_back(std::move(run));
  }

  void Finish() {
    const double per_core = Median(verify_rounds_);
    const double nproc = report_["machine"]["nproc"].get<double>();
    const double ceiling = nproc * per_core / EvchainNet::kValidators;
    report_["ed25519"]["verifies_per_cpu_second"] = Num(per_core);
    report_["ed25519"]["ceiling_deposits_per_s"] = Num(ceiling);
    report_["ed25519"]["ceiling_formula"] =
        "nproc x verifies per CPU-second on one thread / 4 validators (each validator verifies "
        "each deposit's signature once)";
    report_["machine"]["loadavg_end"] = LoadAverage();
    for (auto& run : runs_) {
      if (run["system"] == "evchain" && run.contains("committed_per_s") &&
          run["committed_per_s"].is_number() && ceiling > 0) {
        run["ratio_to_ed25519_ceiling"] = Num(run["committed_per_s"].get<double>() / ceiling);
      }
    }
    report_["runs"] = runs_;
    if (o_.repeat > 1) report_["summary"] = SummarizeRounds(runs_);

    std::printf(
        "\nEd25519: %.0f verifies per CPU-second on one core; ceiling %.0f deposits/s "
        "(%d cores x that / 4 validators)\n",
        per_core, ceiling, static_cast<int>(nproc));
    std::printf("machine: %s, %d cores, %s; load average %s -> %s\n\n",
                report_["machine"]["cpu_model"].get<std::string>().c_str(), static_cast<int>(nproc),
                report_["machine"]["mem_total"].get<std::string>().c_str(),
                report_["machine"]["loadavg_start"].get<std::string>().c_str(),
                report_["machine"]["loadavg_end"].get<std::string>().c_str());
    bool header = true;
    for (const auto& run : runs_) {
      PrintRow(run, Fmt(run.value("ratio_to_ed25519_ceiling", ojson()), "%.3f"), header);
      header = false;
    }
    if (o_.repeat > 1) PrintRoundSummary(report_["summary"]);
    if (!o_.json_path.empty()) {
      std::ofstream out(o_.json_path, std::ios::trunc);
      out << report_.dump(2) << "\n";
      if (!out) std::cerr << "evchain-bench-e2e: cannot write " << o_.json_path << "\n";
    }
  }

  Options o_;
  std::string root_;
  std::string command_;
  EvchainOptions evchain_;
  std::unique_ptr<crypto::SecretKey> depositor_key_;
  Pool singles_, batches_;
  std::unique_ptr<EtcdCluster> etcd_;
  std::map<std::string, double> etcd_rate_;
  std::vector<double> verify_rounds_;
  std::vector<ojson> runs_;
  ojson report_;
  int run_counter_ = 0;
  int round_ = 1;  // of the load level running now, from 1 (--repeat)
};

}  // namespace

int RunBench(const Options& o, const std::string& root, const std::string& command,
             const EvchainOptions& evchain) {
  Bench bench(o, root, command, evchain);
  return bench.Main();
}

}  // namespace evchain::bench
