#include "tools/bench_e2e/workload.h"

#include <nlohmann/json.hpp>
#include <thread>

#include "common/encoding.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"

namespace evchain::bench {
namespace {

// Realistic provenance (a captured web page), about 300 bytes of statement.
ledger::DepositStatement Statement(const DepositParams& p, const std::string& tag, uint64_t i) {
  ledger::DepositStatement st;
  st.chain_id = p.chain_id;
  st.depositor = p.depositor;
  st.digest = crypto::Sha256("evchain-bench/" + tag + "/" + std::to_string(i));
  st.kind = "webpage";
  st.source = "https://platform.example/captures/" + tag + "/" + std::to_string(i);
  st.captured_at = "2026-12-01T00:00:00Z";
  st.nonce = tag + "-" + std::to_string(i);
  return st;
}

// Runs fn(i) for i in [0, n) on `threads` threads.
template <typename F>
void ParallelFor(uint64_t n, int threads, F fn) {
  std::vector<std::thread> pool;
  const int t = std::max(1, threads);
  pool.reserve(static_cast<size_t>(t));
  for (int w = 0; w < t; ++w) {
    pool.emplace_back([&, w] {
      for (uint64_t i = static_cast<uint64_t>(w); i < n; i += static_cast<uint64_t>(t)) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

Pool MakeSingles(const DepositParams& p, uint64_t count) {
  Pool pool;
  pool.bodies.resize(count);
  pool.last_ids.resize(count);
  ParallelFor(count, p.threads, [&](uint64_t i) {
    const std::string text = Statement(p, "s", i).Canonical();
    nlohmann::json body = {{"statement", text},
                           {"signature", ToHex(ByteView(p.key->Sign(AsBytes(text))))}};
    pool.bodies[i] = body.dump();
    pool.last_ids[i] = ledger::EvidenceId(text);
  });
  return pool;
}

Pool MakeBatches(const DepositParams& p, uint64_t batches, uint32_t per_batch) {
  Pool pool;
  pool.per_request = per_batch;
  pool.bodies.resize(batches);
  pool.last_ids.resize(batches);
  ParallelFor(batches, p.threads, [&](uint64_t b) {
    std::vector<std::string> items;
    items.reserve(per_batch);
    for (uint64_t k = 0; k < per_batch; ++k) {
      items.push_back(Statement(p, "b", b * per_batch + k).Canonical());
    }
    ledger::BatchStatement batch;
    batch.chain_id = p.chain_id;
    batch.depositor = p.depositor;
    batch.items = per_batch;
    batch.root = ledger::BatchRoot(items);
    batch.nonce = "batch-" + std::to_string(b);
    const std::string text = batch.Canonical();
    nlohmann::json body = {{"statement", text},
                           {"signature", ToHex(ByteView(p.key->Sign(AsBytes(text))))},
                           {"items", items}};
    pool.bodies[b] = body.dump();
    pool.last_ids[b] = ledger::EvidenceId(items.back());
  });
  return pool;
}

Pool MakeEtcdPuts(const Pool& source, const std::string& prefix) {
  Pool pool;
  pool.bodies.resize(source.bodies.size());
  pool.last_ids.resize(source.bodies.size());
  for (size_t i = 0; i < source.bodies.size(); ++i) {
    const std::string key = prefix + "/" + source.last_ids[i];
    nlohmann::json body = {{"key", ToBase64(AsBytes(key))},
                           {"value", ToBase64(AsBytes(source.bodies[i]))}};
    pool.bodies[i] = body.dump();
    pool.last_ids[i] = key;
  }
  return pool;
}

}  // namespace evchain::bench
