// evchain-bench-net: measures one authenticated, encrypted link between two in-process
// Transports on 127.0.0.1 (each on its own io_context thread): bulk MB/s with 1 MiB payloads and
// small payloads per second, plus single-thread ChaCha20-Poly1305 sealing speed as a reference.
// Usage and results: docs/benchmarks.md "Peer links".
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/command_line.h"
#include "crypto/sha256.h"
#include "node/net/secure_channel.h"
#include "node/net/transport.h"
#include "tools/bench_common/sample_stats.h"

namespace evchain::net {
namespace {

using bench::Median;
using Clock = std::chrono::steady_clock;

uint16_t FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// Two validators, linked; the receiver counts payloads and bytes.
class Link {
 public:
  Link() {
    for (int i = 0; i < 2; ++i) {
      keys_.push_back(crypto::SecretKey::FromSeed(Bytes(32, static_cast<uint8_t>(i + 1))));
      genesis::Validator v;
      v.id = "v" + std::to_string(i);
      v.public_key = keys_.back().public_key();
      v.p2p = "127.0.0.1:" + std::to_string(FreePort());
      genesis_.validators.push_back(v);
    }
    genesis_.chain_id = "bench";
    genesis_.hash = crypto::Sha256("bench");
    TransportOptions options;
    options.max_queue_messages = 1u << 20;
    options.max_queue_bytes = 1u << 30;
    sender_ = std::make_unique<Transport>(io_[0], genesis_, 0, keys_[0], options);
    receiver_ = std::make_unique<Transport>(io_[1], genesis_, 1, keys_[1], options);
    receiver_->SetReceiveHandler([this](int, const std::string&) {
      std::lock_guard<std::mutex> lock(mu_);
      ++received_;
      cv_.notify_all();
    });
    if (!sender_->Start().ok() || !receiver_->Start().ok()) std::abort();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this, i] { io_[i].run(); });
    while (sender_->ConnectedPeers().empty() || receiver_->ConnectedPeers().empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~Link() {
    sender_->Stop();
    receiver_->Stop();
    for (auto& t : threads_) t.join();
  }

  // Sends `count` copies of `payload` keeping at most `window` unreceived; returns seconds.
  double Run(const std::string& payload, size_t count, size_t window) {
    size_t base;
    {
      std::lock_guard<std::mutex> lock(mu_);
      base = received_;
    }
    auto start = Clock::now();
    for (size_t sent = 0; sent < count; ++sent) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return sent - (received_ - base) < window; });
      lock.unlock();
      sender_->Send(1, payload);
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return received_ - base == count; });
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  TransportStats sender_stats() const { return sender_->Stats(); }

 private:
  genesis::Genesis genesis_;
  std::vector<crypto::SecretKey> keys_;
  boost::asio::io_context io_[2];
  std::unique_ptr<Transport> sender_, receiver_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t received_ = 0;
};

int Main(int argc, char** argv) {
  CLI::App app{"Throughput of one evchain peer link over 127.0.0.1"};
  int runs = 5;
  size_t big_count = 256, small_count = 200000, small_size = 200, window_bytes = 32u << 20;
  app.add_option("--runs", runs, "repetitions; medians are reported")->check(CLI::PositiveNumber);
  app.add_option("--big-count", big_count, "1 MiB payloads per run");
  app.add_option("--small-count", small_count, "small payloads per run");
  app.add_option("--small-size", small_size, "bytes per small payload");
  app.add_option("--window-bytes", window_bytes, "most payload bytes in flight");
  if (std::optional<int> exit_status = evchain::ParseCommandLine(app, argc, argv)) {
    return *exit_status;
  }

  const double mib = 1024.0 * 1024.0;
  std::string big(1u << 20, 'b'), small(small_size, 's');
  std::vector<double> seal_mbs, big_mbs, small_rate;
  Link link;
  for (int r = 0; r < runs; ++r) {
    // Reference: sealing alone, one core, same payloads.
    FrameSealer sealer(Key32{});
    Bytes out;
    out.reserve(big.size() + 64);
    auto start = Clock::now();
    for (size_t i = 0; i < big_count; ++i) {
      out.clear();
      sealer.Seal(big, out);
    }
    double seal_s = std::chrono::duration<double>(Clock::now() - start).count();
    seal_mbs.push_back(static_cast<double>(big_count) * static_cast<double>(big.size()) / mib /
                       seal_s);

    double big_s = link.Run(big, big_count, std::max<size_t>(1, window_bytes / big.size()));
    big_mbs.push_back(static_cast<double>(big_count) * static_cast<double>(big.size()) / mib /
                      big_s);
    double small_s =
        link.Run(small, small_count, std::max<size_t>(1, window_bytes / (small_size + 20)));
    small_rate.push_back(static_cast<double>(small_count) / small_s);
    std::printf("run %d: seal %.0f MiB/s, link %.0f MiB/s (1 MiB payloads), %.0f msg/s (%zu B)\n",
                r + 1, seal_mbs.back(), big_mbs.back(), small_rate.back(), small_size);
  }
  TransportStats stats = link.sender_stats();
  std::printf("median of %d: seal %.0f MiB/s | link %.0f MiB/s | %.0f small msg/s (%zu B)\n", runs,
              Median(seal_mbs), Median(big_mbs), Median(small_rate), small_size);
  std::printf("sender: frames_out=%llu bytes_out=%llu dropped=%llu\n",
              static_cast<unsigned long long>(stats.frames_out),
              static_cast<unsigned long long>(stats.bytes_out),
              static_cast<unsigned long long>(stats.send_queue_dropped));
  return 0;
}

}  // namespace
}  // namespace evchain::net

int main(int argc, char** argv) {
  try {
    return evchain::net::Main(argc, argv);
  } catch (const std::exception& e) {  // exceptions stop here (socket setup failures)
    std::fprintf(stderr, "evchain-bench-net: %s\n", e.what());
    return 1;
  }
}
