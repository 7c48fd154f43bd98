// evchain-loadgen: submits N synthetic, correctly signed deposits (random digests) to a node in
// signed batches, for process-level tests and benchmarks. Not a tool for real evidence: use
// `evchain deposit` for that.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/command_line.h"
#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"

namespace {

using nlohmann::json;
using namespace evchain;

int Fail(const std::string& message) {
  std::fprintf(stderr, "evchain-loadgen: %s\n", message.c_str());
  return 3;
}

int Run(int argc, char** argv) {
  CLI::App app{
      "evchain-loadgen: submit N synthetic signed deposits to a node, in signed batches.\n"
      "Example:\n"
      "  evchain-loadgen --node http://127.0.0.1:8081 --key net/depositor.key \\\n"
      "      --depositor demo-platform --count 10000 --batch 1000 --wait",
      "evchain-loadgen"};
  std::string node, key_path, depositor, seed = "load";
  uint64_t count = 1000;
  uint64_t batch_size = 1000;
  bool wait = false;
  double timeout_s = 120;
  app.add_option("--node", node, "node base URL, e.g. http://127.0.0.1:8081")->required();
  app.add_option("--key", key_path, "depositor key file")->required();
  app.add_option("--depositor", depositor, "depositor id in the genesis")->required();
  app.add_option("--count", count, "number of deposits")->check(CLI::Range(1, 100000000));
  app.add_option("--batch", batch_size, "items per signed batch (1..10000)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--seed", seed, "makes digests and nonces (same seed: same deposits)");
  app.add_flag("--wait", wait, "wait until the node's log holds every deposit");
  app.add_option("--timeout", timeout_s, "seconds to wait with --wait");
  if (std::optional<int> exit_status = evchain::ParseCommandLine(app, argc, argv)) {
    return *exit_status;
  }

  auto key = crypto::SecretKey::LoadFile(key_path);
  if (!key.ok()) return Fail(key.status().ToString());
  httplib::Client client(node);
  client.set_read_timeout(60, 0);
  auto genesis = client.Get("/v1/genesis");
  if (!genesis || genesis->status != 200) return Fail("cannot GET /v1/genesis from " + node);
  std::string chain_id = json::parse(genesis->body).at("chain_id").get<std::string>();
  auto status_before = client.Get("/v1/status");
  if (!status_before || status_before->status != 200) return Fail("cannot GET /v1/status");
  uint64_t start_size = json::parse(status_before->body).at("log_size").get<uint64_t>();

  auto started = std::chrono::steady_clock::now();
  for (uint64_t first = 0; first < count; first += batch_size) {
    uint64_t n = std::min(batch_size, count - first);
    std::vector<std::string> items;
    items.reserve(n);
    for (uint64_t i = first; i < first + n; ++i) {
      ledger::DepositStatement st;
      st.chain_id = chain_id;
      st.depositor = depositor;
      st.digest = crypto::Sha256(seed + "/digest/" + std::to_string(i));
      st.kind = "log";
      st.nonce = seed + "-" + std::to_string(i);
      items.push_back(st.Canonical());
    }
    ledger::BatchStatement batch;
    batch.chain_id = chain_id;
    batch.depositor = depositor;
    batch.items = n;
    batch.root = ledger::BatchRoot(items);
    batch.nonce = seed + "-batch-" + std::to_string(first);
    std::string text = batch.Canonical();
    json body = {
        {"statement", text}, {"signature", ToHex(key->Sign(AsBytes(text)))}, {"items", items}};
    for (int attempt = 0;; ++attempt) {
      auto res = client.Post("/v1/deposits/batch", body.dump(), "application/json");
      if (res && (res->status == 200 || res->status == 202)) break;
      // 429/503: back off and retry; anything else is an error.
      if (res && (res->status == 429 || res->status == 503) && attempt < 100) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      return Fail("batch at " + std::to_string(first) + " rejected: " +
                  (res ? std::to_string(res->status) + " " + res->body : "no response"));
    }
  }
  double submit_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  double commit_s = 0;
  if (wait) {
    auto deadline = started + std::chrono::duration<double>(timeout_s);
    while (true) {
      auto res = client.Get("/v1/status");
      if (res && res->status == 200 &&
          json::parse(res->body).at("log_size").get<uint64_t>() >= start_size + count) {
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return Fail("timed out waiting for commit");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    commit_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  std::printf("{\"deposits\": %llu, \"submit_seconds\": %.3f, \"commit_seconds\": %.3f}\n",
              static_cast<unsigned long long>(count), submit_s, commit_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A node's answer that is not the JSON expected (a proxy's error page, another service on the
  // port) makes json::parse or at() throw: reported here, exit 3 like the other failures.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evchain-loadgen: unexpected answer or failure: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "evchain-loadgen: unexpected failure\n");
  }
  return 3;
}
