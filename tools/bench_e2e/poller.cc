#include "tools/bench_e2e/poller.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "tools/bench_e2e/load.h"
#include "tools/bench_e2e/procs.h"

namespace evchain::bench {

Poller::Poller(std::vector<HostPort> nodes, std::vector<pid_t> pids, int interval_ms)
    : nodes_(std::move(nodes)),
      pids_(std::move(pids)),
      interval_ms_(interval_ms),
      samples_(nodes_.size()) {
  for (size_t i = 0; i < nodes_.size(); ++i) threads_.emplace_back([this, i] { PollLoop(i); });
  threads_.emplace_back([this] { CpuLoop(); });
}

void Poller::Stop() {
  stop_.store(true);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Poller::PollLoop(size_t node) {
  httplib::Client client(nodes_[node].host, nodes_[node].port);
  client.set_keep_alive(true);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(10));
  while (!stop_.load() && !Interrupted()) {
    const int64_t sent = NowNs();
    auto res = client.Get("/v1/status");
    const int64_t recv = NowNs();
    if (res && res->status == 200) {
      try {
        const auto j = nlohmann::json::parse(res->body);
        StatusSample s{sent,
                       recv,
                       j.at("height").get<uint64_t>(),
                       j.at("log_size").get<uint64_t>(),
                       j.at("view").get<uint64_t>(),
                       j.at("pending").get<uint64_t>()};
        std::lock_guard lock(mu_);
        samples_[node].push_back(s);
      } catch (const nlohmann::json::exception&) {
      }
    }
    const int64_t next = sent + int64_t{interval_ms_} * 1000000;
    if (next > NowNs()) std::this_thread::sleep_for(std::chrono::nanoseconds(next - NowNs()));
  }
}

void Poller::CpuLoop() {
  while (!stop_.load() && !Interrupted()) {
    CpuSample s;
    s.at_ns = NowNs();
    for (pid_t p : pids_) s.seconds.push_back(ProcessCpuSeconds(p));
    {
      std::lock_guard lock(mu_);
      cpu_.push_back(std::move(s));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms_));
  }
}

uint64_t Poller::LogSizeAt(int64_t t) const {
  std::lock_guard lock(mu_);
  uint64_t best = 0;
  for (const auto& node : samples_) {
    for (const auto& s : node) {
      if (s.recv_ns > t) break;
      best = std::max(best, s.log_size);
    }
  }
  return best;
}

StatusSample Poller::NodeSampleAt(size_t node, int64_t t) const {
  std::lock_guard lock(mu_);
  StatusSample last;
  for (const auto& s : samples_[node]) {
    if (s.recv_ns > t) break;
    last = s;
  }
  return last;
}

uint64_t Poller::NodeLogSizeAt(size_t node, int64_t t) const {
  return NodeSampleAt(node, t).log_size;
}

int64_t Poller::HeightSeenAt(size_t node, uint64_t height) const {
  std::lock_guard lock(mu_);
  for (const auto& s : samples_[node]) {
    if (s.height >= height) return s.recv_ns;
  }
  return -1;
}

int64_t Poller::ViewSeenAt(size_t node, uint64_t view, int64_t from) const {
  std::lock_guard lock(mu_);
  for (const auto& s : samples_[node]) {
    if (s.recv_ns >= from && s.view >= view) return s.recv_ns;
  }
  return -1;
}

uint64_t Poller::NodeHeightAt(size_t node, int64_t t) const { return NodeSampleAt(node, t).height; }

uint64_t Poller::MaxView(int64_t from, int64_t to) const {
  std::lock_guard lock(mu_);
  uint64_t best = 0;
  for (const auto& node : samples_) {
    for (const auto& s : node) {
      if (s.recv_ns >= from && s.recv_ns <= to) best = std::max(best, s.view);
    }
  }
  return best;
}

double Poller::CpuBetween(size_t p, int64_t from, int64_t to) const {
  std::lock_guard lock(mu_);
  const CpuSample* a = nullptr;
  const CpuSample* b = nullptr;
  for (const auto& s : cpu_) {
    if (s.at_ns <= from || a == nullptr) a = &s;
    if (s.at_ns <= to || b == nullptr) b = &s;
  }
  if (a == nullptr || b == nullptr || p >= a->seconds.size()) return 0;
  return b->seconds[p] - a->seconds[p];
}

std::vector<double> Poller::PollRoundTripsMs(size_t node, int64_t from, int64_t to) const {
  std::lock_guard lock(mu_);
  std::vector<double> out;
  for (const auto& s : samples_[node]) {
    if (s.sent_ns >= from && s.sent_ns <= to) {
      out.push_back(static_cast<double>(s.recv_ns - s.sent_ns) / 1e6);
    }
  }
  return out;
}

}  // namespace evchain::bench
