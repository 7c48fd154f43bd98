// evchain-bench-storage: appends realistic entries to an evidence log on LevelDB with synced
// block-sized writes, then measures disk use and proof / lookup latency, and, in the same run, a
// reference of raw LevelDB synced writes. Results and how to read them: docs/benchmarks.md
// "Storage".
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <sys/resource.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <utility>

#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/leaf.h"
#include "ledger/statement.h"
#include "storage/evidence_log.h"

namespace evchain::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU seconds used by the whole process (all threads: AppendBlock's helper thread and LevelDB's
// compaction thread included).
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// CPU seconds used by the calling thread only: AppendBlock's own work, without its helper thread
// (the companion store's write) and LevelDB's background compaction.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Options {
  std::string dir;
  uint64_t entries = 1000000;
  uint64_t block = 1000;
  uint64_t samples = 10000;
  uint64_t depositors = 16;
  uint64_t seed = 1;
};

// The root after appending `leaves` to a tree of `size` leaves with perfect-subtree `frontier`
// (EvidenceLog::Frontier()): what consensus computes for a proposed block.
Hash32 TentativeRoot(uint64_t size, std::vector<Hash32> frontier,
                     const std::vector<Hash32>& leaves) {
  Result<crypto::MerkleFrontier> edge =
      crypto::MerkleFrontier::FromHashes(size, std::move(frontier));
  if (!edge.ok()) {
    std::fprintf(stderr, "bad frontier: %s\n", edge.status().ToString().c_str());
    std::exit(1);
  }
  for (const Hash32& leaf : leaves) edge->AppendLeafHash(leaf);
  return edge->Root();
}

class Generator {
 public:
  explicit Generator(const Options& o) : rng_(o.seed) {
    for (uint64_t i = 0; i < o.depositors; ++i) {
      keys_.push_back(RandomBytes<32>());
    }
  }

  template <size_t N>
  std::array<uint8_t, N> RandomBytes() {
    std::array<uint8_t, N> out;
    for (auto& b : out) b = static_cast<uint8_t>(rng_());
    return out;
  }

  // A realistic deposit: random digest, one of a few depositors, a ~200-byte statement.
  void Add(storage::BlockToAppend& block, uint64_t n) {
    ledger::DepositStatement s;
    s.chain_id = "bench-chain";
    const uint64_t depositor = rng_() % keys_.size();
    s.depositor = "platform-" + std::to_string(depositor);
    s.digest = RandomBytes<32>();
    s.kind = "webpage";
    s.source = "https://example.org/a/" + std::to_string(n);
    s.captured_at = "2026-01-01T00:00:00Z";
    s.nonce = "n" + std::to_string(n);
    ledger::Entry entry;
    entry.statement = s.Canonical();
    entry.signature = RandomBytes<64>();  // storage never verifies: any 64 bytes cost the same
    ledger::Leaf leaf;
    leaf.statement_hash = crypto::Sha256(entry.statement);
    leaf.digest = s.digest;
    leaf.depositor_key = keys_[depositor];
    leaf.block_height = block.header.height;
    leaf.block_time = block.header.time;
    block.leaves.push_back(leaf.Encode());
    block.entries.push_back(std::move(entry));
    digests_.push_back(s.digest);
  }

  const std::vector<Hash32>& digests() const { return digests_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::vector<crypto::PublicKey> keys_;
  std::vector<Hash32> digests_;
};

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) total += f.file_size();
  }
  return total;
}

struct Latency {
  double p50_us = 0;
  double p99_us = 0;
};

Latency Percentiles(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

void Print(const char* what, const Latency& l) {
  std::printf("%-28s p50 %7.1f us   p99 %7.1f us\n", what, l.p50_us, l.p99_us);
}

// Times `op` over `samples` calls; exits on the first error so a broken log never looks fast.
template <typename Op>
Latency Measure(uint64_t samples, Op op) {
  std::vector<double> us;
  us.reserve(samples);
  for (uint64_t i = 0; i < samples; ++i) {
    const auto start = Clock::now();
    Status s = op();
    const auto end = Clock::now();
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    us.push_back(Seconds(end - start) * 1e6);
  }
  return Percentiles(std::move(us));
}

// Raw LevelDB (default options), synced batches of `block` 200-byte records: what the disk and
// LevelDB alone allow on this machine.
double RawLevelDbRecordsPerSecond(const std::string& dir, const Options& o, std::mt19937_64& rng) {
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  std::unique_ptr<leveldb::DB> db(raw);
  std::string value(200, 'x');
  Clock::duration busy{};
  leveldb::WriteOptions sync;
  sync.sync = true;
  for (uint64_t done = 0; done < o.entries; done += o.block) {
    leveldb::WriteBatch batch;
    for (uint64_t i = done; i < std::min(o.entries, done + o.block); ++i) {
      char key[8];
      for (int b = 0; b < 8; ++b) key[b] = static_cast<char>(i >> (56 - 8 * b));
      for (auto& c : value) c = static_cast<char>(rng());
      batch.Put(leveldb::Slice(key, 8), value);
    }
    const auto start = Clock::now();
    s = db->Write(sync, &batch);
    busy += Clock::now() - start;
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  return static_cast<double>(o.entries) / Seconds(busy);
}

int Run(const Options& o) {
  if (std::filesystem::exists(o.dir) && !std::filesystem::is_empty(o.dir)) {
    std::fprintf(stderr, "error: %s is not empty\n", o.dir.c_str());
    return 1;
  }
  const std::string log_dir = o.dir + "/log";
  const std::string raw_dir = o.dir + "/raw";
  std::filesystem::create_directories(o.dir);
  Result<std::unique_ptr<storage::KvStore>> store = storage::OpenLevelDb(log_dir);
  if (!store.ok()) {
    std::fprintf(stderr, "error: %s\n", store.status().ToString().c_str());
    return 1;
  }
  Result<std::unique_ptr<storage::EvidenceLog>> log = storage::EvidenceLog::Open(store->get());
  if (!log.ok()) {
    std::fprintf(stderr, "error: %s\n", log.status().ToString().c_str());
    return 1;
  }
  Generator gen(o);
  Clock::duration append_time{};
  double append_cpu = 0;
  double writer_cpu = 0;
  uint64_t statement_bytes = 0;
  Hash32 prev{};
  for (uint64_t height = 1; (*log)->size() < o.entries; ++height) {
    storage::BlockToAppend block;
    block.header.chain_id = "bench-chain";
    block.header.height = height;
    block.header.prev_hash = prev;
    block.header.time = 1767225600000 + static_cast<int64_t>(height) * 1000;
    block.header.proposer = "court-1";
    const uint64_t n = std::min(o.block, o.entries - (*log)->size());
    for (uint64_t i = 0; i < n; ++i) gen.Add(block, (*log)->size() + i);
    std::vector<Hash32> leaf_hashes;
    for (const Bytes& leaf : block.leaves) leaf_hashes.push_back(crypto::LeafHash(leaf));
    for (const ledger::Entry& e : block.entries) statement_bytes += e.statement.size();
    block.header.log_size = (*log)->size() + n;
    block.header.log_root = TentativeRoot((*log)->size(), *(*log)->Frontier(), leaf_hashes);
    // ~200 bytes of signatures stand in for a certificate of 3 cosignatures.
    block.certificate = ledger::CheckpointText(block.header) + "\n" + std::string(300, 'c');
    const auto start = Clock::now();
    const double cpu_start = CpuSeconds();
    const double writer_start = ThreadCpuSeconds();
    Status s = (*log)->AppendBlock(block);
    writer_cpu += ThreadCpuSeconds() - writer_start;
    append_cpu += CpuSeconds() - cpu_start;
    append_time += Clock::now() - start;
    if (!s.ok()) {
      std::fprintf(stderr, "error: append block %llu: %s\n",
                   static_cast<unsigned long long>(height), s.ToString().c_str());
      return 1;
    }
    prev = block.header.Hash();
  }
  const uint64_t size = (*log)->size();
  const double appends_per_s = static_cast<double>(size) / Seconds(append_time);
  std::printf("entries                      %llu in blocks of %llu (synced)\n",
              static_cast<unsigned long long>(size), static_cast<unsigned long long>(o.block));
  const double per_entry = 1e6 / static_cast<double>(size);
  std::printf("appends/s                    %.0f (wall %.1f us/entry)\n", appends_per_s,
              Seconds(append_time) * per_entry);
  std::printf(
      "CPU us/entry                 %.1f process (%.1f writer thread, %.1f other threads: "
      "companion write, compaction)\n",
      append_cpu * per_entry, writer_cpu * per_entry, (append_cpu - writer_cpu) * per_entry);

  std::mt19937_64& rng = gen.rng();
  auto uniform = [&rng](uint64_t lo, uint64_t hi) {  // [lo, hi]
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  storage::EvidenceLog& l = **log;
  auto measure_reads = [&] {
    Print("inclusion proof (size n)", Measure(o.samples, [&] {
            return l.InclusionProof(uniform(0, size - 1), size).status();
          }));
    Print("inclusion proof (random size)", Measure(o.samples, [&] {
            const uint64_t tree = uniform(1, size);
            return l.InclusionProof(uniform(0, tree - 1), tree).status();
          }));
    Print("consistency proof", Measure(o.samples, [&] {
            const uint64_t new_size = uniform(1, size);
            return l.ConsistencyProof(uniform(1, new_size), new_size).status();
          }));
    Print("digest lookup (present)", Measure(o.samples, [&] {
            return l.FindByDigest(gen.digests()[uniform(0, size - 1)]).status();
          }));
    Print("digest lookup (absent)",
          Measure(o.samples, [&] { return l.FindByDigest(gen.RandomBytes<32>()).status(); }));
    Print("entry read",
          Measure(o.samples, [&] { return l.GetEntry(uniform(0, size - 1)).status(); }));
  };
  // Right after the appends LevelDB may still be compacting in the background; after CompactAll
  // it is idle. Both show whether compaction disturbs readers.
  std::printf("reads right after the appends:\n");
  measure_reads();

  if (Status s = (*store)->CompactAll(); !s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
    return 1;
  }
  const uint64_t disk = DirBytes(log_dir);
  std::printf("disk bytes/entry             %.1f (statement text %.1f, beyond it %.1f)\n",
              static_cast<double>(disk) / static_cast<double>(size),
              static_cast<double>(statement_bytes) / static_cast<double>(size),
              static_cast<double>(disk - statement_bytes) / static_cast<double>(size));
  std::printf("reads after a full compaction:\n");
  measure_reads();

  log->reset();
  store->reset();
  std::printf("reference raw LevelDB        %.0f records/s (200-byte records, synced batches)\n",
              RawLevelDbRecordsPerSecond(raw_dir, o, rng));
  return 0;
}

}  // namespace
}  // namespace evchain::bench

int main(int argc, char** argv) {
  evchain::bench::Options o;
  CLI::App app{
      "evchain storage benchmark: synced block appends, disk use, proof and lookup latency"};
  app.add_option("--dir", o.dir, "empty or missing directory for the databases")->required();
  app.add_option("--entries", o.entries, "entries to append")->check(CLI::PositiveNumber);
  app.add_option("--block", o.block, "entries per block")->check(CLI::PositiveNumber);
  app.add_option("--samples", o.samples, "samples per latency measurement")
      ->check(CLI::PositiveNumber);
  app.add_option("--depositors", o.depositors, "distinct depositors")->check(CLI::PositiveNumber);
  app.add_option("--seed", o.seed, "random seed");
  CLI11_PARSE(app, argc, argv);
  return evchain::bench::Run(o);
}
