// evchain-bench-e2e: evchain end to end beside etcd, on this machine, in one run: the command
// line. What it measures and how: docs/benchmarks.md "End-to-end (evchain vs etcd)".
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/command_line.h"
#include "tools/bench_e2e/bench.h"
#include "tools/bench_e2e/procs.h"

namespace evchain::bench {
namespace {

namespace fs = std::filesystem;

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
                    measured in this run (before and after the loads, median of 10 rounds);
                    nproc counts the CPUs this process may use, as `nproc` does, so
                    `taskset -c 0 evchain-bench-e2e ...` measures everything on one core
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
  (JSON only)       memory.peak_rss_mb: each server's largest resident set during the run
                    (VmHWM of /proc/PID/status; etcd's members are reset before each run,
                    memory.since says "process start" if that was refused), and
                    memory.max_peak_rss_mb, the largest of them

With --repeat N every load level runs N rounds, etcd then evchain's modes in each round, and
a last table gives each level's median [min-max] of committed/s, xetcd (each evchain run
against the etcd run of its own round), xceil, commit p50/p99 and cpu/commit (the JSON's
"summary"; each run carries its "round"). On a machine whose speed drifts from minute to
minute, the medians are what to compare; one round's ratio can be off by a quarter.

Examples:
  evchain-bench-e2e                                   # defaults below, about 8 minutes
  evchain-bench-e2e --only evchain --modes single --connections 4 --rates '' --duration 5s
  evchain-bench-e2e --connections 32 --rates 500,1000 --json e2e.json
  # single deposits at 256 connections beside etcd, three alternating rounds
  evchain-bench-e2e --modes single --connections 256 --rates '' --bulk-rates '' \
      --duration 10s --repeat 3
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
  app.add_option("--repeat", o.repeat,
                 "Rounds of every load level (etcd and evchain alternating in each); with 2 or "
                 "more, a last table of medians and ranges")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--kill-primary-at", o.kill_primary_at_s,
                 "Seconds into each single/wait window at which to SIGKILL the primary and "
                 "measure the new view and the rate's recovery (give --targets backups, e.g. 1,2)");
  if (std::optional<int> exit_status = evchain::ParseCommandLine(app, argc, argv)) {
    return *exit_status;
  }

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
  EvchainOptions evchain;
  evchain.cli = o.evchain_cli;
  evchain.node = o.evchain_node;
  evchain.node_config = *node_config;
  evchain.genesis_params = *genesis_params;
  return RunBench(o, root->path(), command, evchain);
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
