// evchain-bench-e2e: evchain end to end beside etcd, on this machine, in one run.
// What it measures and how: docs/benchmarks.md "End-to-end (evchain vs etcd)".
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "crypto/ed25519.h"
#include "tools/bench_e2e/clusters.h"
#include "tools/bench_e2e/load.h"
#include "tools/bench_e2e/poller.h"
#include "tools/bench_e2e/procs.h"
#include "tools/bench_e2e/workload.h"

namespace evchain::bench {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Options {
  double duration_s = 20;
  std::vector<int> connections = {32, 256};
  std::vector<double> rates = {200};
  std::vector<double> bulk_rates = {2000};
  std::vector<std::string> modes = {"single", "bulk", "wait"};
  std::string only = "both";
  std::string json_path;
  std::string evchain_cli;
  std::string evchain_node;
  std::string etcd = "/usr/bin/etcd";
  std::vector<int> targets = {0};
  double drain_s = 30;
  double grace_s = 10;
  int poll_ms = 20;
  size_t latency_samples = 2000;
  uint64_t pool = 0;
  uint32_t batch = 1000;
  // Applied to every validator's config after these defaults: a load test must not be cut off
  // by the per-client rate limit (all connections come from 127.0.0.1).
  std::vector<std::string> node_config;
  std::vector<std::string> genesis_params;
  bool keep = false;
  uint64_t verify_count = 5000;
  // > 0: this many seconds into each evchain single/wait window, SIGKILL the primary and
  // measure the new view and the rate's recovery (PrimaryKill).
  double kill_primary_at_s = 0;
  int open_connections = 1;  // open loop: at least this many connections
};

// "20s", "500ms", "2m" or a plain number of seconds.
Result<double> ParseSeconds(const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    const std::string unit = text.substr(used);
    if (unit.empty() || unit == "s") return v;
    if (unit == "ms") return v / 1000;
    if (unit == "m") return v * 60;
  } catch (const std::exception&) {
  }
  return Status::Error("usage", "bad duration '" + text + "' (examples: 20s, 500ms, 2m)");
}

// key=value with value parsed as JSON when it parses (numbers, true, arrays), else a string.
Result<nlohmann::json> ParseAssignments(const std::vector<std::string>& items) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Error("usage", "expected key=value, got '" + item + "'");
    }
    const std::string value = item.substr(eq + 1);
    nlohmann::json v = nlohmann::json::parse(value, nullptr, false);
    out[item.substr(0, eq)] = v.is_discarded() ? nlohmann::json(value) : v;
  }
  return out;
}

std::string ReadFirstMatch(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      const size_t colon = line.find(':');
      std::string v = colon == std::string::npos ? line : line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "";
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string UtcNow() {
  const time_t t = time(nullptr);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

ojson MachineInfo() {
  utsname u{};
  uname(&u);
  return ojson{{"nproc", sysconf(_SC_NPROCESSORS_ONLN)},
               {"cpu_model", ReadFirstMatch("/proc/cpuinfo", "model name")},
               {"mem_total", ReadFirstMatch("/proc/meminfo", "MemTotal")},
               {"mem_available", ReadFirstMatch("/proc/meminfo", "MemAvailable")},
               {"kernel", std::string(u.release)},
               {"loadavg_start", LoadAverage()}};
}

// Ed25519 verifications per CPU-second on one thread (crypto::Verify, 300-byte messages; as
// `evchain-bench-audit --reference`), median of 5 rounds. CPU time, not wall time: on a shared
// machine the wall clock measures the neighbours.
std::vector<double> VerifyRounds(uint64_t count) {
  const crypto::SecretKey key = crypto::SecretKey::FromSeed(Bytes(32, 7));
  const std::string message(300, 'm');
  const crypto::Signature sig = key.Sign(AsBytes(message));
  std::vector<double> rounds;
  for (int round = 0; round < 5; ++round) {
    timespec a{}, b{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    uint64_t ok = 0;
    for (uint64_t i = 0; i < count; ++i)
      ok += crypto::Verify(key.public_key(), AsBytes(message), sig);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    const double cpu = static_cast<double>(b.tv_sec - a.tv_sec) +
                       static_cast<double>(b.tv_nsec - a.tv_nsec) * 1e-9;
    rounds.push_back(ok == count && cpu > 0 ? static_cast<double>(count) / cpu : 0);
  }
  return rounds;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Nearest-rank percentile; +inf entries (never committed) sort last.
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

// JSON number, or null for NaN/inf (JSON has neither).
ojson Num(double v) { return std::isfinite(v) ? ojson(std::round(v * 1000) / 1000) : ojson(); }

struct Loop {
  bool open = false;
  int connections = 0;
  double rate = 0;  // deposits (or puts) per second
  std::string Label() const {
    char buf[64];
    if (open) {
      std::snprintf(buf, sizeof buf, "open %.0f/s", rate);
    } else {
      std::snprintf(buf, sizeof buf, "closed %d", connections);
    }
    return buf;
  }
};

// Counts of the answers of one run.
ojson CountAnswers(const LoadResult& r, uint32_t per_request, uint64_t* accepted_deposits) {
  std::map<int, uint64_t> by_status;
  uint64_t answered = 0, sent = 0, s503 = 0, s503_ra = 0, s429 = 0, accepted = 0, resent = 0;
  for (const auto& rec : r.records) {
    // Refused and then sent again (closed loop): each refusal is a request with its answer.
    const uint64_t refusals = rec.refused_503 + rec.refused_429;
    sent += refusals;
    answered += refusals;
    resent += refusals;
    if (rec.refused_503 > 0) by_status[503] += rec.refused_503;
    if (rec.refused_429 > 0) by_status[429] += rec.refused_429;
    s503 += rec.refused_503;
    s503_ra += rec.refused_503_retry_after;
    s429 += rec.refused_429;
    if (rec.sent_ns >= 0) ++sent;
    if (rec.done_ns < 0) continue;
    ++answered;
    ++by_status[rec.status];
    if (rec.status == 503) {
      ++s503;
      if (rec.retry_after) ++s503_ra;
    }
    if (rec.status == 429) ++s429;
    if (rec.status == 200 || rec.status == 202) ++accepted;
  }
  ojson statuses = ojson::object();
  for (const auto& [s, n] : by_status) statuses[std::to_string(s)] = n;
  // Time to the HTTP answer (any status) from the sent (closed) or intended (open) time:
  // separates waiting for the HTTP server from waiting for consensus.
  std::vector<double> answer_ms;
  for (const auto& rec : r.records) {
    if (rec.done_ns >= 0)
      answer_ms.push_back(static_cast<double>(rec.done_ns - rec.intended_ns) / 1e6);
  }
  *accepted_deposits = accepted * per_request;
  return ojson{
      {"requests_sent", sent},
      {"answered", answered},
      // Closed loop: requests sent again after a 429/503 (each also counted in requests_sent).
      {"resent", resent},
      {"by_status", statuses},
      {"accepted_requests", accepted},
      {"accepted_deposits", accepted * per_request},
      {"http_503", s503},
      {"http_503_with_retry_after", s503_ra},
      {"http_429", s429},
      {"connect_errors", r.connect_errors},
      {"io_errors", r.io_errors},
      {"unsent", r.unsent},
      // Sent without an answer: I/O errors, timeouts and requests still in flight when the run
      // stopped (the server may still have accepted them).
      {"unanswered", sent - answered},
      {"pool_exhausted", r.pool_exhausted},
      {"answer_latency_ms",
       {{"p50", Num(Percentile(answer_ms, 50))}, {"p99", Num(Percentile(answer_ms, 99))}}}};
}

class Bench {
 public:
  Bench(Options o, std::string root) : o_(std::move(o)), root_(std::move(root)) {}

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

  void set_command(std::string c) { command_ = std::move(c); }

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
    DepositParams p{evchain_.chain_id, evchain_.depositor, depositor_key_.get(),
                    static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN))};
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
    // etcd and evchain alternate per load level, so each comparison comes from the same minutes.
    for (const Loop& loop : loops) {
      if (WantEtcd() && !Interrupted()) RunEtcd(loop);
      for (const char* mode : {"single", "wait", "bulk"}) {
        if (Interrupted() || !WantEvchain() || !WantMode(mode)) continue;
        if (loop.open && std::string(mode) == "bulk") continue;
        RunEvchain(mode, loop);
      }
    }
    for (double r : o_.bulk_rates) {
      if (Interrupted() || !WantEvchain() || !WantMode("bulk")) continue;
      RunEvchain("bulk", {true, max_conn, r});
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
    std::vector<double> cpu_before;
    cpu_before.reserve(EtcdCluster::kMembers);
    for (int i = 0; i < EtcdCluster::kMembers; ++i) {
      cpu_before.push_back(ProcessCpuSeconds(etcd_->pid(i)));
    }
    LoadResult r = RunLoad(spec);
    double server_cpu = 0;
    for (int i = 0; i < EtcdCluster::kMembers; ++i) {
      server_cpu += ProcessCpuSeconds(etcd_->pid(i)) - cpu_before[i];
    }
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
    const ojson before = Snapshot(*net);
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
    const ojson at_end = Snapshot(*net);

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
    const ojson after = Snapshot(*net);
    if (Interrupted()) return;

    const double window = static_cast<double>(r.end_ns - r.start_ns) / 1e9;
    const uint64_t in_window = poller.LogSizeAt(r.end_ns) - log0;
    const uint64_t committed_total = targets_hold(drained_at) - log0;
    run["committed_in_window"] = in_window;
    run["committed_per_s"] = Num(static_cast<double>(in_window) / window);
    run["committed_in_window_on_targets"] = targets_hold(r.end_ns) - log0;
    run["accepted_per_s"] = Num(static_cast<double>(accepted) / window);
    const bool drained = committed_total >= accepted;
    run["drain"] = {
        {"committed_after_drain", committed_total},
        {"drained", drained},
        {"seconds_after_window", Num(static_cast<double>(drained_at - r.end_ns) / 1e9)}};
    run["commit_latency_ms"] = CommitLatency(mode, r, pool, poller, target_node, *net);
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

  // The primary killed in the window (--kill-primary-at): when a surviving target first showed
  // a higher view, and when its committed rate, over a sliding second, was back to 90 % of its
  // rate in the 5 s before the kill. Targets: the issue's "a new view within 2x the timeout,
  // and the rate back within 5 s".
  static ojson PrimaryKill(const Poller& poller, const std::vector<size_t>& target_node, int killed,
                           uint64_t view, int64_t kill_ns, const LoadResult& r,
                           const std::string& dir) {
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
    for (int64_t t = std::max(kill_ns, new_view_at) + kSecond / 10;
         new_view_at >= 0 && t <= r.end_ns; t += kSecond / 10) {
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

  // Commit latency: request sent (closed loop) or intended (open loop) to receipt available.
  // `?wait=commit` answered 200: the answer itself. Otherwise (fire-and-forget, or a wait that
  // timed out with 202): up to --latency-samples accepted requests spread evenly over the run
  // are looked up after the drain (`GET /v1/deposits/{id}` of the request's last deposit, on
  // the validator it was sent to); the receipt's block height is then found on the status
  // timeline of that validator: the first poll answer showing that height.
  ojson CommitLatency(const std::string& mode, const LoadResult& r, const Pool& pool,
                      const Poller& poller, const std::vector<size_t>& target_node,
                      EvchainNet& net) {
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
    const size_t want = std::min(lookups.size(), o_.latency_samples);
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

  // evchain_commit_latency_seconds of each validator in `nodes`: admission to commit of the
  // deposits its own clients sent (node/validator_ready.cc), cumulative since it started.
  static std::vector<MetricHistogram> CommitHistograms(EvchainNet& net,
                                                       const std::vector<size_t>& nodes) {
    std::vector<MetricHistogram> out;
    for (size_t node : nodes) {
      auto metrics = HttpGet(net.http(static_cast<int>(node)), "/metrics", 3000);
      out.push_back(metrics.ok() ? ReadHistogram(*metrics, "evchain_commit_latency_seconds")
                                 : MetricHistogram{});
    }
    return out;
  }

  // The validators' own account of commit latency, from their histograms before the load and
  // after the drain: admission (the signature checked, the deposit queued) to its block appended
  // on the validator it was sent to. It leaves out the request's way to admission, so it is a
  // lower bound where the receipt lookup's timeline (up to one poll interval late) is an upper
  // one. Percentiles are bucket bounds: "p50 at most 50 ms" means half committed within 50 ms.
  static ojson ServerLatency(const std::vector<MetricHistogram>& before,
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

  ojson Snapshot(EvchainNet& net) {
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

  static std::string Fmt(const ojson& v, const char* format) {
    if (!v.is_number()) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v.get<double>());
    return buf;
  }

  static uint64_t MaxOf(const ojson& values) {
    uint64_t m = 0;
    for (const auto& v : values) m = std::max<uint64_t>(m, v.is_number() ? v.get<uint64_t>() : 0);
    return m;
  }

  // One table line; `xceil` is empty until the second Ed25519 measurement is in.
  static void PrintRow(const ojson& run, const std::string& xceil, bool header) {
    if (header) {
      std::printf("%-8s %-6s %-11s %8s %9s %9s %6s %6s %11s %6s %6s %15s %13s %13s %7s %9s\n",
                  "system", "mode", "load", "requests", "accepted", "503(RA)", "429", "errors",
                  "committed/s", "xetcd", "xceil", "commit p50/p99", "srv p50/p99", "views",
                  "drain", "cpu/commit");
    }
    const std::string loop = run["loop"] == "open"
                                 ? "open " + Fmt(run["rate"], "%.0f") + "/s"
                                 : "closed " + std::to_string(run["connections"].get<int>());
    if (run.contains("error")) {
      std::printf("%-8s %-6s %-11s error: %s\n", run["system"].get<std::string>().c_str(),
                  run["mode"].get<std::string>().c_str(), loop.c_str(),
                  run["error"].get<std::string>().c_str());
      return;
    }
    const auto& a = run["answers"];
    std::string views = "-", drain = "-";
    if (run["system"] == "evchain") {
      views = std::to_string(MaxOf(run["views"]["before"]["view"])) + "->" +
              std::to_string(MaxOf(run["views"]["after_drain"]["view"]));
      drain = (run["drain"]["drained"].get<bool>() ? "" : ">") +
              Fmt(run["drain"]["seconds_after_window"], "%.1f") + "s";
    }
    const std::string lat = Fmt(run["commit_latency_ms"]["p50"], "%.0f") + "/" +
                            Fmt(run["commit_latency_ms"]["p99"], "%.0f") + " ms";
    std::string server = "-";
    if (run["commit_latency_ms"].contains("server")) {
      const ojson& srv = run["commit_latency_ms"]["server"];
      server = "<=" + Fmt(srv["p50_at_most"], "%.0f") + "/<=" + Fmt(srv["p99_at_most"], "%.0f");
    }
    const std::string shed = std::to_string(a["http_503"].get<uint64_t>()) + "(" +
                             std::to_string(a["http_503_with_retry_after"].get<uint64_t>()) + ")";
    const std::string cpu =
        Fmt(run["cpu_seconds"].value("servers_us_per_commit", ojson()), "%.0f") + " us";
    const uint64_t errors = a["connect_errors"].get<uint64_t>() + a["unanswered"].get<uint64_t>() +
                            a["unsent"].get<uint64_t>();
    std::printf("%-8s %-6s %-11s %8llu %9llu %9s %6llu %6llu %11s %6s %6s %15s %13s %13s %7s %9s\n",
                run["system"].get<std::string>().c_str(), run["mode"].get<std::string>().c_str(),
                loop.c_str(), static_cast<unsigned long long>(a["requests_sent"].get<uint64_t>()),
                static_cast<unsigned long long>(a["accepted_deposits"].get<uint64_t>()),
                shed.c_str(), static_cast<unsigned long long>(a["http_429"].get<uint64_t>()),
                static_cast<unsigned long long>(errors),
                Fmt(run["committed_per_s"], "%.0f").c_str(),
                Fmt(run.value("ratio_to_etcd", ojson()), "%.2f").c_str(), xceil.c_str(),
                lat.c_str(), server.c_str(), views.c_str(), drain.c_str(), cpu.c_str());
    std::fflush(stdout);
  }

  void Record(ojson run) {
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

 public:
  EvchainOptions& evchain() { return evchain_; }
};

}  // namespace
}  // namespace evchain::bench

namespace evchain::bench {
namespace {

// The build tree keeps evchain-node and evchain beside this tool's folder:
// build/tools/bench_e2e/evchain-bench-e2e, build/node/evchain-node, build/tools/cli/evchain.
std::string Sibling(const char* argv0, const std::string& rel) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) self = fs::absolute(argv0);
  return (self.parent_path() / rel).lexically_normal().string();
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

constexpr const char* kDescription =
    R"(evchain-bench-e2e: evchain end to end, beside etcd, on this machine, in one run.

It starts a fresh local 4-validator evchain network for every run (`evchain testnet` in a
temporary directory, then 4 evchain-node processes on 127.0.0.1, the per-client rate limit
raised) and one 3-member etcd cluster (Debian's etcd-server), and drives both with the same
HTTP/1.1 client (Boost.Beast, one thread, keep-alive connections) at the same load:

  closed loop  N connections, each sending its next request when the previous answer arrives
               (--connections 32,256); after a 503 or 429 it waits Retry-After (or 100 ms)
               and sends the refused request again.
  open loop    a fixed rate of deposits (or puts) per second (--rates, --bulk-rates);
               latency counts from each request's intended send time, so a stalled server
               pays for the requests it held back (no coordinated omission).

Modes (evchain; etcd always does one put per request, its answer means committed):
  single  POST /v1/deposits, one pre-signed deposit, fire-and-forget (202 pending)
  bulk    POST /v1/deposits/batch, one signed batch of --batch deposits (default 1,000)
  wait    POST /v1/deposits?wait=commit, answered when committed (or 202 after 10 s)

Every deposit is distinct and signed before the load starts (the testnet's depositor key is
replaced by the benchmark's own, so one pool serves every run); etcd puts the same bytes.

Reported per run (table on stdout, everything in --json FILE):
  committed/s       evchain: entries added to the log during the window (largest log_size any
                    validator reported, polled every --poll-ms), / window; etcd: puts answered
                    200 within the window, / window
  xetcd, xceil      evchain's committed/s over etcd's at the same load, and over the Ed25519
                    ceiling = nproc x (verifies per CPU-second on one core) / 4 validators,
                    measured in this run (before and after the loads, median of 10 rounds)
  commit p50/p99    request sent (closed) or intended (open) to receipt available on the
                    validator it was sent to: wait mode takes the 200 answer; otherwise up to
                    --latency-samples accepted requests are looked up after the drain
                    (GET /v1/deposits/{id}) and their block's height timed on the status
                    timeline of that validator; not committed = infinite
  srv p50/p99       evchain: the receiving validator's own histogram of admission to commit
                    (evchain_commit_latency_seconds, before the load to after the drain), as
                    bucket bounds in ms: "<=50" = half committed within 50 ms. It leaves out
                    the request's way to admission (a lower bound where the column before is
                    an upper one: a poll interval plus a round trip late at most)
  503(RA)           answers 503 (of them with a Retry-After header); 429; errors = failed
                    connects, requests without an answer (I/O error, 30 s timeout, in flight
                    when the run stopped) and open-loop requests never sent
  views             largest view of the 4 validators before the load -> after the drain
                    (the JSON adds each validator's evchain_view_changes_total)
  drain             after the window, the time until every accepted deposit was committed
                    ('>' : not within --drain)
  cpu/commit        CPU of all the servers (the 4 validators, or the 3 etcd members) during
                    the window, from /proc/PID/stat, over what they committed in it: on a
                    machine both systems fill, the ratio of committed/s is about the inverse
                    ratio of this (the JSON's cpu_seconds.servers_us_per_commit)

Examples:
  evchain-bench-e2e                                   # defaults below, about 8 minutes
  evchain-bench-e2e --only evchain --modes single --connections 4 --rates '' --duration 5s
  evchain-bench-e2e --connections 32 --rates 500,1000 --json e2e.json
  # the primary killed at half load: new view and recovery of the rate
  evchain-bench-e2e --only evchain --modes single --connections '' --open-connections 256 \
      --rates 1300 --duration 20s --targets 1,2 --kill-primary-at 8
)";

}  // namespace
}  // namespace evchain::bench

namespace {

int RunMain(int argc, char** argv) {
  using namespace evchain::bench;  // NOLINT(google-build-using-namespace): this tool's own code
  Options o;
  o.evchain_cli = Sibling(argv[0], "../cli/evchain");
  o.evchain_node = Sibling(argv[0], "../../node/evchain-node");
  std::string duration = "20s", drain = "30s", grace = "10s";
  std::string connections = "32,256", rates = "200", bulk_rates = "2000";
  std::string modes = "single,bulk,wait", targets = "0";

  CLI::App app{kDescription, "evchain-bench-e2e"};
  app.get_formatter()->column_width(34);
  app.add_option("--duration", duration, "Measured window of each run")->capture_default_str();
  app.add_option("--connections", connections, "Closed-loop connection counts (comma list)")
      ->capture_default_str();
  app.add_option("--rates", rates,
                 "Open-loop rates in deposits/s for single and wait, puts/s for etcd (comma "
                 "list; '' for none); connections = the largest of --connections")
      ->capture_default_str();
  app.add_option("--bulk-rates", bulk_rates, "Open-loop rates for bulk, in deposits/s")
      ->capture_default_str();
  app.add_option("--modes", modes, "evchain modes: single,bulk,wait")->capture_default_str();
  app.add_option("--only", o.only, "Run only one system: evchain or etcd")
      ->check(CLI::IsMember({"both", "evchain", "etcd"}))
      ->capture_default_str();
  app.add_option("--json", o.json_path, "Write every number of the run to this file");
  app.add_option("--targets", targets,
                 "Validators (and etcd members) the connections are spread over, by index")
      ->capture_default_str();
  app.add_option("--batch", o.batch, "Deposits per bulk request")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--drain", drain, "Longest wait after a window for the backlog to commit")
      ->capture_default_str();
  app.add_option("--grace", grace, "Open loop: how long after the window requests still go out")
      ->capture_default_str();
  app.add_option("--poll-ms", o.poll_ms, "Status poll interval on every validator")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--latency-samples", o.latency_samples, "Receipts looked up per run")
      ->capture_default_str();
  app.add_option("--pool", o.pool,
                 "Deposits signed ahead of time (default: the window at 10,000/s single, "
                 "40,000/s bulk)");
  app.add_option("--node-config", o.node_config,
                 "key=value written into every validator's config (docs/operations.md), after "
                 "rate_limit_rps=1000000, rate_limit_burst=1000000 and "
                 "max_connections_per_address=100000");
  app.add_option("--genesis-param", o.genesis_params,
                 "key=value written into the genesis params (docs/formats.md \"Genesis\")");
  app.add_option("--verify-count", o.verify_count, "Ed25519 verifications per reference round")
      ->capture_default_str();
  app.add_option("--evchain", o.evchain_cli, "The evchain CLI")->capture_default_str();
  app.add_option("--evchain-node", o.evchain_node, "The evchain-node binary")
      ->capture_default_str();
  app.add_option("--etcd", o.etcd, "The etcd binary (Debian: etcd-server)")->capture_default_str();
  app.add_flag("--keep", o.keep, "Keep the temporary directory (configs, data, logs)");
  app.add_option("--open-connections", o.open_connections,
                 "Open loop: connections (at least; the largest of --connections if larger)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--kill-primary-at", o.kill_primary_at_s,
                 "Seconds into each single/wait window at which to SIGKILL the primary and "
                 "measure the new view and the rate's recovery (give --targets backups, e.g. 1,2)");
  CLI11_PARSE(app, argc, argv);

  auto fail = [](const std::string& m) {
    std::cerr << "evchain-bench-e2e: " << m << "\n";
    return 2;
  };
  try {
    auto d = ParseSeconds(duration), dr = ParseSeconds(drain), g = ParseSeconds(grace);
    if (!d.ok()) return fail(d.status().message());
    if (!dr.ok()) return fail(dr.status().message());
    if (!g.ok()) return fail(g.status().message());
    o.duration_s = *d;
    o.drain_s = *dr;
    o.grace_s = *g;
    o.connections.clear();
    for (const auto& c : Split(connections)) o.connections.push_back(std::stoi(c));
    o.rates.clear();
    for (const auto& r : Split(rates)) o.rates.push_back(std::stod(r));
    o.bulk_rates.clear();
    for (const auto& r : Split(bulk_rates)) o.bulk_rates.push_back(std::stod(r));
    o.targets.clear();
    for (const auto& t : Split(targets)) o.targets.push_back(std::stoi(t));
  } catch (const std::exception&) {
    return fail("bad number in --connections, --rates, --bulk-rates or --targets");
  }
  o.modes = Split(modes);
  for (const auto& m : o.modes) {
    if (m != "single" && m != "bulk" && m != "wait") return fail("unknown mode " + m);
  }
  if (o.duration_s <= 0) return fail("--duration must be positive");
  for (int c : o.connections) {
    if (c < 1 || c > 10000) return fail("--connections must be 1..10000");
  }
  for (double r : o.rates) {
    if (r <= 0) return fail("--rates must be positive");
  }
  for (double r : o.bulk_rates) {
    if (r <= 0) return fail("--bulk-rates must be positive");
  }
  if (o.targets.empty()) return fail("--targets is empty");
  if (o.kill_primary_at_s < 0 || (o.kill_primary_at_s > 0 && o.kill_primary_at_s >= o.duration_s)) {
    return fail("--kill-primary-at must lie inside the window (0 < seconds < --duration)");
  }
  for (int t : o.targets) {
    if (o.kill_primary_at_s > 0 && t % 4 == 0) {
      return fail(
          "--kill-primary-at: validator 0 is the first primary; give --targets backups, "
          "e.g. --targets 1,2");
    }
  }
  for (int t : o.targets) {
    if (t < 0) return fail("--targets must be indices >= 0");
  }
  if (o.connections.empty() && o.rates.empty() && o.bulk_rates.empty()) {
    return fail("nothing to run: --connections and --rates are empty");
  }
  // Every connection comes from 127.0.0.1: lift the per-address limits a validator applies to
  // clients (docs/operations.md), or the benchmark measures them instead of the node.
  o.node_config.insert(o.node_config.begin(), {"rate_limit_rps=1000000", "rate_limit_burst=1000000",
                                               "max_connections_per_address=100000"});
  auto node_config = ParseAssignments(o.node_config);
  if (!node_config.ok()) return fail(node_config.status().message());
  auto genesis_params = ParseAssignments(o.genesis_params);
  if (!genesis_params.ok()) return fail(genesis_params.status().message());
  if (o.only != "etcd") {
    for (const auto& bin : {o.evchain_cli, o.evchain_node}) {
      if (access(bin.c_str(), X_OK) != 0) {
        return fail(bin + " is not executable (build it, or give --evchain / --evchain-node)");
      }
    }
  }

  InstallSignalHandlers();
  auto root = TempDir::Make("evchain-bench-e2e-");
  if (!root.ok()) return fail(root.status().message());
  if (o.keep) {
    root->Keep();
    std::cerr << "keeping " << root->path() << "\n";
  }
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  Bench bench(o, root->path());
  bench.set_command(command);
  bench.evchain().cli = o.evchain_cli;
  bench.evchain().node = o.evchain_node;
  bench.evchain().node_config = *node_config;
  bench.evchain().genesis_params = *genesis_params;
  return bench.Main();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return RunMain(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "evchain-bench-e2e: " << e.what() << "\n";
    return 1;
  }
}
