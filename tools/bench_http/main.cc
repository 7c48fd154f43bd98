// evchain-bench-http: how many HTTP deposit requests per second one validator's handlers and
// HTTP server accept (behind a NodeService that admits instantly), and how many
// GET /v1/evidence/{digest} lookups per second it answers from an EvidenceLog of N entries.
// Real HttpServer on 127.0.0.1, keep-alive clients, pre-signed deposits; medians over runs.
// Results and the command line: docs/benchmarks.md "HTTP API".
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "api/http_server.h"
#include "common/command_line.h"
#include "common/encoding.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"
#include "tools/bench_common/sample_stats.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain {
namespace {

using bench::Median;

constexpr char kChain[] = "bench-chain";
constexpr char kDepositor[] = "bench-platform";

crypto::SecretKey Key(uint8_t seed) { return crypto::SecretKey::FromSeed(Bytes(32, seed)); }

genesis::Genesis MakeGenesis(const crypto::SecretKey& depositor) {
  nlohmann::json validators = nlohmann::json::array();
  const char* roles[] = {"court", "court", "notary", "time"};
  for (int i = 0; i < 4; ++i) {
    validators.push_back(
        {{"id", "v" + std::to_string(i)},
         {"role", roles[i]},
         {"public_key", ToHex(ByteView(Key(static_cast<uint8_t>(i + 1)).public_key()))},
         {"p2p", "127.0.0.1:" + std::to_string(9000 + i)},
         {"http", "127.0.0.1:" + std::to_string(9100 + i)}});
  }
  nlohmann::json g = {{"chain_id", kChain},
                      {"genesis_time", "2026-01-01T00:00:00Z"},
                      {"validators", validators},
                      {"depositors",
                       {{{"id", kDepositor},
                         {"name", "Bench"},
                         {"public_key", ToHex(ByteView(depositor.public_key()))}}}}};
  auto parsed = genesis::ParseGenesis(g.dump());
  if (!parsed.ok()) {
    std::fprintf(stderr, "genesis: %s\n", parsed.status().ToString().c_str());
    std::exit(1);
  }
  return *parsed;
}

ledger::DepositStatement Statement(uint64_t i, const std::string& tag) {
  ledger::DepositStatement s;
  s.chain_id = kChain;
  s.depositor = kDepositor;
  s.digest = crypto::Sha256(tag + std::to_string(i));
  s.kind = "webpage";
  s.source = "https://example.com/" + std::to_string(i);
  s.nonce = tag + std::to_string(i);
  return s;
}

// Admits everything instantly; serves a prebuilt log.
class InstantNode : public api::NodeService {
 public:
  explicit InstantNode(storage::EvidenceLog& log) : log_(log) {}
  void Submit(std::vector<ledger::Entry> entries, std::vector<ledger::EntryFacts> /*facts*/,
              SubmitDone done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const ledger::Entry& e : entries) pending_.insert(crypto::Sha256(e.statement));
    }
    done(evchain::Status::Ok());
  }
  bool IsPending(const Hash32& id) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.count(id) != 0;
  }
  void SetCommitListener(std::function<void(const std::vector<Hash32>&)>) override {}
  api::NodeStatusInfo Status() const override { return {}; }
  const storage::EvidenceLog& Log() const override { return log_; }

 private:
  storage::EvidenceLog& log_;
  mutable std::mutex mu_;
  std::set<Hash32> pending_;
};

// Fills `log` with `entries` committed deposits in blocks of 10,000, each block's checkpoint
// cosigned by the four validators.
void FillLog(storage::EvidenceLog& log, const genesis::Genesis& g, const crypto::SecretKey& dep,
             uint64_t entries) {
  std::vector<crypto::SecretKey> keys;
  std::vector<synthetic::Cosigner> cosigners;
  for (uint8_t v = 0; v < 4; ++v) keys.push_back(Key(v + 1));
  for (size_t v = 0; v < 4; ++v) cosigners.push_back({g.validators[v].id, &keys[v]});
  crypto::MerkleFrontier frontier;
  Hash32 prev = g.hash;
  for (uint64_t start = 0; start < entries; start += 10000) {
    std::vector<ledger::Entry> block;
    for (uint64_t i = start; i < std::min(entries, start + 10000); ++i) {
      const std::string text = Statement(i, "log").Canonical();
      block.push_back({text, dep.Sign(AsBytes(text)), std::nullopt});
    }
    const UnixMillis time = 1795865427000 + static_cast<UnixMillis>(log.height() + 1) * 1000;
    Result<ledger::BlockHeader> header = synthetic::AppendCosignedBlock(
        &log, g, cosigners, std::move(block), time, prev, "v0", 0, &frontier);
    if (!header.ok()) {
      std::fprintf(stderr, "append: %s\n", header.status().ToString().c_str());
      std::exit(1);
    }
    prev = header->Hash();
  }
}

// Runs `threads` keep-alive clients, each sending its share of `requests`; returns requests/s.
// Every response must have status `want` (the benchmark aborts otherwise).
double Drive(int port, int threads, size_t requests, int want,
             const std::function<httplib::Result(httplib::Client&, size_t)>& send) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      for (size_t i = next++; i < requests; i = next++) {
        httplib::Result r = send(c, i);
        if (!r || r->status != want) {
          if (!failed.exchange(true)) {
            std::fprintf(stderr, "request %zu: %s\n", i,
                         r ? (std::to_string(r->status) + " " + r->body).c_str() : "no response");
          }
          return;
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  if (failed) std::exit(1);
  return static_cast<double>(requests) /
         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int Main(int argc, char** argv) {
  CLI::App app{"HTTP API throughput of one validator's handlers and server"};
  int threads = 4;
  int server_threads = 8;
  size_t deposits = 20000;
  size_t lookups = 20000;
  uint64_t entries = 100000;
  int runs = 3;
  app.add_option("--threads", threads, "client threads (keep-alive connections)")
      ->check(CLI::PositiveNumber);
  app.add_option("--server-threads", server_threads, "HTTP server worker threads")
      ->check(CLI::PositiveNumber);
  app.add_option("--deposits", deposits, "deposit requests per run")->check(CLI::PositiveNumber);
  app.add_option("--lookups", lookups, "evidence lookups per run")->check(CLI::PositiveNumber);
  app.add_option("--entries", entries, "entries in the evidence log")->check(CLI::PositiveNumber);
  app.add_option("--runs", runs, "runs (the median is reported)")->check(CLI::PositiveNumber);
  if (std::optional<int> exit_status = evchain::ParseCommandLine(app, argc, argv)) {
    return *exit_status;
  }

  const crypto::SecretKey depositor = Key(42);
  const genesis::Genesis g = MakeGenesis(depositor);
  std::unique_ptr<storage::KvStore> store = storage::NewMemoryStore();
  auto log = storage::EvidenceLog::Open(store.get());
  if (!log.ok()) return 1;
  auto t0 = std::chrono::steady_clock::now();
  FillLog(**log, g, depositor, entries);
  std::printf("log: %llu entries built in %.1f s\n", static_cast<unsigned long long>(entries),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  InstantNode node(**log);
  api::Metrics metrics;
  api::ApiConfig config;
  config.rate_limit_per_second = 0;  // one client address drives everything
  config.threads = static_cast<size_t>(server_threads);
  config.access_log = false;  // measures the API, not the disk
  api::Context ctx{g, node, metrics, config};
  api::HttpServer server(ctx);
  if (Status s = server.Start("127.0.0.1", 0); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }

  std::vector<double> deposit_rates;
  std::vector<double> lookup_rates;
  for (int run = 0; run < runs; ++run) {
    std::vector<std::string> bodies;
    bodies.reserve(deposits);
    for (size_t i = 0; i < deposits; ++i) {
      const std::string text = Statement(i, "run" + std::to_string(run) + "-").Canonical();
      bodies.push_back(nlohmann::json{{"statement", text},
                                      {"signature", ToHex(ByteView(depositor.Sign(AsBytes(text))))}}
                           .dump());
    }
    deposit_rates.push_back(
        Drive(server.port(), threads, deposits, 202, [&](httplib::Client& c, size_t i) {
          return c.Post("/v1/deposits", bodies[i], "application/json");
        }));
    lookup_rates.push_back(
        Drive(server.port(), threads, lookups, 200, [&](httplib::Client& c, size_t i) {
          const uint64_t k = (i * 7919 + static_cast<size_t>(run)) % entries;
          return c.Get("/v1/evidence/" + ToHex(Statement(k, "log").digest));
        }));
    std::printf("run %d: %.0f deposits/s, %.0f lookups/s\n", run + 1, deposit_rates.back(),
                lookup_rates.back());
  }
  std::printf(
      "median of %d runs (%d client threads, %d server threads, %llu log entries): "
      "%.0f deposit requests/s, %.0f evidence lookups/s\n",
      runs, threads, server_threads, static_cast<unsigned long long>(entries),
      Median(deposit_rates), Median(lookup_rates));
  server.Stop();
  return 0;
}

}  // namespace
}  // namespace evchain

int main(int argc, char** argv) {
  try {
    return evchain::Main(argc, argv);
  } catch (const std::exception& e) {  // exceptions stop here (a server that cannot start)
    std::fprintf(stderr, "evchain-bench-http: %s\n", e.what());
    return 1;
  }
}
