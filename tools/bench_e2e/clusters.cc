#include "tools/bench_e2e/clusters.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "common/free_ports.h"

namespace evchain::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Result<json> ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("io", "cannot read " + path);
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    return Status::Error("io", path + ": " + e.what());
  }
}

Status WriteJson(const std::string& path, const json& j) {
  std::ofstream out(path, std::ios::trunc);
  out << j.dump(2) << "\n";
  out.close();
  if (!out) return Status::Error("io", "cannot write " + path);
  return Status::Ok();
}

// Polls `ready` every 50 ms until it is true, the deadline passes or the user interrupts.
template <typename F>
Status WaitFor(const std::string& what, std::chrono::seconds timeout, F ready) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Interrupted()) return Status::Error("interrupted", "interrupted");
    if (ready()) return Status::Ok();
    SleepFor(std::chrono::milliseconds(50));
  }
  return Status::Error(
      "timeout", "timed out after " + std::to_string(timeout.count()) + " s waiting for " + what);
}

}  // namespace

Result<std::string> HttpGet(const HostPort& at, const std::string& path, int timeout_ms) {
  httplib::Client client(at.host, at.port);
  client.set_connection_timeout(std::chrono::milliseconds(timeout_ms));
  client.set_read_timeout(std::chrono::milliseconds(timeout_ms));
  auto res = client.Get(path);
  if (!res) return Status::Error("http", "GET " + path + " from " + ToString(at) + " failed");
  if (res->status != 200) {
    return Status::Error(
        "http", "GET " + path + " from " + ToString(at) + ": " + std::to_string(res->status));
  }
  return res->body;
}

double MetricSum(const std::string& metrics, const std::string& name) {
  double sum = 0;
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() <= name.size() || line.compare(0, name.size(), name) != 0) continue;
    const char next = line[name.size()];
    if (next != ' ' && next != '{') continue;
    const size_t space = line.rfind(' ');
    try {
      sum += std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
    }
  }
  return sum;
}

MetricHistogram ReadHistogram(const std::string& metrics, const std::string& name) {
  MetricHistogram h;
  const std::string bucket = name + "_bucket{le=\"";
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    try {
      const double value = std::stod(line.substr(space + 1));
      if (line.compare(0, bucket.size(), bucket) == 0) {
        const size_t close = line.find('"', bucket.size());
        if (close == std::string::npos) continue;
        const std::string le = line.substr(bucket.size(), close - bucket.size());
        h.buckets.emplace_back(le == "+Inf" ? HUGE_VAL : std::stod(le), value);
      } else if (line.compare(0, space, name + "_sum") == 0) {
        h.sum = value;
      } else if (line.compare(0, space, name + "_count") == 0) {
        h.count = value;
      }
    } catch (const std::exception&) {
    }
  }
  std::sort(h.buckets.begin(), h.buckets.end());
  return h;
}

Result<std::unique_ptr<EvchainNet>> EvchainNet::Start(const EvchainOptions& o,
                                                      const std::string& dir,
                                                      const crypto::PublicKey& depositor_key) {
  auto net = std::make_unique<EvchainNet>();
  net->dir_ = dir;
  fs::create_directories(fs::path(dir).parent_path());
  if (Status s = RunToCompletion({o.cli, "testnet", "--validators", std::to_string(kValidators),
                                  "--out", dir, "--chain-id", o.chain_id},
                                 dir + ".testnet.log", std::chrono::seconds(60));
      !s.ok()) {
    return s;
  }
  // The depositor's key is the benchmark's, so one set of pre-signed deposits serves every run.
  const std::string genesis_path = dir + "/genesis.json";
  auto genesis = ReadJson(genesis_path);
  if (!genesis.ok()) return genesis.status();
  bool found = false;
  for (auto& d : (*genesis)["depositors"]) {
    if (d["id"] == o.depositor) {
      d["public_key"] = ToHex(ByteView(depositor_key));
      found = true;
    }
  }
  if (!found) return Status::Error("config", "testnet genesis has no depositor " + o.depositor);
  for (const auto& [k, v] : o.genesis_params.items()) (*genesis)["params"][k] = v;
  if (Status s = WriteJson(genesis_path, *genesis); !s.ok()) return s;

  for (int i = 0; i < kValidators; ++i) {
    const std::string config_path = dir + "/node" + std::to_string(i) + "/config.json";
    auto config = ReadJson(config_path);
    if (!config.ok()) return config.status();
    for (const auto& [k, v] : o.node_config.items()) (*config)[k] = v;
    if (Status s = WriteJson(config_path, *config); !s.ok()) return s;
    auto http = ParseHostPort((*config)["http_listen"].get<std::string>());
    if (!http.ok()) return http.status();
    net->http_.push_back(*http);
  }
  net->nodes_.resize(kValidators);
  for (int i = 0; i < kValidators; ++i) {
    const std::string node_dir = dir + "/node" + std::to_string(i);
    if (Status s = net->nodes_[i].Start({o.node, "--config", node_dir + "/config.json"},
                                        node_dir + "/node.log");
        !s.ok()) {
      return s;
    }
  }
  EvchainNet* raw = net.get();
  Status up = WaitFor("every evchain validator's peer links", std::chrono::seconds(30), [&] {
    if (!raw->AllRunning()) return true;  // reported below
    for (int i = 0; i < kValidators; ++i) {
      auto body = HttpGet(raw->http_[i], "/v1/status", 1000);
      if (!body.ok()) return false;
      try {
        if (json::parse(*body).at("peers_connected").get<int>() < kValidators - 1) return false;
      } catch (const json::exception&) {
        return false;
      }
    }
    return true;
  });
  if (!raw->AllRunning()) {
    std::string tails;
    for (int i = 0; i < kValidators; ++i)
      tails += "\nnode" + std::to_string(i) + ":\n" + raw->LogTail(i, 10);
    return Status::Error("node_exited", "an evchain-node exited at start-up" + tails);
  }
  if (!up.ok()) return up;
  return net;
}

void EvchainNet::Stop() {
  for (auto& n : nodes_) n.Kill();
}

bool EvchainNet::AllRunning() {
  for (auto& n : nodes_) {
    if (!n.Running()) return false;
  }
  return true;
}

std::string EvchainNet::LogTail(int i, size_t lines) const {
  std::ifstream in(dir_ + "/node" + std::to_string(i) + "/node.log");
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += l + "\n";
  return out;
}

Result<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(const std::string& etcd,
                                                        const std::string& dir) {
  if (access(etcd.c_str(), X_OK) != 0) {
    return Status::Error("no_etcd", etcd +
                                        " is not executable: install Debian's etcd-server, give "
                                        "--etcd PATH, or run --only evchain");
  }
  auto cluster = std::make_unique<EtcdCluster>();
  fs::create_directories(dir);
  auto ports = FreeLoopbackPorts(2 * kMembers);
  if (!ports.ok()) return ports.status();
  std::string initial;
  // Member i listens for clients on ports[2i] and for peers on ports[2i + 1].
  for (int i = 0; i < kMembers; ++i) {
    const size_t client_slot = 2 * static_cast<size_t>(i);
    initial += (i ? "," : "") + std::string("m") + std::to_string(i) +
               "=http://127.0.0.1:" + std::to_string((*ports)[client_slot + 1]);
  }
  cluster->members_.resize(kMembers);
  for (int i = 0; i < kMembers; ++i) {
    const size_t client_slot = 2 * static_cast<size_t>(i);
    const std::string name = "m" + std::to_string(i);
    const std::string client = "http://127.0.0.1:" + std::to_string((*ports)[client_slot]);
    const std::string peer = "http://127.0.0.1:" + std::to_string((*ports)[client_slot + 1]);
    cluster->client_.push_back({"127.0.0.1", (*ports)[client_slot]});
    if (Status s = cluster->members_[i].Start({etcd,
                                               "--name",
                                               name,
                                               "--data-dir",
                                               (fs::path(dir) / name).string(),
                                               "--listen-client-urls",
                                               client,
                                               "--advertise-client-urls",
                                               client,
                                               "--listen-peer-urls",
                                               peer,
                                               "--initial-advertise-peer-urls",
                                               peer,
                                               "--initial-cluster",
                                               initial,
                                               "--initial-cluster-state",
                                               "new",
                                               "--initial-cluster-token",
                                               "evchain-bench",
                                               "--logger",
                                               "zap",
                                               "--log-level",
                                               "warn"},
                                              (fs::path(dir) / (name + ".log")).string());
        !s.ok()) {
      return s;
    }
  }
  EtcdCluster* raw = cluster.get();
  bool exited = false;
  Status up = WaitFor("every etcd member's /health", std::chrono::seconds(30), [&] {
    for (auto& m : raw->members_) {
      if (!m.Running()) {
        exited = true;
        return true;
      }
    }
    for (const auto& c : raw->client_) {
      auto body = HttpGet(c, "/health", 1000);
      if (!body.ok() || body->find("\"true\"") == std::string::npos) return false;
    }
    return true;
  });
  if (exited) return Status::Error("etcd_exited", "an etcd member exited (logs in " + dir + ")");
  if (!up.ok()) return up;
  return cluster;
}

void EtcdCluster::Stop() {
  for (auto& m : members_) m.Kill();
}

}  // namespace evchain::bench
