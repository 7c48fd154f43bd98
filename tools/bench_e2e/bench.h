// evchain-bench-e2e's runs: evchain and etcd at each load level of the options, one after the
// other, each reported as a table line and in the JSON (docs/benchmarks.md "End-to-end").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench_e2e/clusters.h"

namespace evchain::bench {

// What to run; the command line's --help describes each (tools/bench_e2e/main.cc).
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
  // Rounds of every load level; within each, etcd and evchain run one after the other.
  int repeat = 1;
};

// Runs every load of `o` with the temporary directory `root` (the networks' data, kept with
// --keep), prints the table and writes the JSON. `command` is recorded in the JSON. Returns the
// process's exit status: 0, 1 on a failure to prepare, 130 when interrupted.
int RunBench(const Options& o, const std::string& root, const std::string& command,
             const EvchainOptions& evchain);

}  // namespace evchain::bench
