// The two systems under test, each started on 127.0.0.1 in a directory of its own and killed
// by its destructor: a 4-validator evchain network (`evchain testnet` + 4 `evchain-node`) and
// a 3-member etcd cluster (Debian's etcd-server). docs/benchmarks.md "End-to-end".
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/host_port.h"
#include "common/status.h"
#include "crypto/ed25519.h"
#include "tools/bench_e2e/procs.h"

namespace evchain::bench {

// "host:port", for messages and the Host header.
inline std::string ToString(const HostPort& at) { return at.host + ":" + std::to_string(at.port); }

// Control-plane HTTP (not the load): a GET with a short timeout. Result: body of a 200.
Result<std::string> HttpGet(const HostPort& at, const std::string& path, int timeout_ms = 5000);

// The sum of every sample of a Prometheus counter or gauge named `name` (any labels) in the
// text exposition `metrics`; 0 when absent.
double MetricSum(const std::string& metrics, const std::string& name);

// A Prometheus histogram read from a text exposition: its cumulative buckets (upper bound in
// the metric's unit, +Inf included), sum and count; all empty or zero when absent.
struct MetricHistogram {
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count), ascending le
  double sum = 0;
  double count = 0;
};
MetricHistogram ReadHistogram(const std::string& metrics, const std::string& name);

struct EvchainOptions {
  std::string cli;   // the `evchain` binary
  std::string node;  // the `evchain-node` binary
  std::string chain_id = "evchain-bench";
  std::string depositor = "demo-platform";
  // Written over each node config / the genesis params after `evchain testnet`.
  nlohmann::json node_config = nlohmann::json::object();
  nlohmann::json genesis_params = nlohmann::json::object();
};

class EvchainNet {
 public:
  static constexpr int kValidators = 4;
  // Creates the network in `dir` (must not exist) with `depositor_key` as the depositor's key
  // (so deposits signed once serve every run), starts the validators and waits until each has
  // every peer link up.
  static Result<std::unique_ptr<EvchainNet>> Start(const EvchainOptions& o, const std::string& dir,
                                                   const crypto::PublicKey& depositor_key);
  ~EvchainNet() { Stop(); }
  void Stop();

  const HostPort& http(int i) const { return http_[i]; }
  pid_t pid(int i) { return nodes_[i].pid(); }
  // SIGKILL to validator i, reaped before it returns.
  void Kill(int i) { nodes_[i].Kill(); }
  bool AllRunning();
  std::string LogTail(int i, size_t lines) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<HostPort> http_;
  std::vector<Child> nodes_;
};

class EtcdCluster {
 public:
  static constexpr int kMembers = 3;
  static Result<std::unique_ptr<EtcdCluster>> Start(const std::string& etcd,
                                                    const std::string& dir);
  ~EtcdCluster() { Stop(); }
  void Stop();

  const HostPort& client(int i) const { return client_[i]; }
  pid_t pid(int i) { return members_[i].pid(); }

 private:
  std::vector<HostPort> client_;
  std::vector<Child> members_;
};

}  // namespace evchain::bench
